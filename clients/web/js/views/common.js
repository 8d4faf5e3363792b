// Pieces shared by the views: status, agenda item, timer, quorum, vote progress, results.

import { h, fill, formatClock, formatTime } from "../dom.js";
import { t, tv, getLang, formatNumber } from "../i18n.js";
import { findItem } from "../model.js";

// An HTTP status without an error body (a proxy's page, a bare 404) as the code it means.
const HTTP_CODES = { 401: "unauthenticated", 403: "forbidden", 404: "not_found", 413: "too_large", 429: "rate_limited", 502: "unavailable", 503: "unavailable", 504: "unavailable" };

function codeOf(err) {
  const code = err?.code || "internal";
  const status = /^http_\d+$/.test(code) ? Number(code.slice(5)) : 0;
  if (!status) return code;
  return HTTP_CODES[status] || (status >= 500 ? "internal" : "invalid");
}

/** A more precise sentence from the refusal's details, where the catalogue has one. */
function detailText(code, d) {
  if (d.reason) {
    const text = tv("error.reason", d.reason);
    if (text !== String(d.reason)) return text;
  }
  if (d.quorum && typeof d.quorum === "object") {
    // The meeting's quorum gives numbers, a poll's quorum check {count, …} objects.
    const n = (x) => formatNumber((x && typeof x === "object" ? x.count : x) ?? 0);
    return t("error.quorum_not_met", { present: n(d.quorum.present), entitled: n(d.quorum.entitled) });
  }
  if (d.setting && (code === "invalid" || code === "invalid_state")) {
    return t(code === "invalid" ? "error.setting_invalid" : "error.setting_locked", { setting: tv("settings", d.setting) });
  }
  return "";
}

/**
 * A user-facing sentence for an error, in the language of the page: the catalogue's message
 * for its code, or a more precise one built from its details (a quorum's figures, a setting's
 * name). The server's `message` is English for developers and logs and is never shown: a
 * Vietnamese screen would read "(the meeting is closed)". A sentence the view composed itself,
 * already translated (with names in it), comes as `text`.
 */
export function errorText(err) {
  if (err?.text) return err.text;
  const code = codeOf(err);
  const precise = detailText(code, err?.details || {});
  if (precise) return precise;
  const text = tv("error", code);
  return text !== code ? text : t("error.unknown", { code });
}

export function meetingTitle(s) {
  if (!s?.info) return "";
  return (getLang() === "en" && s.info.title_en) || s.info.title;
}

export function statusBadge(status, big = false) {
  return h("span", { class: `status status-${status}${big ? " status-big" : ""}`, "data-status": status },
    tv("status", status || "scheduled"));
}

export function currentItem(s) {
  return findItem(s, s?.agenda?.current);
}

/** Position of an item in the agenda as the delegates know it: "3", "5.2". */
export function itemNumber(s, id) {
  const items = s?.agenda?.items || [];
  for (let i = 0; i < items.length; i++) {
    if (items[i].id === id) return `${i + 1}`;
    const sub = items[i].items || [];
    for (let j = 0; j < sub.length; j++) if (sub[j].id === id) return `${i + 1}.${j + 1}`;
  }
  return "";
}

export function currentItemBlock(s, { big = false } = {}) {
  const item = currentItem(s);
  if (!item) {
    return h("div", { class: "current-item empty" },
      h("div", { class: "eyebrow" }, t("agenda.current")),
      h("div", { class: big ? "item-title-big" : "item-title" }, s?.agenda?.items?.length ? t("agenda.none_current") : t("agenda.empty")));
  }
  return h("div", { class: "current-item", "data-item": item.id },
    h("div", { class: "eyebrow" }, t("agenda.current"), " · ", t("agenda.item_n", { n: itemNumber(s, item.id) }), " · ", tv("agenda.kind", item.kind)),
    h("div", { class: big ? "item-title-big" : "item-title", id: big ? "screen-item-title" : "current-item-title" }, item.title));
}

