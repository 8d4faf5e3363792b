// The delegate's ballot: one per voter this tablet may cast for (its own, and proxies'), the
// confirmation, and the receipt kept on the tablet to check once the result is published.

import { h, fill, toast, uuid } from "../dom.js";
import { t, tv } from "../i18n.js";
import { showError, errorText, confirmDialog, nameOf } from "./common.js";
import { featuredPoll, resultChart, ruleLabel, progressBlock, optionLabel } from "./polls.js";

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

// A ballot cast while offline waits in the client's queue: it is kept here (this tab only,
// with its choice, so the delegate sees what will be sent) until the server answers. While it
// waits no other choice is offered; changing it is an explicit step that takes the queued
// command back out of the queue first, and is refused once it has left.
function queuedKey(ctx) {
  return `phonghop.queuedballots.${ctx.meeting}.${ctx.model.state?.me?.id || "?"}`;
}

function loadQueued(ctx) {
  try { return JSON.parse(sessionStorage.getItem(queuedKey(ctx)) || "{}"); } catch { return {}; }
}

function setQueued(ctx, key, data) {
  const all = loadQueued(ctx);
  if (data) all[key] = data;
  else delete all[key];
  try { sessionStorage.setItem(queuedKey(ctx), JSON.stringify(all)); } catch { /* private mode */ }
}

const watched = new WeakSet();

/** Settle queued ballots from the client's ack / nack, also those restored after a reload. */
function watchBallots(ctx) {
  if (watched.has(ctx.client)) return;
  watched.add(ctx.client);
  const settle = (ev, ok) => {
    const { kind, body, msg } = ev.detail || {};
    if (kind !== "ballot.cast") return;
    const voter = body.on_behalf_of || ctx.model.state?.me?.id;
    const key = `${body.poll}/${voter}`;
    const queued = loadQueued(ctx)[key];
    if (!queued) return;
    setQueued(ctx, key, null);
    if (ok) {
      saveReceipt(ctx, body.poll, voter, { receipt: msg.result?.receipt, receipt_hash: msg.result?.receipt_hash, label: queued.secret ? "" : queued.label });
      toast(t("polls.queued_sent", { choice: queued.label }), "ok");
    } else {
      showError({ text: `${t("polls.queued_refused", { choice: queued.label })}: ${errorText(msg)}` });
    }
    ctx.refresh?.();
  };
  ctx.client.addEventListener("ack", (ev) => settle(ev, true));
  ctx.client.addEventListener("nack", (ev) => settle(ev, false));
}

function queuedBlock(ctx, poll, voter, q, slot) {
  const stillQueued = ctx.client.isQueued(q.cmd);
  return h("div", { class: "ballot-queued", id: `queued-${voter}`, "data-choice": q.label },
    h("p", { class: "notice notice-wait" }, stillQueued ? t("polls.queued_waiting") : t("polls.queued_sending"), " ",
      h("strong", { class: "queued-choice" }, q.label)),
    stillQueued ? h("button", { type: "button", class: "btn btn-lg", id: `queued-change-${voter}`, onclick: async () => {
      slot.dataset.busy = "1";
      try {
        const ok = await confirmDialog({ title: t("polls.queued_change_title"), text: t("polls.queued_change_text", { choice: q.label }), ok: t("polls.queued_change") });
        if (!ok) return;
        if (!ctx.client.unqueue(q.cmd)) { toast(t("polls.queued_gone"), "error", 8000); return; }
        setQueued(ctx, `${poll.poll}/${voter}`, null);
      } finally {
        delete slot.dataset.busy;
        ctx.refresh?.();
      }
    } }, t("polls.queued_change")) : null);
}

export function delegatePoll(slot, ctx) {
  watchBallots(ctx);
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
  const queued = loadQueued(ctx);
  const signature = [poll.poll, poll.status, voters.join(","), ctx.client.queued,
    ...voters.map((v) => receipts[`${poll.poll}/${v}`] ? 1 : queued[`${poll.poll}/${v}`] ? 2 : 0)].join("|");
  if (slot.dataset.signature === signature) {
    const old = slot.querySelector(".poll-progress");
    if (old) old.replaceWith(progressBlock(s, poll, ctx.client.now()));
    return;
  }
  if (slot.dataset.busy) return;
  slot.dataset.signature = signature;
  const forms = voters.map((voter) => {
    const done = receipts[`${poll.poll}/${voter}`];
    const waiting = queued[`${poll.poll}/${voter}`];
    const whose = voter === me ? t("polls.your_ballot") : t("polls.proxy_ballot", { name: nameOf(s, voter) });
    return h("div", { class: "ballot", "data-voter": voter },
      h("h3", {}, whose),
      done ? receiptBlock(ctx, poll, voter, done) : waiting ? queuedBlock(ctx, poll, voter, waiting, slot) : choices(poll, ctx, voter, slot));
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
    const cmd = uuid();
    const pending = ctx.client.send("ballot.cast", body, { id: cmd });
    if (ctx.client.isQueued(cmd)) {
      // Offline: the ack (or refusal) is handled by watchBallots when the link is back.
      setQueued(ctx, `${poll.poll}/${voter}`, { cmd, label, secret: !!poll.secret });
      pending.catch(() => { /* withdrawn, or settled through watchBallots */ });
      toast(t("polls.queued"), "info");
      return;
    }
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
