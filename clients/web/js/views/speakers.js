// Speakers (rooms/speakers.py): the queue and the floor folded into the model, the floor
// block (delegate, chair, hall screen), the chair's queue and the delegate's request buttons.

import { h, fill, formatClock } from "../dom.js";
import { t, formatNumber } from "../i18n.js";
import { reducer } from "../model.js";
import { run, remaining, nameOf } from "./common.js";

function sp(s) {
  s.speakers ||= { queues: {}, floor: null };
  s.speakers.queues ||= {};
  return s.speakers;
}

function insertRequest(queue, request) {
  if (request.kind !== "point_of_order") return [...queue, request];
  const at = queue.findIndex((r) => r.kind !== "point_of_order");
  const i = at < 0 ? queue.length : at;
  return [...queue.slice(0, i), request, ...queue.slice(i)];
}

reducer("speakers.requested", (s, b, ev) => {
  const x = sp(s);
  const q = (x.queues[b.item] || []).filter((r) => r.participant !== b.participant);
  x.queues[b.item] = insertRequest(q, { participant: b.participant, kind: b.kind, at: ev.at, full_name: b.full_name, delegation: b.delegation });
});
reducer("speakers.withdrawn", (s, b) => {
  const x = sp(s);
  x.queues[b.item] = (x.queues[b.item] || []).filter((r) => r.participant !== b.participant);
});
reducer("speakers.reordered", (s, b) => {
  const x = sp(s);
  const by = Object.fromEntries((x.queues[b.item] || []).map((r) => [r.participant, r]));
  x.queues[b.item] = b.order.map((p) => by[p]).filter(Boolean);
});
reducer("speakers.floor_given", (s, b) => {
  const x = sp(s);
  x.queues[b.item] = (x.queues[b.item] || []).filter((r) => r.participant !== b.participant);
  x.floor = { participant: b.participant, item: b.item, kind: b.kind, started_at: b.started_at, seconds: b.seconds, full_name: b.full_name, delegation: b.delegation };
});
reducer("speakers.floor_ended", (s) => {
  sp(s).floor = null;
});


export function speakerQueue(s) {
  const item = s?.agenda?.current;
  return item ? s?.speakers?.queues?.[item] || [] : [];
}

export function floorBlock(s, now, { big = false } = {}) {
  const floor = s?.speakers?.floor;
  if (!floor) return h("div", { class: "floor empty", id: "floor" }, h("div", { class: "eyebrow" }, t("speakers.floor")), h("div", { class: "muted" }, t("speakers.nobody")));
  const left = remaining({ started_at: floor.started_at, duration_ms: floor.seconds * 1000 }, now);
  const delegation = s.participants?.[floor.participant]?.delegation ?? floor.delegation;
  return h("div", { class: `floor${big ? " floor-big" : ""}`, id: "floor", "data-participant": floor.participant },
    h("div", { class: "eyebrow" }, floor.kind === "point_of_order" ? t("speakers.point_of_order") : t("speakers.floor")),
    h("div", { class: "floor-name", id: "floor-name" }, nameOf(s, floor.participant, floor.full_name)),
    delegation ? h("div", { class: "muted floor-delegation", id: "floor-delegation" }, delegation) : null,
    h("div", { class: `timer-value floor-timer${left < 0 ? " timer-over" : left < 30 ? " timer-low" : ""}`, role: "timer", "aria-label": t("speakers.time_left") }, formatClock(left)));
}

export function chairSpeakers(slot, ctx) {
  const s = ctx.model.state;
  const queue = speakerQueue(s);
  fill(slot,
    floorBlock(s, ctx.client.now()),
    s.speakers?.floor ? h("button", { type: "button", class: "btn", id: "floor-end", onclick: () => run(ctx.client, "speakers.end", {}) }, t("speakers.end")) : null,
    h("h3", {}, t("speakers.queue"), " ", h("span", { class: "pill" }, formatNumber(queue.length))),
    queue.length ? h("ol", { class: "speaker-queue", id: "speaker-queue" }, queue.map((r, i) => h("li", { "data-participant": r.participant },
      h("span", { class: "speaker-name" }, nameOf(s, r.participant, r.full_name)),
      r.kind === "point_of_order" ? h("span", { class: "pill pill-warn" }, t("speakers.point_of_order")) : null,
      h("span", { class: "btn-row" },
        h("button", { type: "button", class: "btn btn-sm btn-primary", "aria-label": t("speakers.give_to", { name: nameOf(s, r.participant, r.full_name) }),
          onclick: () => run(ctx.client, "speakers.give_floor", { participant: r.participant }) }, t("speakers.give")),
        i > 0 ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("speakers.up_for", { name: nameOf(s, r.participant, r.full_name) }),
          onclick: () => {
            const order = queue.map((x) => x.participant);
            [order[i - 1], order[i]] = [order[i], order[i - 1]];
            run(ctx.client, "speakers.reorder", { order });
          } }, "↑") : null,
        h("button", { type: "button", class: "btn btn-sm", "aria-label": t("speakers.remove_for", { name: nameOf(s, r.participant, r.full_name) }),
          onclick: () => run(ctx.client, "speakers.withdraw", { participant: r.participant }) }, "✕"))))) :
      h("p", { class: "muted" }, t("speakers.empty")));
}

export function delegateSpeak(slot, ctx) {
  const s = ctx.model.state;
  const me = s.me?.id;
  const queue = speakerQueue(s);
  const at = queue.findIndex((r) => r.participant === me);
  const onFloor = s.speakers?.floor?.participant === me;
  const canAsk = s.status === "open" && s.agenda?.current;
  fill(slot,
    onFloor ? h("p", { class: "notice notice-ok", id: "my-floor" }, t("speakers.you_have_floor")) :
      at >= 0 ? h("p", { class: "notice", id: "my-place" }, t("speakers.your_place", { n: at + 1 })) : null,
    h("div", { class: "btn-row" },
      at >= 0
        ? h("button", { type: "button", class: "btn btn-lg", id: "btn-withdraw", onclick: () => run(ctx.client, "speakers.withdraw", {}) }, t("speakers.withdraw"))
        : h("button", { type: "button", class: "btn btn-lg btn-primary", id: "btn-speak", disabled: !canAsk || onFloor,
          onclick: () => run(ctx.client, "speakers.request", {}, { ok: t("speakers.requested") }) }, t("speakers.ask")),
      at < 0 ? h("button", { type: "button", class: "btn btn-lg", id: "btn-order", disabled: !canAsk || onFloor,
        onclick: () => run(ctx.client, "speakers.request", { point_of_order: true }, { ok: t("speakers.requested") }) }, t("speakers.point_of_order")) : null),
    canAsk ? null : h("p", { class: "muted small" }, t("speakers.closed")));
}
