// The feature panels that several views share: attendance (check-in), speakers, documents,
// feedback and questions, polls. Each reads the part of the snapshot its feature provides
// and renders nothing special when that part is absent.

import { h, fill, toast, formatTime, formatClock, uuid } from "../dom.js";
import { t, tv, getLang, formatNumber, compareNames } from "../i18n.js";
import { reducer } from "../model.js";
import { run, showError, errorText, bar, confirmDialog, remaining, personLine } from "./common.js";

// ---- attendance (rooms/attendance.py) ----------------------------------------------------

const VOTING = new Set(["chair", "secretary", "delegate"]);

function att(s) {
  s.attendance ||= { me: null, present: 0, entitled: 0, met: null };
  return s.attendance;
}

function recountPresent(s) {
  const a = att(s);
  if (!a.records || !s.participants) return;
  let present = 0;
  for (const [pid, r] of Object.entries(a.records)) {
    if (r.status === "present" && VOTING.has(s.participants[pid]?.role)) present += 1;
  }
  a.present = present;
  if (a.quorum) {
    a.quorum.present = present;
    if (a.quorum.needed != null) a.quorum.met = present >= a.quorum.needed;
  }
}

function setRecord(s, body, status, ev) {
  const a = att(s);
  const pid = body.participant;
  const before = a.records?.[pid]?.status;
  if (a.records) {
    a.records[pid] = { ...(a.records[pid] || {}), participant: pid, status, at: ev.at, mode: body.mode, via: body.via, reason: body.reason };
    recountPresent(s);
  } else if (before !== status) {
    // The screen has no roster: count arrivals and departures until the live quorum arrives.
    if (status === "present") a.present = (a.present || 0) + 1;
    else if (a.present) a.present -= 1;
    if (a.quorum) a.quorum.present = a.present;
  }
  if (s.me && pid === s.me.id) a.me = { ...(a.me || {}), status, at: ev.at };
}

reducer("attendance.checked_in", (s, b, ev) => setRecord(s, b, "present", ev));
reducer("attendance.checked_out", (s, b, ev) => setRecord(s, b, "out", ev));
reducer("attendance.absent", (s, b, ev) => setRecord(s, b, "absent", ev));
reducer("attendance.double_presence", (s, b) => {
  const a = att(s);
  if (a.records?.[b.participant]) a.records[b.participant].double_presence = b.devices;
});
reducer("proxy.granted", (s, b, ev) => {
  const a = att(s);
  a.proxies = [...(a.proxies || []).filter((p) => p.from !== b.from), { from: b.from, to: b.to, at: ev.at }];
});
reducer("proxy.revoked", (s, b) => {
  const a = att(s);
  a.proxies = (a.proxies || []).filter((p) => p.from !== b.from);
});

export function myAttendance(s) {
  return s?.attendance?.me || null;
}

function deviceId() {
  // A stable id for this tablet, so the server can tell a second device of the same person.
  const key = "phonghop.device";
  try {
    let id = localStorage.getItem(key);
    if (!id) {
      id = `web-${uuid().slice(0, 18)}`;
      localStorage.setItem(key, id);
    }
    return id;
  } catch {
    return "";
  }
}

export function delegateCheckin(slot, ctx) {
  const s = ctx.model.state;
  const me = myAttendance(s);
  const status = me?.status || "pending";
  const present = status === "present";
  const body = {};
  const device = deviceId();
  if (device) body.device = device;
  fill(slot,
    h("div", { class: `checkin-state checkin-${status}`, id: "my-checkin", "data-status": status },
      h("span", { class: "checkin-icon", "aria-hidden": "true" }, present ? "✓" : "•"),
      h("span", {}, tv("attendance.status", status)),
      present && me.at ? h("span", { class: "muted" }, " ", t("attendance.since", { time: formatTime(me.at, getLang()) })) : null),
    present || s.status === "closed" ? null : h("button", {
      type: "button", class: "btn btn-primary btn-xl", id: "btn-checkin",
      onclick: async () => {
        try {
          const pending = ctx.client.send("checkin.self", body);
          if (!ctx.client.ready) toast(t("attendance.queued"), "info");
          await pending;
          const a = att(ctx.model.state);
          a.me = { ...(a.me || {}), status: "present", at: ctx.client.now() };
          toast(t("attendance.done"), "ok");
          ctx.refresh?.();
        } catch (err) {
          if (err.code === "duplicate") {
            const a = att(ctx.model.state);
            a.me = { ...(a.me || {}), status: "present", at: err.details?.at || 0 };
            ctx.refresh?.();
          } else if (err.code === "offline") {
            toast(t("attendance.queued"), "info");
          } else showError(err);
        }
      },
    }, t("attendance.checkin")));
}