/** Remaining seconds of a timer {started_at, duration_ms}, by the server's clock. */
export function remaining(timer, now) {
  if (!timer) return null;
  return (timer.started_at + timer.duration_ms - now) / 1000;
}

export function timerBlock(timer, now, label) {
  if (!timer) return null;
  const left = remaining(timer, now);
  return h("div", { class: `timer${left < 0 ? " timer-over" : left < 60 ? " timer-low" : ""}`, role: "timer", "aria-label": label },
    h("span", { class: "timer-label" }, label),
    h("span", { class: "timer-value" }, formatClock(left)));
}

/** Quorum from the live "quorum" message (attendance feature) or the snapshot. */
export function quorumInfo(s) {
  const a = s?.attendance;
  const q = s?.live?.quorum || a?.quorum || s?.live?.presence ||
    (a && a.entitled != null ? { present: a.present, entitled: a.entitled, met: a.met } : null);
  if (!q || typeof q !== "object") return null;
  const present = q.present ?? q.count ?? 0;
  const total = q.entitled ?? q.total ?? q.delegates ?? 0;
  const needed = q.needed ?? q.required ?? null;
  const met = q.met ?? q.quorate ?? (needed != null ? present >= needed : null);
  return { present, total, needed, met, rule: q.rule || s?.info?.quorum || "" };
}

export function quorumBlock(s, { big = false } = {}) {
  const q = quorumInfo(s);
  const eyebrow = big ? h("div", { class: "eyebrow" }, t("quorum.title")) : null;
  if (!q) {
    return h("div", { class: "quorum quorum-unknown", id: "quorum" },
      eyebrow,
      h("div", { class: "quorum-rule" }, t("quorum.rule", { rule: s?.info?.quorum || "" })),
      h("div", { class: "muted" }, t("quorum.waiting")));
  }
  const pct = q.total ? Math.round((q.present / q.total) * 1000) / 10 : 0;
  return h("div", { class: `quorum ${q.met ? "quorum-met" : "quorum-not"}${big ? " quorum-big" : ""}`, id: "quorum", "data-present": q.present },
    eyebrow,
    h("div", { class: "quorum-count" },
      h("span", { class: "quorum-present" }, formatNumber(q.present)),
      h("span", { class: "quorum-total" }, " / ", formatNumber(q.total))),
    bar(pct, q.needed && q.total ? (q.needed / q.total) * 100 : null, t("quorum.bar", { pct: formatNumber(pct, 1) })),
    h("div", { class: "quorum-state" }, q.met == null ? "" : q.met ? t("quorum.met") : t("quorum.not_met")));
}

export function bar(pct, mark, label) {
  return h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(pct)), "aria-label": label },
    h("div", { class: "bar-fill", style: `width:${Math.max(0, Math.min(100, pct))}%` }),
    mark != null ? h("div", { class: "bar-mark", style: `left:${Math.max(0, Math.min(100, mark))}%` }) : null);
}

export function historyList(s, { limit = 12 } = {}) {
  const items = [...(s?.history || [])].reverse().slice(0, limit);
  const list = h("ol", { class: "history", id: "history", "aria-label": t("history.title") });
  for (const e of items) {
    const b = e.body || {};
    // A badge signed in at a shared seat tablet says where (rooms/credentials.py, via "seat").
    const key = e.kind === "participant.signed_in" && b.via === "seat" ? "event.participant.signed_in_seat" : `event.${e.kind}`;
    const pid = b.participant;
    const params = {
      ...b,
      count: b.count ?? "",
      participant: pid ? (s.me?.id === pid ? s.me.full_name : s.participants?.[pid]?.full_name || b.full_name || pid) : "",
      title: b.title || (b.poll ? (s.polls || []).find((p) => p.poll === b.poll)?.title || b.poll : "") ||
        (b.id ? (s.documents || []).find((d) => d.id === b.id)?.title || "" : ""),
    };
    const label = t(key, params);
    list.appendChild(h("li", { "data-seq": e.seq, "data-kind": e.kind },
      h("time", {}, formatTime(e.at, getLang())), " ", label === key ? e.kind : label));
  }
  if (!items.length) list.appendChild(h("li", { class: "muted" }, t("history.empty")));
  return list;
}

