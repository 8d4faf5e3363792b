// Attendance (rooms/attendance.py): folding check-ins, check-outs and proxies into the model,
// the delegate's own check-in button, and the secretary desk's summary and rows.

import { h, fill, toast, formatTime, uuid } from "../dom.js";
import { t, tv, getLang, formatNumber } from "../i18n.js";
import { reducer, liveReducer } from "../model.js";
import { run, showError, confirmDialog } from "./common.js";

/** The roles that count towards the quorum and may vote (rooms/attendance.py). */
export const VOTING = new Set(["chair", "secretary", "delegate"]);

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

// Personal live message from server/attendance.py: this participant's own record.
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
