// Chair console (laptop): meeting lifecycle, agenda control and timer, polls, speakers,
// live quorum and vote progress.

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";
import { walkItems } from "../model.js";
import {
  statusBadge, currentItemBlock, quorumBlock, historyList, section, run, confirmDialog,
  timerBlock, itemNumber, meetingTitle, quorumInfo,
} from "./common.js";
import { formatNumber } from "../i18n.js";
import "./reducers.js";
import { chairSpeakers } from "./speakers.js";
import { chairDocuments } from "./documents.js";
import { chairPolls } from "./polls.js";
import { proxyList } from "./proxies.js";
import { settingsPanel } from "./settings.js";
import { signingPanel } from "./signing.js";

const LIFECYCLE = [
  { kind: "meeting.open", label: "action.open", when: ["scheduled"], primary: true },
  { kind: "meeting.adjourn", label: "action.adjourn", when: ["open"] },
  { kind: "meeting.resume", label: "action.resume", when: ["adjourned"], primary: true },
  { kind: "meeting.close", label: "action.close", when: ["open", "adjourned", "scheduled"], danger: true },
];

export function mount(root, ctx) {
  const { client, model } = ctx;
  const slots = {
    lifecycle: h("div", { class: "lifecycle", id: "lifecycle" }),
    current: h("div", {}),
    timer: h("div", { class: "timer-slot" }),
    agenda: h("div", { id: "agenda-list" }),
    quorum: h("div", {}),
    polls: h("div", { id: "chair-polls" }),
    docs: h("div", { id: "chair-docs" }),
    speakers: h("div", { id: "chair-speakers" }),
    proxies: h("div", { id: "chair-proxies" }),
    history: h("div", {}),
  };
  const settings = settingsPanel(ctx);
  const signing = signingPanel(ctx);
  root.appendChild(consoleLayout(slots, settings));
  root.querySelector(".col-main").append(signing.el);

  function update() {
    const s = model.state;
    if (!s) return;
    renderLifecycle(slots.lifecycle, s, client);
    renderAgenda(slots, s, client);
    fill(slots.quorum, quorumBlock(s));
    chairPolls(slots.polls, ctx);
    chairSpeakers(slots.speakers, ctx);
    chairDocuments(slots.docs, ctx);
    fill(slots.proxies, proxyList(s, ctx));
    fill(slots.history, historyList(s));
    settings.update(s);
    signing.update(s);
  }

  const tick = setInterval(() => {
    if (model.state?.agenda?.timer) renderTimer(slots.timer, model.state, client);
  }, 1000);

  return { update, destroy: () => clearInterval(tick) };
}

function consoleLayout(slots, settings) {
  return h("div", { class: "layout layout-console" },
    h("div", { class: "col col-main" },
      h("h1", { class: "view-title" }, t("chair.title")),
      section(t("chair.meeting"), "sec-lifecycle", slots.lifecycle),
      section(t("chair.agenda"), "sec-agenda", slots.current, slots.timer, slots.agenda),
      section(t("chair.polls"), "sec-polls", slots.polls),
      section(t("documents.title"), "sec-docs", slots.docs)),
    h("div", { class: "col col-side" },
      section(t("quorum.title"), "sec-quorum", slots.quorum),
      section(t("chair.speakers"), "sec-speakers", slots.speakers),
      section(t("proxy.title"), "sec-proxies", slots.proxies),
      section(t("settings.title"), "sec-settings", settings.form),
      section(t("history.title"), "sec-history", slots.history)));
}

/** Opening below quorum is the chair's call, but never by accident: say the figures first.
 * Where the meeting sets no quorum, more than half of the delegates is the yardstick. */
function confirmQuorum(s) {
  const q = quorumInfo(s);
  if (!q || !q.total) return true;
  const needed = q.needed ?? Math.floor(q.total / 2) + 1;
  if (q.present >= needed) return true;
  return confirmDialog({
    title: t("chair.below_quorum_title"),
    text: t("chair.below_quorum_text", { present: formatNumber(q.present), total: formatNumber(q.total), needed: formatNumber(needed) }),
    ok: t("chair.open_anyway"), danger: true,
  });
}