/** Badge scan form: a text field a handheld scanner types into (it ends with Enter). */
export function scanForm(ctx, where, onResult) {
  const id = `${where}-scan`;
  const input = h("input", { id, type: "text", class: "scan-input", autocomplete: "off", spellcheck: "false", inputmode: "none" });
  const result = h("div", { class: "scan-result", id: `${where}-result`, role: "status", "aria-live": "assertive" });
  const form = h("form", { class: "scan-form" },
    h("label", { for: id }, t("kiosk.scan_label")),
    h("div", { class: "form-row" }, input, h("button", { type: "submit", class: "btn btn-primary" }, t("kiosk.check"))));
  async function submit(raw) {
    const token = extractToken(raw);
    if (!token) return;
    try {
      const ack = await ctx.client.send("checkin.scan", { token });
      show(result, "ok", ack.result || {});
      onResult?.("ok", ack.result || {});
    } catch (err) {
      const already = err.code === "duplicate";
      show(result, already ? "already" : "fail", { ...err.details, message: errorText(err) });
      onResult?.(already ? "already" : "fail", err.details || {});
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = input.value;
    input.value = "";
    submit(value);
    input.focus();
  });
  return { form, result, input, submit };
}

/** The QR may hold a bare token or a URL with it (…/j/TOKEN, …?t=TOKEN, …/c/TOKEN). */
export function extractToken(raw) {
  const text = String(raw || "").trim();
  if (!text) return "";
  const m = text.match(/\/(?:j|c|b)\/([^/?#\s]+)/) || text.match(/[?&](?:t|token)=([^&#\s]+)/);
  return m ? decodeURIComponent(m[1]) : text;
}

function show(el, kind, info) {
  const name = info.full_name || info.name || info.participant_name || "";
  const when = info.at ? formatTime(info.at, getLang()) : "";
  const title = kind === "ok" ? t("kiosk.ok") : kind === "already" ? t("kiosk.already", { time: when }) : t("kiosk.fail");
  fill(el,
    h("div", { class: `scan-outcome scan-${kind}`, "data-outcome": kind },
      h("div", { class: "scan-icon", "aria-hidden": "true" }, kind === "fail" ? "✕" : "✓"),
      h("div", { class: "scan-title" }, title),
      name ? h("div", { class: "scan-name" }, name) : null,
      info.delegation ? h("div", { class: "scan-sub" }, info.delegation) : null,
      info.seat ? h("div", { class: "scan-sub" }, t("kiosk.seat", { seat: info.seat })) : null,
      kind === "fail" ? h("div", { class: "scan-sub" }, info.message || "") : null));
}

export function attendanceSummary(ctx) {
  const s = ctx.model.state;
  const a = s?.attendance;
  if (!a) return null;
  return h("p", { class: "muted", id: "desk-summary" }, t("desk.summary", { present: formatNumber(a.present || 0), total: formatNumber(a.entitled || 0) }));
}

export function deskRow(p, ctx) {
  const s = ctx.model.state;
  const record = s.attendance?.records?.[p.id];
  const status = record?.status || "pending";
  const present = status === "present";
  return h("li", { class: `desk-row checkin-${status}`, "data-id": p.id },
    h("div", { class: "desk-person" },
      h("div", { class: "desk-name" }, p.full_name),
      h("div", { class: "muted small" }, [p.id, p.delegation, p.seat && t("kiosk.seat", { seat: p.seat })].filter(Boolean).join(" · "))),
    h("div", { class: "desk-status" }, tv("attendance.status", status),
      record?.at ? h("span", { class: "muted small" }, " ", formatTime(record.at, getLang())) : null,
      record?.double_presence ? h("span", { class: "pill pill-warn" }, t("desk.double")) : null),
    h("div", { class: "btn-row" },
      present
        ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("desk.checkout_for", { name: p.full_name }),
          onclick: () => run(ctx.client, "checkin.out", { participant: p.id }) }, t("desk.checkout"))
        : h("button", { type: "button", class: "btn btn-sm btn-primary", "aria-label": t("desk.checkin_for", { name: p.full_name }),
          onclick: () => run(ctx.client, "checkin.manual", { participant: p.id }, { ok: t("desk.checked_in", { name: p.full_name }) }) }, t("desk.checkin")),
      !present && status !== "absent"
        ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("desk.absent_for", { name: p.full_name }),
          onclick: async () => {
            const answer = await confirmDialog({ title: t("desk.absent_title", { name: p.full_name }), input: t("desk.absent_reason"), ok: t("desk.absent") });
            if (answer) run(ctx.client, "checkin.absent", answer.value.trim() ? { participant: p.id, reason: answer.value.trim() } : { participant: p.id });
          } }, t("desk.absent")) : null));
}

