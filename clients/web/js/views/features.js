// The feature panels that several views share: attendance (check-in), speakers, documents,
// feedback and questions, polls. Each reads the part of the snapshot its feature provides
// and renders nothing special when that part is absent.

import { h, fill, toast, formatTime, formatClock, uuid } from "../dom.js";
import { t, tv, getLang, formatNumber, compareNames } from "../i18n.js";
import { reducer, liveReducer } from "../model.js";
import { run, showError, errorText, bar, confirmDialog, remaining, personLine, itemNumber, itemTextForm, currentItem } from "./common.js";
import { Viewer, versionUrl, preload, latestReleased } from "../pdfview.js";
import { api } from "../api.js";

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

// Personal live message from server/attendance_live.py: this participant's own record.
liveReducer("me", (s, body) => {
  if (body?.attendance) att(s).me = body.attendance;
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

/** A participant's name where this view knows it (staff have the roster), else what the
 * event carried (speaker events name the speaker, rooms/speakers.py), else the id. */
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
  const v = { version: b.version, sha256: b.sha256, size: b.size, mime: b.mime, filename: b.filename, pages: b.pages, released };
  const i = doc.versions.findIndex((x) => x.version === b.version);
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
  // Duplicates are shown under the entry they were merged into, and count as its support.
  const roots = list.filter((f) => !f.merged_into);
  const children = {};
  for (const f of list) if (f.merged_into) (children[f.merged_into] ||= []).push(f);
  const short = (f) => `${nameOf(s, f.author, f.full_name)}: ${f.text.length > 50 ? `${f.text.slice(0, 50)}…` : f.text}`;
  fill(slot, h("ul", { class: "feedback-list", id: "feedback-list" }, roots.map((f) => {
    const merged = children[f.id] || [];
    const supporters = new Set(merged.map((m) => m.author).filter((a) => a !== f.author)).size;
    const target = h("select", { class: "field-input merge-select", id: `merge-${f.id}`, "aria-label": t("feedback.merge_into_for", { text: short(f) }) },
      h("option", { value: "" }, t("feedback.merge_choose")),
      roots.filter((o) => o.id !== f.id).map((o) => h("option", { value: o.id }, short(o))));
    return h("li", { class: `feedback feedback-${f.status || "new"}`, "data-id": f.id, "data-supporters": String(supporters) },
      h("div", { class: "feedback-meta" },
        h("strong", {}, nameOf(s, f.author || f.participant, f.full_name)), " · ",
        h("time", {}, formatTime(f.at, getLang())),
        f.item ? [" · ", t("agenda.item_n", { n: itemNumber(s, f.item) || f.item })] : null,
        " ", h("span", { class: "pill" }, tv("feedback.status", f.status || "new")),
        merged.length ? [" ", h("span", { class: "pill pill-support" }, t("feedback.support", { n: formatNumber(merged.length), people: formatNumber(supporters) }))] : null),
      h("p", { class: "feedback-text" }, f.text),
      (f.tags || []).length ? h("p", { class: "tag-list" }, h("span", { class: "sr-only" }, t("feedback.tags"), ": "), f.tags.map((tag) => h("span", { class: "tag" }, tag))) : null,
      f.answer ? h("p", { class: "feedback-answer" }, h("strong", {}, t("feedback.answer"), ": "), f.answer) : null,
      h("div", { class: "btn-row" },
        h("button", { type: "button", class: "btn btn-sm", onclick: () => run(ctx.client, "feedback.mark", { id: f.id, status: "accepted" }) }, t("feedback.accept")),
        h("button", { type: "button", class: "btn btn-sm", onclick: async () => {
          const answer = await confirmDialog({ title: t("feedback.answer_title"), input: t("feedback.answer"), value: f.answer || "", ok: t("feedback.answer_ok") });
          if (answer) run(ctx.client, "feedback.mark", { id: f.id, status: "answered", answer: answer.value });
        } }, t("feedback.answer_ok")),
        h("button", { type: "button", class: "btn btn-sm", "data-action": "tag", "aria-label": t("feedback.tag_for", { text: short(f) }), onclick: async () => {
          const answer = await confirmDialog({ title: t("feedback.tag_title"), input: t("feedback.tag_input"), value: (f.tags || []).join(", "), ok: t("feedback.tag_ok") });
          if (!answer) return;
          const tags = answer.value.split(",").map((x) => x.trim()).filter(Boolean);
          run(ctx.client, "feedback.tag", { id: f.id, tags }, { ok: t("feedback.tagged") });
        } }, t("feedback.tag")),
        roots.length > 1 ? h("span", { class: "merge-row" }, target,
          h("button", { type: "button", class: "btn btn-sm", "data-action": "merge", "aria-label": t("feedback.merge_for", { text: short(f) }), onclick: () => {
            if (target.value) run(ctx.client, "feedback.merge", { id: f.id, into: target.value }, { ok: t("feedback.merged") });
          } }, t("feedback.merge"))) : null),
      merged.length ? h("ul", { class: "feedback-merged", "aria-label": t("feedback.duplicates") }, merged.map((m) => h("li", { "data-id": m.id, "data-merged-into": f.id },
        h("span", { class: "muted small" }, nameOf(s, m.author, m.full_name), " · ", formatTime(m.at, getLang()), " · ", t("feedback.duplicate_of")), " ",
        h("span", { class: "feedback-text" }, m.text)))) : null);
  })));
}

function feedbackList(s) {
  const f = s?.feedback;
  const items = Array.isArray(f) ? f : Array.isArray(f?.items) ? f.items : f?.entries ? Object.values(f.entries) : [];
  return [...items].sort((a, b) => (b.at || 0) - (a.at || 0));
}

reducer("feedback.submitted", (s, b, ev) => {
  s.feedback ||= [];
  const list = Array.isArray(s.feedback) ? s.feedback : (s.feedback.items ||= []);
  list.push({ ...b, at: b.at || ev.at, status: b.status || "new", tags: b.tags || [], merged_into: null });
});
reducer("feedback.tagged", (s, b) => {
  for (const f of feedbackList(s)) if (f.id === b.id) f.tags = b.tags || [];
});
reducer("feedback.merged", (s, b) => {
  // Whatever was merged into the source now points at the target: one level (rooms/feedback.py).
  for (const f of feedbackList(s)) if (f.id === b.id || f.merged_into === b.id) f.merged_into = b.into;
});
reducer("feedback.marked", (s, b) => {
  for (const f of feedbackList(s)) if (f.id === b.id) { f.status = b.status; f.answer = b.answer; }
});

export function delegateFeedback(slot, ctx) {
  let ui = slot._feedback;
  if (!ui) {
    const form = itemTextForm(ctx, {
      name: "feedback", label: t("feedback.label"), send: t("feedback.send"), rows: "4",
      maxlength: "4000", kind: "feedback.submit", queued: t("feedback.queued"),
      sent: t("feedback.sent"),
    });
    const hint = h("p", { class: "notice", id: "feedback-hint", hidden: true }, t("feedback.no_current"));
    form.insertBefore(hint, form.querySelector(".btn-row"));
    ui = { form, hint, text: form.querySelector("textarea"), send: form.querySelector("button[type=submit]") };
    slot._feedback = ui;
    fill(slot, form);
  }
  // The server takes feedback without an item or a document only while an agenda item is
  // current (rooms/feedback.py): say so before the delegate types, not after pressing send.
  // Only the button is disabled, so what is typed stays and can be sent once an item is set.
  const waiting = !currentItem(ctx.model.state);
  ui.hint.hidden = !waiting;
  ui.send.disabled = waiting;
  for (const el of [ui.text, ui.send]) {
    if (waiting) el.setAttribute("aria-describedby", "feedback-hint");
    else el.removeAttribute("aria-describedby");
  }
}

// ---- polls (rooms/polls.py, server/polls.py, server/poll_live.py) ---------------------------

function pollList(s) {
  s.polls ||= [];
  return s.polls;
}

function pollById(s, id) {
  return pollList(s).find((p) => p.poll === id);
}

reducer("poll.created", (s, b, ev) => {
  pollList(s).push({ ...b, status: "draft", created_at: ev.at });
});
reducer("poll.opened", (s, b, ev) => {
  const p = pollById(s, b.poll);
  if (!p) return;
  Object.assign(p, { status: "open", opened_at: ev.at, closes_at: b.closes_at, snapshot: b.snapshot, rule_info: b.rule, base: b.base, quorum_info: b.quorum });
  // Who this tablet may cast for: in the staff copy of the snapshot; otherwise a voter
  // casts its own ballot only, unless a live poll.eligibility right after says otherwise.
  const voters = b.snapshot?.voters;
  if (voters && s.me) {
    const proxies = b.snapshot.proxies || {};
    p.may_cast_for = Object.keys(voters).filter((v) => (proxies[v] || v) === s.me.id).sort();
  } else if (s.me && VOTING.has(s.me.role)) {
    p.may_cast_for = [s.me.id];
  }
});
reducer("poll.closed", (s, b, ev) => {
  const p = pollById(s, b.poll);
  if (!p) return;
  p.status = "closed";
  p.closed_at = ev.at;
  p.counts = b.counts;
  if (b.result) { p.result = b.result; p.outcome = b.outcome; p.receipts_digest = b.receipts_digest; }
});
reducer("poll.published", (s, b, ev) => {
  const p = pollById(s, b.poll);
  if (!p) return;
  Object.assign(p, { status: "published", published_at: ev.at, result: b.result, counts: b.counts, receipts_digest: b.receipts_digest });
  if (b.outcome) p.outcome = b.outcome;
});
reducer("poll.cancelled", (s, b) => {
  const p = pollById(s, b.poll);
  if (p) p.status = "cancelled";
});
liveReducer("poll.eligibility", (s, b) => {
  const p = pollById(s, b.poll);
  if (p) p.may_cast_for = b.may_cast_for || [];
});

function progressOf(s, id) {
  return (s.live?.["poll.progress"]?.polls || []).find((x) => x.poll === id) || null;
}

function optionLabel(poll, id) {
  if (poll.method === "yes_no_abstain" || id === "abstain") return tv("polls.choice", id);
  return poll.options?.find((o) => o.id === id)?.label || id;
}

/** The poll the views put forward: the open one, else the latest that has a result. */
export function featuredPoll(s) {
  const list = (s?.polls || []).filter((p) => p.status !== "cancelled");
  return list.find((p) => p.status === "open") || [...list].reverse().find((p) => p.status === "published" || p.status === "closed") || null;
}

function passed(poll) {
  const r = poll.result;
  if (!r) return null;
  if (poll.outcome?.decision) return poll.outcome.decision;
  if (r.method === "yes_no_abstain") return r.passed ? "passed" : "failed";
  if (r.seats) return r.tie_at_last_seat?.length ? "tied" : "elected";
  return "counted";
}

export function resultChart(poll, { big = false } = {}) {
  const r = poll.result;
  if (!r) return null;
  const rows = [...(r.options || [])];
  const showBlank = r.blank && (r.blank.count > 0 || poll.method === "yes_no_abstain");
  const decision = passed(poll);
  const maxPct = Math.max(1, ...rows.map((o) => Number(o.percent_of_base) || 0));
  const chart = h("div", { class: "chart", id: big ? "screen-result" : "poll-result", role: "table", "aria-label": t("polls.result") },
    rows.map((o) => chartRow(optionLabel(poll, o.option), o, o.option, big ? 100 : maxPct)),
    showBlank ? chartRow(poll.method === "yes_no_abstain" ? tv("polls.choice", "abstain") : t("polls.blank"), { count: r.blank.count, percent_of_base: pct(r.blank.count, r.base_total?.count), percent_of_entitled: pct(r.blank.count, r.entitled?.count) }, "abstain", big ? 100 : maxPct) : null);
  const elected = (r.winners || []).map((id) => optionLabel(poll, id));
  return h("div", { class: "result" },
    chart,
    h("p", { class: "muted small" }, t("polls.base_line", {
      cast: formatNumber(r.cast?.count ?? 0), valid: formatNumber(r.valid?.count ?? 0),
      entitled: formatNumber(r.entitled?.count ?? 0), rule: ruleText(r.rule) })),
    decision ? h("div", { class: `outcome outcome-${decision === "passed" || decision === "elected" ? "passed" : "failed"}`, id: big ? "screen-outcome" : "poll-outcome", "data-decision": decision },
      t(`polls.decision.${decision}`)) : null,
    elected.length ? h("p", { class: "elected" }, t("polls.elected", { names: elected.join(", ") })) : null,
    r.tie_at_last_seat?.length ? h("p", { class: "notice" }, t("polls.tie", { names: r.tie_at_last_seat.map((id) => optionLabel(poll, id)).join(", ") })) : null);
}

/** The poll's majority rule in the reader's language (the chair typed it in English words). */
function ruleLabel(poll) {
  const lang = getLang();
  const described = poll.rule_info?.[lang] || poll.result?.rule?.[lang];
  if (described) return described;
  const i = RULES.indexOf(poll.rule);
  return i >= 0 ? t(`polls.rule_preset.${i}`) : poll.rule || "";
}

function pct(part, whole) {
  return whole ? ((100 * part) / whole).toFixed(2) : "0";
}

function ruleText(rule) {
  if (!rule) return t("polls.no_rule");
  return (getLang() === "en" ? rule.en : rule.vi) || rule.text || "";
}

function chartRow(label, share, key, scale) {
  const p = Number(share.percent_of_base) || 0;
  return h("div", { class: `chart-row opt-${key}`, role: "row", "data-option": key },
    h("div", { class: "chart-label", role: "rowheader" }, label),
    h("div", { class: "chart-bar", role: "cell", "aria-hidden": "true" }, h("div", { class: "chart-fill", style: `width:${Math.min(100, (p / scale) * 100)}%` })),
    h("div", { class: "chart-value", role: "cell" }, `${formatNumber(share.count)} · ${formatNumber(p, 2)}%`));
}

function progressBlock(s, poll, now) {
  const pr = progressOf(s, poll.poll);
  const eligible = pr?.eligible ?? poll.snapshot?.eligible?.count ?? 0;
  const voted = pr?.voted ?? 0;
  const closes = pr?.closes_at ?? poll.closes_at;
  const percent = eligible ? (100 * voted) / eligible : 0;
  return h("div", { class: "poll-progress", id: `progress-${poll.poll}`, "data-voted": voted },
    h("div", { class: "quorum-count" }, h("span", {}, formatNumber(voted)), h("span", { class: "quorum-total" }, " / ", formatNumber(eligible))),
    bar(percent, null, t("polls.progress", { voted, eligible })),
    h("div", { class: "muted" }, t("polls.progress", { voted: formatNumber(voted), eligible: formatNumber(eligible) })),
    closes ? h("div", { class: "timer" }, h("span", { class: "timer-label" }, t("polls.closes_in")), h("span", { class: "timer-value" }, formatClock((closes - now) / 1000))) : null);
}

const RULES = [
  "more than 1/2 of delegates present",
  "more than 1/2 of all delegates",
  "at least 2/3 of all delegates",
  "more than 1/2 of valid ballots",
];

export function chairPolls(slot, ctx) {
  const s = ctx.model.state;
  if (!slot.dataset.ready) {
    slot.dataset.ready = "1";
    slot.append(h("div", { class: "poll-list", id: "poll-list" }), pollForm(ctx));
  }
  const list = slot.querySelector("#poll-list");
  const polls = (s.polls || []).filter((p) => p.status !== "cancelled");
  fill(list, polls.length ? polls.slice().reverse().map((p) => chairPoll(p, ctx)) : h("p", { class: "muted" }, t("polls.none")));
}

function chairPoll(poll, ctx) {
  const s = ctx.model.state;
  const c = ctx.client;
  const act = (kind, label, cls = "btn") => h("button", { type: "button", class: `${cls} btn`, "data-action": kind,
    onclick: () => run(c, kind, { poll: poll.poll }) }, label);
  return h("article", { class: "poll-card", "data-poll": poll.poll, "data-status": poll.status },
    h("div", { class: "poll-head" },
      h("span", { class: "poll-title" }, poll.title), " ",
      h("span", { class: "pill" }, tv("polls.status", poll.status)), " ",
      h("span", { class: "muted small" }, tv("polls.method", poll.method), poll.secret ? ` · ${t("polls.secret")}` : "")),
    poll.rule ? h("div", { class: "muted small" }, t("polls.rule_line", { rule: ruleLabel(poll) })) : null,
    poll.status === "open" ? progressBlock(s, poll, c.now()) : null,
    poll.status === "closed" || poll.status === "published" ? resultChart(poll) : null,
    h("div", { class: "btn-row" },
      poll.status === "draft" ? act("poll.open", t("polls.open"), "btn-primary") : null,
      poll.status === "open" ? act("poll.close", t("polls.close"), "btn-primary") : null,
      poll.status === "closed" ? act("poll.publish", t("polls.publish"), "btn-primary") : null,
      poll.status === "draft" || poll.status === "open" ? h("button", { type: "button", class: "btn btn-danger-outline", "data-action": "poll.cancel",
        onclick: async () => {
          if (await confirmDialog({ title: t("polls.cancel_title"), text: poll.title, ok: t("polls.cancel"), danger: true })) run(c, "poll.cancel", { poll: poll.poll });
        } }, t("polls.cancel")) : null));
}

function pollForm(ctx) {
  const title = h("input", { type: "text", id: "poll-title", maxlength: "500", required: true });
  const method = h("select", { id: "poll-method", class: "field-input" },
    ["yes_no_abstain", "single", "multiple", "approval"].map((m) => h("option", { value: m }, tv("polls.method", m))));
  const options = h("textarea", { id: "poll-options", rows: "4" });
  const seats = h("input", { type: "text", inputmode: "numeric", id: "poll-seats", value: "1" });
  const rule = h("select", { id: "poll-rule", class: "field-input" },
    h("option", { value: "" }, t("polls.no_rule")),
    RULES.map((r, i) => h("option", { value: r, selected: r === RULES[0] }, t(`polls.rule_preset.${i}`))));
  const secret = h("input", { type: "checkbox", id: "poll-secret" });
  const timer = h("input", { type: "text", inputmode: "numeric", id: "poll-timer", placeholder: "60" });
  const optionsField = h("div", { class: "field", hidden: true },
    h("label", { for: "poll-options" }, t("polls.options")), options, h("p", { class: "hint" }, t("polls.options_hint")));
  const seatsField = h("div", { class: "field", hidden: true }, h("label", { for: "poll-seats" }, t("polls.seats")), seats);
  method.addEventListener("change", () => {
    optionsField.hidden = method.value === "yes_no_abstain";
    seatsField.hidden = !["approval", "multiple"].includes(method.value);
  });
  const form = h("form", { class: "poll-form", id: "poll-form" },
    h("h3", {}, t("polls.new")),
    h("div", { class: "field" }, h("label", { for: "poll-title" }, t("polls.question")), title),
    h("div", { class: "form-row" },
      h("div", { class: "field" }, h("label", { for: "poll-method" }, t("polls.method_label")), method),
      h("div", { class: "field" }, h("label", { for: "poll-rule" }, t("polls.rule")), rule)),
    optionsField, seatsField,
    h("div", { class: "form-row" },
      h("div", { class: "field" }, h("label", { for: "poll-timer" }, t("polls.timer")), timer),
      h("div", { class: "field check" }, h("label", { for: "poll-secret" }, secret, " ", t("polls.secret")))),
    h("div", { class: "btn-row" },
      h("button", { type: "submit", class: "btn", id: "poll-create" }, t("polls.create")),
      h("button", { type: "submit", class: "btn btn-primary", id: "poll-create-open", value: "open" }, t("polls.create_open"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const s = ctx.model.state;
    const item = s.agenda?.current;
    const body = { id: `p${Date.now().toString(36)}`, title: title.value.trim() || currentTitle(s), method: method.value, secret: secret.checked };
    if (rule.value) body.rule = rule.value;
    if (item) body.agenda_item = item;
    const secs = parseInt(timer.value, 10);
    if (secs > 0) body.timer = secs;
    if (method.value !== "yes_no_abstain") body[method.value === "approval" ? "candidates" : "options"] = options.value.split("\n").map((x) => x.trim()).filter(Boolean);
    const n = parseInt(seats.value, 10);
    if (method.value === "approval") body.seats = n || 1;
    if (method.value === "multiple") { body.min = 0; body.max = n || 1; }
    if (!body.title) { toast(t("polls.need_title"), "error"); title.focus(); return; }
    const ack = await run(ctx.client, "poll.create", body);
    if (!ack) return;
    const id = ack.result?.poll || body.id;
    title.value = "";
    if (e.submitter?.value === "open") await run(ctx.client, "poll.open", { poll: id }, { ok: t("polls.opened") });
  });
  return form;
}

function currentTitle(s) {
  const id = s.agenda?.current;
  for (const x of s.agenda?.items || []) {
    if (x.id === id) return x.title;
    for (const y of x.items || []) if (y.id === id) return y.title;
  }
  return "";
}

// ---- the delegate's ballot ----

function receiptsKey(ctx) {
  return `phonghop.receipts.${ctx.meeting}.${ctx.model.state?.me?.id || "?"}`;
}

function loadReceipts(ctx) {
  try { return JSON.parse(localStorage.getItem(receiptsKey(ctx)) || "{}"); } catch { return {}; }
}

function saveReceipt(ctx, poll, voter, data) {
  const all = loadReceipts(ctx);
  all[`${poll}/${voter}`] = data;
  try { localStorage.setItem(receiptsKey(ctx), JSON.stringify(all)); } catch { /* full */ }
}

function ballotId(ctx, poll, voter) {
  // One id per (poll, voter) on this tablet: a retry after a drop is the same ballot.
  const key = `phonghop.ballot.${ctx.meeting}.${poll}.${voter}`;
  try {
    let id = localStorage.getItem(key);
    if (!id) { id = uuid(); localStorage.setItem(key, id); }
    return id;
  } catch {
    return uuid();
  }
}

export function delegatePoll(slot, ctx) {
  const s = ctx.model.state;
  const poll = featuredPoll(s);
  if (!poll) {
    slot.dataset.signature = "";
    fill(slot, h("p", { class: "muted" }, t("polls.none_open")));
    return;
  }
  const receipts = loadReceipts(ctx);
  const me = s.me?.id;
  const voters = poll.may_cast_for || [];
  const head = h("div", {},
    h("div", { class: "poll-title", id: "poll-title-d" }, poll.title),
    h("div", { class: "muted small" }, tv("polls.method", poll.method), poll.secret ? ` · ${t("polls.secret")}` : "", poll.rule ? ` · ${ruleLabel(poll)}` : ""));
  if (poll.status !== "open") {
    slot.dataset.signature = "";
    const mine = Object.entries(receipts).filter(([k]) => k.startsWith(`${poll.poll}/`));
    fill(slot, head,
      poll.result ? resultChart(poll) : h("p", { class: "notice" }, t("polls.counting")),
      mine.map(([k, r]) => receiptBlock(ctx, poll, k.split("/")[1], r)));
    return;
  }
  // Rebuild the ballot only when something about it changed: a live progress update must
  // not reset boxes a delegate is ticking, nor a confirmation that is open.
  const signature = [poll.poll, poll.status, voters.join(","), ...voters.map((v) => receipts[`${poll.poll}/${v}`] ? 1 : 0)].join("|");
  if (slot.dataset.signature === signature) {
    const old = slot.querySelector(".poll-progress");
    if (old) old.replaceWith(progressBlock(s, poll, ctx.client.now()));
    return;
  }
  if (slot.dataset.busy) return;
  slot.dataset.signature = signature;
  const forms = voters.map((voter) => {
    const done = receipts[`${poll.poll}/${voter}`];
    const whose = voter === me ? t("polls.your_ballot") : t("polls.proxy_ballot", { name: nameOf(s, voter) });
    return h("div", { class: "ballot", "data-voter": voter },
      h("h3", {}, whose),
      done ? receiptBlock(ctx, poll, voter, done) : choices(poll, ctx, voter, slot));
  });
  fill(slot, head,
    voters.length ? forms : h("p", { class: "notice" }, t("polls.not_eligible")),
    progressBlock(s, poll, ctx.client.now()));
}

function receiptBlock(ctx, poll, voter, r) {
  const check = h("span", { class: "receipt-check", "aria-live": "polite" });
  return h("div", { class: "receipt-box", id: `receipt-${voter}` },
    h("p", { class: "notice notice-ok" }, "✓ ", t("polls.cast_ok"), r.label ? ` — ${r.label}` : ""),
    h("div", { class: "small muted" }, t("polls.receipt")),
    h("div", { class: "receipt" }, r.receipt),
    poll.status === "published" ? h("div", { class: "btn-row" },
      h("button", { type: "button", class: "btn btn-sm", onclick: async () => {
        try {
          const res = await fetch(`/api/meetings/${encodeURIComponent(ctx.meeting)}/polls/${encodeURIComponent(poll.poll)}/receipts/${encodeURIComponent(r.receipt_hash || r.receipt)}`,
            { headers: { Authorization: `Bearer ${ctx.token}` } }).then((x) => x.json());
          check.textContent = res.counted ? t("polls.receipt_counted") : t("polls.receipt_missing");
        } catch (err) { showError(err); }
      } }, t("polls.check_receipt")), check) : null);
}

function choices(poll, ctx, voter, slot) {
  const list = poll.method === "yes_no_abstain"
    ? ["yes", "no", ...(poll.allow_abstain !== false ? ["abstain"] : [])].map((id) => ({ id, label: tv("polls.choice", id) }))
    : poll.options || [];
  if (poll.method === "yes_no_abstain" || poll.method === "single") {
    const buttons = list.map((o) => h("button", { type: "button", class: `choice opt-${o.id}`, "data-choice": o.id,
      onclick: () => confirmAndCast(poll, ctx, voter, o.id, o.label, slot) }, o.label));
    if (poll.method === "single" && poll.allow_abstain !== false) buttons.push(h("button", { type: "button", class: "choice opt-abstain", "data-choice": "abstain", onclick: () => confirmAndCast(poll, ctx, voter, "abstain", tv("polls.choice", "abstain"), slot) }, tv("polls.choice", "abstain")));
    return h("div", { class: "choices", role: "group", "aria-label": poll.title }, buttons);
  }
  // multiple / approval ("gạch tên": keep at most `seats` names)
  const limit = poll.method === "approval" ? poll.seats : poll.max;
  const boxes = list.map((o) => h("label", { class: "choice" }, h("input", { type: "checkbox", value: o.id, "data-choice": o.id }), o.label));
  const form = h("form", { class: "choices" },
    h("p", { class: "hint" }, poll.method === "approval" ? t("polls.keep_hint", { n: limit }) : t("polls.multi_hint", { min: poll.min || 0, max: limit })),
    boxes,
    h("button", { type: "submit", class: "btn btn-primary btn-lg" }, t("polls.submit_ballot")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const chosen = [...form.querySelectorAll("input:checked")].map((x) => x.value);
    if (limit != null && chosen.length > limit) { toast(t("polls.too_many", { n: limit }), "error"); return; }
    const label = chosen.length ? chosen.map((id) => optionLabel(poll, id)).join(", ") : t("polls.blank");
    confirmAndCast(poll, ctx, voter, chosen, label, slot);
  });
  return form;
}

async function confirmAndCast(poll, ctx, voter, choice, label, slot) {
  slot.dataset.busy = "1";
  try {
    const ok = await confirmDialog({ title: t("polls.confirm_title"), text: t("polls.confirm_text", { choice: label }), ok: t("polls.confirm_ok") });
    if (!ok) return;
    const body = { poll: poll.poll, choice, ballot_id: ballotId(ctx, poll.poll, voter) };
    if (voter !== ctx.model.state.me?.id) body.on_behalf_of = voter;
    const pending = ctx.client.send("ballot.cast", body);
    if (!ctx.client.ready) toast(t("polls.queued"), "info");
    const ack = await pending;
    // A secret ballot's choice is not kept on the tablet: only its receipt.
    saveReceipt(ctx, poll.poll, voter, { receipt: ack.result?.receipt, receipt_hash: ack.result?.receipt_hash, label: poll.secret ? "" : label });
    toast(t("polls.cast_ok"), "ok");
  } catch (err) {
    showError(err);
  } finally {
    delete slot.dataset.busy;
    ctx.refresh?.();
  }
}

// ---- the hall screen's poll ----

export function screenPoll(slot, ctx) {
  const s = ctx.model.state;
  const poll = featuredPoll(s);
  if (!poll) { fill(slot); return; }
  fill(slot,
    h("div", { class: "eyebrow" }, poll.status === "open" ? t("polls.voting_now") : t("polls.result")),
    h("div", { class: "poll-title", id: "screen-poll-title" }, poll.title),
    poll.rule ? h("div", { class: "muted" }, t("polls.rule_line", { rule: ruleLabel(poll) })) : null,
    poll.status === "open" ? progressBlock(s, poll, ctx.client.now()) :
      poll.status === "published" && poll.result ? resultChart(poll, { big: true }) :
        h("p", { class: "screen-counting" }, t("polls.counting")));
}


// ---- the document viewer: delegate follows the chair; chair presents ------------------------

const viewers = new WeakMap();

function docVersion(doc, n) {
  const list = doc.versions || [];
  return (n ? list.find((v) => (v.version ?? v.n) === n) : null) || list[list.length - 1] || null;
}

function docTitle(s, id) {
  return (s.documents || []).find((d) => d.id === id)?.title || id;
}

export function delegateDocuments(slot, ctx) {
  const s = ctx.model.state;
  const docs = s.documents || [];
  let v = viewers.get(slot);
  if (!v) {
    const follow = h("input", { type: "checkbox", id: "doc-follow", checked: true });
    const pageLabel = h("span", { class: "doc-page", id: "doc-page", "aria-live": "polite" });
    const prev = h("button", { type: "button", class: "btn btn-sm", id: "doc-prev", "aria-label": t("documents.prev") }, "‹");
    const next = h("button", { type: "button", class: "btn btn-sm", id: "doc-next", "aria-label": t("documents.next") }, "›");
    const list = h("ul", { class: "doc-list", id: "doc-list" });
    const canvasBox = h("div", { class: "doc-viewer", id: "doc-viewer", hidden: true });
    const titleEl = h("div", { class: "doc-title", id: "doc-title" });
    const bar = h("div", { class: "doc-bar", hidden: true },
      h("label", { for: "doc-follow", class: "check" }, follow, " ", t("documents.follow")),
      h("span", { class: "spacer" }), prev, pageLabel, next);
    const offline = h("p", { class: "doc-offline muted small", id: "doc-offline", "aria-live": "polite" });
    v = { follow, pageLabel, list, canvasBox, bar, titleEl, offline, shelf: "", current: null, viewer: new Viewer(canvasBox, { token: ctx.token, label: t("documents.page_image") }) };
    viewers.set(slot, v);
    const turn = (delta) => {
      follow.checked = false; // turning pages yourself leaves follow mode
      open(v, ctx, v.current?.doc, v.current?.version, (v.current?.page || 1) + delta);
    };
    prev.addEventListener("click", () => turn(-1));
    next.addEventListener("click", () => turn(1));
    follow.addEventListener("change", () => { if (follow.checked) delegateDocuments(slot, ctx); });
    fill(slot, v.list, v.offline, v.titleEl, v.bar, v.canvasBox);
  }
  // Keep every released version on the tablet: again whenever the documents change, and when
  // the link comes back (a preload that ran offline stored nothing).
  const shelf = docs.map((d) => `${d.id}@${latestReleased(d)?.version ?? ""}`).join(",");
  if ((shelf !== v.shelf || (v.retryAt && Date.now() > v.retryAt)) && ctx.client.ready) {
    v.shelf = shelf;
    v.retryAt = 0;
    const gen = (v.gen = (v.gen || 0) + 1);
    const show = (st) => {
      if (gen !== v.gen) return; // a newer preload reports instead
      v.offline.dataset.total = String(st.total);
      v.offline.dataset.stored = String(st.stored);
      if (st.done) v.offline.dataset.done = "1";
      else delete v.offline.dataset.done;
      v.offline.textContent = !st.total ? "" : st.stored >= st.total
        ? t("documents.offline_ready", { n: st.total })
        : t("documents.offline_saving", { n: st.stored, total: st.total });
    };
    preload(ctx.meeting, docs, ctx.token, show).then((st) => {
      if (gen === v.gen && st.stored < st.total) v.retryAt = Date.now() + 30000; // try the rest later
    });
  }
  fill(v.list, docs.length ? docs.map((d) => h("li", { "data-doc": d.id },
    h("span", { class: "doc-name" }, d.title), " ",
    h("span", { class: "muted small" }, docVersion(d)?.pages ? t("documents.pages", { n: docVersion(d).pages }) : ""), " ",
    h("button", { type: "button", class: "btn btn-sm", "aria-label": t("documents.read_title", { title: d.title }),
      onclick: () => { v.follow.checked = false; open(v, ctx, d.id, null, 1); } }, t("documents.read")))) :
    h("li", { class: "muted" }, t("documents.none")));
  const f = s.follow;
  if (v.follow.checked && f && (v.current?.doc !== f.document || v.current?.version !== f.version || v.current?.page !== f.page)) {
    open(v, ctx, f.document, f.version, f.page);
  }
}

async function open(v, ctx, docId, version, page) {
  const s = ctx.model.state;
  const doc = (s.documents || []).find((d) => d.id === docId);
  if (!doc) return;
  const ver = docVersion(doc, version);
  if (!ver) return;
  const n = ver.version ?? ver.n;
  const pages = ver.pages || 1;
  page = Math.max(1, Math.min(pages, page || 1));
  v.current = { doc: docId, version: n, page };
  v.canvasBox.hidden = false;
  v.bar.hidden = false;
  v.titleEl.textContent = doc.title;
  v.pageLabel.textContent = t("documents.page_of", { page, pages });
  v.canvasBox.dataset.doc = docId;
  v.canvasBox.dataset.page = String(page);
  try {
    await v.viewer.show(versionUrl(ctx.meeting, docId, n), ver.mime, page);
  } catch (err) {
    showError({ code: "network", message: String(err) });
  }
}

export function chairDocuments(slot, ctx) {
  const s = ctx.model.state;
  const docs = s.documents || [];
  const f = s.follow;
  const c = ctx.client;
  if (!docs.length) {
    fill(slot, h("p", { class: "muted" }, t("documents.none")));
    return;
  }
  const present = (doc, version, page) => run(c, "floor.follow", { document: doc, version, page });
  fill(slot,
    f ? h("div", { class: "notice", id: "presenting" },
      t("documents.presenting", { title: docTitle(s, f.document), page: f.page }),
      h("div", { class: "btn-row" },
        h("button", { type: "button", class: "btn btn-sm", id: "present-prev", disabled: f.page <= 1, onclick: () => present(f.document, f.version, f.page - 1) }, t("documents.prev")),
        h("button", { type: "button", class: "btn btn-sm btn-primary", id: "present-next", onclick: () => present(f.document, f.version, f.page + 1) }, t("documents.next")),
        h("button", { type: "button", class: "btn btn-sm", id: "present-stop", onclick: () => run(c, "floor.unfollow", {}) }, t("documents.stop")))) : null,
    h("ul", { class: "doc-list" }, docs.map((d) => {
      const ver = docVersion(d);
      const released = ver && ver.released !== false;
      return h("li", { "data-doc": d.id },
        h("span", { class: "doc-name" }, d.title), " ",
        released ? null : h("span", { class: "pill pill-warn" }, t("documents.draft")), " ",
        released ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("documents.present_title", { title: d.title }),
          onclick: () => present(d.id, ver.version ?? ver.n, 1) }, t("documents.present")) :
          h("button", { type: "button", class: "btn btn-sm", onclick: () => run(c, "document.release", { id: d.id }) }, t("documents.release")));
    })));
}

export function documentUpload(ctx) {
  const file = h("input", { type: "file", id: "doc-file", accept: "application/pdf,image/*" });
  const title = h("input", { type: "text", id: "doc-title-input", maxlength: "500" });
  const draft = h("input", { type: "checkbox", id: "doc-draft" });
  const form = h("form", { class: "form-row", id: "doc-upload" },
    h("div", { class: "field" }, h("label", { for: "doc-file" }, t("documents.file")), file),
    h("div", { class: "field" }, h("label", { for: "doc-title-input" }, t("documents.title_label")), title),
    h("div", { class: "field check" }, h("label", { for: "doc-draft" }, draft, " ", t("documents.as_draft"))),
    h("button", { type: "submit", class: "btn btn-primary", id: "doc-upload-btn" }, t("documents.upload")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return;
    const params = new URLSearchParams({ filename: f.name, title: title.value.trim() || f.name });
    if (draft.checked) params.set("draft", "1");
    const item = ctx.model.state?.agenda?.current;
    if (item) params.set("item", item);
    try {
      await api(`/api/meetings/${encodeURIComponent(ctx.meeting)}/documents?${params}`, { token: ctx.token, method: "POST", body: f, type: f.type || "application/octet-stream" });
      toast(t("documents.uploaded"), "ok");
      file.value = "";
      title.value = "";
    } catch (err) {
      showError(err);
    }
  });
  return form;
}

export { personLine, bar, compareNames };