async function lifecycleAction(client, action, s) {
  if ((action.kind === "meeting.open" || action.kind === "meeting.resume") && !(await confirmQuorum(s))) return;
  if (action.kind === "meeting.close") {
    const yes = await confirmDialog({ title: t("chair.close_title"), text: t("chair.close_text"), ok: t("action.close"), danger: true });
    if (!yes) return;
    return run(client, action.kind, {}, { ok: t("chair.closed_ok") });
  }
  if (action.kind === "meeting.adjourn") {
    const answer = await confirmDialog({ title: t("chair.adjourn_title"), input: t("chair.adjourn_reason"), ok: t("action.adjourn") });
    if (!answer) return;
    const reason = answer.value.trim();
    return run(client, action.kind, reason ? { reason } : {});
  }
  return run(client, action.kind, {});
}

function renderLifecycle(slot, s, client) {
  const status = s.status || "scheduled";
  fill(slot,
    h("div", { class: "lifecycle-state" },
      h("span", { class: "muted" }, t("chair.status")), " ", statusBadge(status, true)),
    h("div", { class: "meeting-name" }, meetingTitle(s)),
    s.info?.place ? h("div", { class: "muted" }, s.info.place) : null,
    h("div", { class: "btn-row" },
      LIFECYCLE.map((a) => h("button", {
        type: "button",
        class: `btn btn-lg ${a.primary ? "btn-primary" : a.danger ? "btn-danger-outline" : ""}`,
        id: `btn-${a.kind.replace(".", "-")}`,
        disabled: !a.when.includes(status),
        onclick: () => lifecycleAction(client, a, s),
      }, t(a.label)))));
}

function renderAgenda(slots, s, client) {
  fill(slots.current, currentItemBlock(s));
  renderTimer(slots.timer, s, client);
  const items = walkItems(s.agenda?.items);
  if (!items.length) {
    fill(slots.agenda, h("p", { class: "muted" }, t("agenda.empty_chair")));
    return;
  }
  const current = s.agenda?.current;
  const ids = items.map((x) => x.item.id);
  const at = ids.indexOf(current);
  const controls = h("div", { class: "btn-row" },
    h("button", { type: "button", class: "btn", id: "agenda-prev", disabled: at <= 0,
      onclick: () => run(client, "agenda.set_current", { id: ids[at - 1] }) }, t("agenda.prev")),
    h("button", { type: "button", class: "btn btn-primary", id: "agenda-next", disabled: at >= ids.length - 1,
      onclick: () => run(client, "agenda.set_current", { id: ids[at + 1] }) }, t("agenda.next")),
    s.agenda?.timer
      ? h("button", { type: "button", class: "btn", id: "timer-stop", onclick: () => run(client, "agenda.timer.stop", {}) }, t("agenda.timer_stop"))
      : h("button", { type: "button", class: "btn", id: "timer-start", disabled: !current, onclick: () => run(client, "agenda.timer.start", {}) }, t("agenda.timer_start")));
  const list = h("ol", { class: "agenda" });
  for (const { item, depth } of items) {
    const isCurrent = item.id === current;
    list.appendChild(h("li", { class: `agenda-item depth-${depth}${isCurrent ? " is-current" : ""}`, "data-item": item.id, "aria-current": isCurrent ? "step" : null },
      h("span", { class: "agenda-n" }, itemNumber(s, item.id)),
      h("span", { class: "agenda-title" }, item.title),
      item.minutes ? h("span", { class: "muted agenda-min" }, t("agenda.minutes", { n: item.minutes })) : null,
      isCurrent ? h("span", { class: "pill" }, t("agenda.now")) :
        h("button", { type: "button", class: "btn btn-sm", "aria-label": t("agenda.go_to", { title: item.title }),
          onclick: () => run(client, "agenda.set_current", { id: item.id }) }, t("agenda.go"))));
  }
  fill(slots.agenda, controls, list);
}

function renderTimer(slot, s, client) {
  fill(slot, timerBlock(s.agenda?.timer, client.now(), t("agenda.timer")));
}