// ---- speakers (rooms/speakers.py) --------------------------------------------------------

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
  x.queues[b.item] = insertRequest(q, { participant: b.participant, kind: b.kind, at: ev.at, name: b.full_name || b.name });
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
  x.floor = { participant: b.participant, item: b.item, kind: b.kind, started_at: b.started_at, seconds: b.seconds, name: b.full_name || b.name };
});
reducer("speakers.floor_ended", (s) => {
  sp(s).floor = null;
});

/** A participant's name where this view knows it (staff have the roster), else what the
 * event carried, else the participant id. */
export function nameOf(s, pid, fallback) {
  if (s?.me?.id === pid) return s.me.full_name;
  return s?.participants?.[pid]?.full_name || fallback || pid;
}

export function speakerQueue(s) {
  const item = s?.agenda?.current;
  return item ? s?.speakers?.queues?.[item] || [] : [];
}

export function floorBlock(s, now, { big = false } = {}) {
  const floor = s?.speakers?.floor;
  if (!floor) return h("div", { class: "floor empty", id: "floor" }, h("div", { class: "eyebrow" }, t("speakers.floor")), h("div", { class: "muted" }, t("speakers.nobody")));
  const left = remaining({ started_at: floor.started_at, duration_ms: floor.seconds * 1000 }, now);
  const p = s.participants?.[floor.participant];
  return h("div", { class: `floor${big ? " floor-big" : ""}`, id: "floor", "data-participant": floor.participant },
    h("div", { class: "eyebrow" }, floor.kind === "point_of_order" ? t("speakers.point_of_order") : t("speakers.floor")),
    h("div", { class: "floor-name", id: "floor-name" }, nameOf(s, floor.participant, floor.name)),
    p?.delegation ? h("div", { class: "muted" }, p.delegation) : null,
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
      h("span", { class: "speaker-name" }, nameOf(s, r.participant, r.name)),
      r.kind === "point_of_order" ? h("span", { class: "pill pill-warn" }, t("speakers.point_of_order")) : null,
      h("span", { class: "btn-row" },
        h("button", { type: "button", class: "btn btn-sm btn-primary", "aria-label": t("speakers.give_to", { name: nameOf(s, r.participant, r.name) }),
          onclick: () => run(ctx.client, "speakers.give_floor", { participant: r.participant }) }, t("speakers.give")),
        i > 0 ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("speakers.up_for", { name: nameOf(s, r.participant, r.name) }),
          onclick: () => {
            const order = queue.map((x) => x.participant);
            [order[i - 1], order[i]] = [order[i], order[i - 1]];
            run(ctx.client, "speakers.reorder", { order });
          } }, "↑") : null,
        h("button", { type: "button", class: "btn btn-sm", "aria-label": t("speakers.remove_for", { name: nameOf(s, r.participant, r.name) }),
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

// ---- documents and follow-the-chair (rooms/documents.py) -----------------------------------

reducer("document.published", (s, b) => upsertDoc(s, b, true));
reducer("document.drafted", (s, b) => upsertDoc(s, b, false));
reducer("floor.followed", (s, b, ev) => { s.follow = { document: b.document, version: b.version, page: b.page, at: ev.at }; });
reducer("floor.unfollowed", (s) => { s.follow = null; });

function upsertDoc(s, b, released) {
  s.documents ||= [];
  let doc = s.documents.find((d) => d.id === b.id);
  if (!doc) {
    doc = { id: b.id, title: b.title, item: b.item, versions: [] };
    s.documents.push(doc);
  }
  doc.title = b.title;
  doc.item = b.item;
  const v = { n: b.version, sha256: b.sha256, size: b.size, mime: b.mime, filename: b.filename, pages: b.pages, released };
  const i = doc.versions.findIndex((x) => x.n === b.version);
  if (i >= 0) doc.versions[i] = { ...doc.versions[i], ...v };
  else doc.versions.push(v);
}

// ---- feedback and questions (rooms/feedback.py, rooms/questions.py) ----------------------

export function feedbackModeration(slot, ctx) {
  const s = ctx.model.state;
  const list = feedbackList(s);
  if (!list.length) {
    fill(slot, h("p", { class: "muted" }, t("feedback.none")));
    return;
  }
  fill(slot, h("ul", { class: "feedback-list", id: "feedback-list" }, list.map((f) => h("li", { class: `feedback feedback-${f.status || "new"}`, "data-id": f.id },
    h("div", { class: "feedback-meta" },
      h("strong", {}, nameOf(s, f.participant || f.author, f.full_name)), " · ",
      h("time", {}, formatTime(f.at, getLang())),
      f.item ? [" · ", t("agenda.item_n", { n: f.item })] : null,
      " ", h("span", { class: "pill" }, tv("feedback.status", f.status || "new"))),
    h("p", { class: "feedback-text" }, f.text),
    h("div", { class: "btn-row" },
      h("button", { type: "button", class: "btn btn-sm", onclick: () => run(ctx.client, "feedback.mark", { id: f.id, status: "accepted" }) }, t("feedback.accept")),
      h("button", { type: "button", class: "btn btn-sm", onclick: async () => {
        const answer = await confirmDialog({ title: t("feedback.answer_title"), input: t("feedback.answer"), ok: t("feedback.answer_ok") });
        if (answer) run(ctx.client, "feedback.mark", { id: f.id, status: "answered", answer: answer.value });
      } }, t("feedback.answer_ok")))))));
}

function feedbackList(s) {
  const f = s?.feedback;
  const items = Array.isArray(f) ? f : Array.isArray(f?.items) ? f.items : f?.entries ? Object.values(f.entries) : [];
  return [...items].sort((a, b) => (b.at || 0) - (a.at || 0));
}

reducer("feedback.submitted", (s, b, ev) => {
  s.feedback ||= [];
  const list = Array.isArray(s.feedback) ? s.feedback : (s.feedback.items ||= []);
  list.push({ ...b, at: b.at || ev.at, status: b.status || "new" });
});
reducer("feedback.marked", (s, b) => {
  for (const f of feedbackList(s)) if (f.id === b.id) { f.status = b.status; f.answer = b.answer; }
});

export function delegateFeedback(slot, ctx) {
  if (slot.dataset.ready) return;
  slot.dataset.ready = "1";
  const text = h("textarea", { id: "feedback-text", rows: "4", maxlength: "4000" });
  const form = h("form", { class: "feedback-form" },
    h("label", { for: "feedback-text" }, t("feedback.label")),
    text,
    h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary", id: "feedback-send" }, t("feedback.send"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    const body = { text: value };
    const item = ctx.model.state?.agenda?.current;
    if (item) body.item = item;
    try {
      const pending = ctx.client.send("feedback.submit", body);
      text.value = "";
      if (!ctx.client.ready) toast(t("feedback.queued"), "info");
      await pending;
      toast(t("feedback.sent"), "ok");
    } catch (err) {
      text.value = value;
      showError(err);
    }
  });
  fill(slot, form);
}

// ---- polls (rooms/polls.py) ---------------------------------------------------------------

export function chairPolls(slot) {
  if (!slot.firstChild) fill(slot, h("p", { class: "muted" }, t("polls.none")));
}

export { personLine, bar, compareNames };