export function section(title, id, ...children) {
  const headingId = `${id}-h`;
  return h("section", { class: "card", id, "aria-labelledby": headingId },
    h("h2", { id: headingId }, title), ...children);
}

export function replace(el, node) {
  if (!el) return node;
  el.replaceWith(node);
  return node;
}

export function personLine(p) {
  return [p.full_name, p.delegation].filter(Boolean).join(" — ");
}

/** A participant's name where this view knows it (staff have the roster), else what the
 * event carried (speaker events name the speaker, rooms/speakers.py), else the id. */
export function nameOf(s, pid, fallback) {
  if (s?.me?.id === pid) return s.me.full_name;
  return s?.participants?.[pid]?.full_name || fallback || pid;
}

export { fill };

/** Send a command; show its error (or success message) as a toast. Resolves to the ack or null. */
export async function run(client, kind, body = {}, { ok, idempotent } = {}) {
  try {
    const ack = await client.send(kind, body, { idempotent });
    if (ok) toastOk(ok);
    return ack;
  } catch (err) {
    showError(err);
    return null;
  }
}

import { toast } from "../dom.js";
function toastOk(message) {
  toast(message, "ok");
}
export function showError(err) {
  toast(errorText(err), "error", 8000);
}

/**
 * A text box and a send button for what a delegate writes about the current item
 * (feedback, questions): sent with the item, queued while offline, restored on refusal.
 */
export function itemTextForm(ctx, { name, label, send, rows, maxlength, kind, queued, sent, empty, onAck }) {
  const text = h("textarea", { id: `${name}-text`, rows, maxlength });
  const button = h("button", { type: "submit", class: "btn btn-primary", id: `${name}-send` }, send);
  const form = h("form", { class: `${name}-form` },
    h("label", { for: `${name}-text` }, label),
    text,
    h("div", { class: "btn-row" }, button));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    // A disabled button means the server would refuse it now (the caller says why).
    if (button.disabled) return;
    if (!value) {
      // Nothing to send: said, and the cursor put where the text goes.
      toast(empty, "error");
      text.focus();
      return;
    }
    const body = { text: value };
    const item = ctx.model.state?.agenda?.current;
    if (item) body.item = item;
    try {
      const pending = ctx.client.send(kind, body);
      text.value = "";
      if (!ctx.client.ready) toast(queued, "info");
      const ack = await pending;
      onAck?.(ack, value, body);
      toast(sent, "ok");
    } catch (err) {
      text.value = value;
      showError(err);
    }
  });
  return form;
}

/** A modal confirmation (native <dialog>: focus trapped, Escape cancels). */
export function confirmDialog({ title, text, ok, cancel, danger = false, input = null, value = "" }) {
  return new Promise((resolve) => {
    const field = input ? h("input", { id: "dialog-input", type: "text", maxlength: "2000" }) : null;
    if (field) field.value = value;
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": "dialog-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "dialog-title" }, title),
        text ? h("p", {}, text) : null,
        input ? [h("label", { for: "dialog-input" }, input), field] : null,
        h("div", { class: "dialog-actions" },
          h("button", { value: "cancel", class: "btn" }, cancel || t("action.cancel")),
          h("button", { value: "ok", class: `btn ${danger ? "btn-danger" : "btn-primary"}`, id: "dialog-ok" }, ok || t("action.ok")))));
    document.body.appendChild(dialog);
    dialog.addEventListener("close", () => {
      const confirmed = dialog.returnValue === "ok";
      dialog.remove();
      resolve(confirmed ? (field ? { value: field.value } : true) : false);
    });
    dialog.showModal();
    (field || dialog.querySelector("#dialog-ok")).focus();
  });
}
