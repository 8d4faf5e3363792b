// Q&A (rooms/questions.py): delegates ask and upvote (one vote each, a toggle), the secretary
// approves or hides, and the hall screen shows approved questions, most votes first.
// Delegates and the screen never see a question before `question.approved`; the counts
// arrive as the coalesced live message `questions.votes`.

import { h, fill, toast, formatTime } from "../dom.js";
import { t, getLang, formatNumber } from "../i18n.js";
import { reducer, liveReducer } from "../model.js";
import { run, showError, itemNumber, itemTextForm } from "./common.js";

const STAFF = new Set(["chair", "secretary"]);

function list(s) {
  s.questions ||= [];
  return s.questions;
}

function upsert(s, q) {
  const all = list(s);
  const i = all.findIndex((x) => x.id === q.id);
  if (i >= 0) all[i] = { ...all[i], ...q };
  else all.push(q);
}

function patch(s, id, fn) {
  for (const bucket of [s.questions, s.my_questions]) {
    for (const q of bucket || []) if (q.id === id) fn(q);
  }
}

reducer("question.asked", (s, b, ev) => {
  upsert(s, { id: b.id, author: b.author, item: b.item, text: b.text, at: ev.at, status: "pending", answered: false, votes: 0 });
});
reducer("question.approved", (s, b, ev) => {
  upsert(s, { ...b, at: b.at || ev.at, status: "approved" });
  patch(s, b.id, (q) => { q.status = "approved"; });
});
reducer("question.hidden", (s, b) => {
  patch(s, b.id, (q) => { q.status = "hidden"; });
  // Outside the staff, a hidden question leaves the list (docs/protocol.md, "Q&A").
  if (!STAFF.has(s.me?.role)) s.questions = list(s).filter((q) => q.id !== b.id);
});
reducer("question.answered", (s, b) => {
  patch(s, b.id, (q) => { q.answered = b.answered; });
});
reducer("question.voted", (s, b) => {
  patch(s, b.id, (q) => { q.votes = Math.max(0, (q.votes || 0) + (b.up ? 1 : -1)); });
});
liveReducer("questions.votes", (s, body) => {
  const votes = body?.votes || {};
  for (const q of list(s)) if (q.id in votes) q.votes = votes[q.id];
});

/** Approved questions, most votes first, then the oldest (rooms.questions.ranked). */
export function ranked(s) {
  return list(s).filter((q) => q.status === "approved")
    .sort((a, b) => (b.votes || 0) - (a.votes || 0) || (a.at || 0) - (b.at || 0) || String(a.id).localeCompare(String(b.id)));
}

function votesLabel(n) {
  return t("questions.votes", { n: formatNumber(n || 0) });
}

// ---- delegate: ask, see the approved ones, upvote -------------------------------------------

export function delegateQuestions(slot, ctx) {
  const s = ctx.model.state;
  let ui = slot._questions;
  if (!ui) {
    const form = itemTextForm(ctx, {
      name: "question", label: t("questions.label"), send: t("questions.send"), rows: "3",
      maxlength: "1000", kind: "question.ask", queued: t("questions.queued"),
      sent: t("questions.sent"), empty: t("questions.empty"),
      onAck: (ack, value, body) => {
        const st = ctx.model.state;
        st.my_questions ||= [];
        if (ack.result?.id && !st.my_questions.some((q) => q.id === ack.result.id)) {
          st.my_questions.push({ id: ack.result.id, text: value, item: body.item ?? null, at: ctx.client.now(), status: "pending", answered: false, votes: 0 });
        }
        ctx.refresh?.();
      },
    });
    ui = { form, mine: h("div", { id: "my-questions" }), list: h("div", { id: "question-list" }) };
    slot._questions = ui;
    fill(slot, form, ui.mine, h("h3", {}, t("questions.approved")), ui.list);
  }
  // "My questions": every question this delegate asked, with where it stands (the personal
  // live message `mine` keeps it current, see feedback.js).
  const mine = [...(s.my_questions || [])].sort((a, b) => (b.at || 0) - (a.at || 0));
  fill(ui.mine, mine.length ? [h("h3", {}, t("questions.mine")), h("ul", { class: "question-list mine" }, mine.map((q) => {
    const state = q.status === "approved" && q.answered ? "answered" : q.status || "pending";
    return h("li", { "data-id": q.id, "data-status": q.status || "pending", "data-answered": q.answered ? "1" : null },
      h("span", { class: "question-text" }, q.text), " ",
      h("span", { class: `pill${state === "hidden" ? " pill-warn" : state === "pending" ? "" : " pill-support"}` },
        state === "answered" ? t("questions.answered") : t(`questions.status.${state}`)),
      state === "approved" ? h("span", { class: "muted small" }, " ", votesLabel(q.votes)) : null);
  }))] : null);
  const shown = ranked(s);
  const myVotes = new Set(s.my_votes || []);
  fill(ui.list, shown.length ? h("ol", { class: "question-list" }, shown.map((q) => {
    const voted = myVotes.has(q.id);
    return h("li", { class: "question", "data-id": q.id, "data-votes": String(q.votes || 0) },
      h("div", { class: "question-body" },
        h("p", { class: "question-text" }, q.text),
        q.answered ? h("span", { class: "pill" }, t("questions.answered")) : null),
      // The name is what is seen ("▲ 2") plus words for a screen reader; aria-pressed says
      // whether this tablet's vote is in.
      h("button", {
        type: "button", class: `btn q-vote${voted ? " is-on" : ""}`, "aria-pressed": String(voted),
        title: t(voted ? "questions.unvote" : "questions.vote"),
        onclick: () => toggleVote(ctx, q.id, !voted),
      }, h("span", { "aria-hidden": "true" }, "▲"), h("span", { class: "q-count" }, formatNumber(q.votes || 0)),
      h("span", { class: "sr-only" }, " ", t("questions.votes_word"))));
  })) : h("p", { class: "muted" }, t("questions.none")));
}

async function toggleVote(ctx, id, up) {
  const s = ctx.model.state;
  const setMine = (on) => {
    const mine = new Set(s.my_votes || []);
    if (on) mine.add(id); else mine.delete(id);
    s.my_votes = [...mine];
  };
  try {
    await ctx.client.send("question.vote", { id, up });
    setMine(up);
  } catch (err) {
    // Already voted / not voted: the server is right, and the tablet follows it.
    if (err.code === "duplicate") setMine(true);
    else if (err.code === "invalid_state") setMine(false);
    else showError(err);
  }
  ctx.refresh?.();
}

// ---- secretary: moderation -----------------------------------------------------------------

export function questionModeration(slot, ctx) {
  const s = ctx.model.state;
  const all = [...list(s)];
  const order = { pending: 0, approved: 1, hidden: 2 };
  all.sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3) || (b.votes || 0) - (a.votes || 0) || (a.at || 0) - (b.at || 0));
  if (!all.length) {
    fill(slot, h("p", { class: "muted" }, t("questions.none_staff")));
    return;
  }
  const counts = { pending: 0, approved: 0, hidden: 0 };
  for (const q of all) counts[q.status] = (counts[q.status] || 0) + 1;
  fill(slot,
    h("p", { class: "muted", id: "question-counts" }, t("questions.counts", {
      pending: formatNumber(counts.pending), approved: formatNumber(counts.approved), hidden: formatNumber(counts.hidden) })),
    h("ul", { class: "question-list moderation", id: "question-moderation" }, all.map((q) => {
      const author = s.participants?.[q.author]?.full_name || q.author;
      return h("li", { class: `question question-${q.status}`, "data-id": q.id, "data-status": q.status },
        h("div", { class: "question-body" },
          h("div", { class: "feedback-meta" },
            h("strong", {}, author), " · ", h("time", {}, formatTime(q.at, getLang())),
            q.item ? [" · ", t("agenda.item_n", { n: itemNumber(s, q.item) || q.item })] : null, " ",
            h("span", { class: `pill${q.status === "pending" ? " pill-warn" : ""}` }, t(`questions.status.${q.status}`)),
            q.status === "approved" ? [" ", h("span", { class: "pill q-count" }, votesLabel(q.votes))] : null,
            q.answered ? [" ", h("span", { class: "pill" }, t("questions.answered"))] : null),
          h("p", { class: "question-text" }, q.text)),
        h("div", { class: "btn-row" },
          q.status !== "approved" ? h("button", { type: "button", class: "btn btn-sm btn-primary", "data-action": "approve",
            "aria-label": t("questions.approve_for", { text: q.text.slice(0, 60) }),
            onclick: () => run(ctx.client, "question.approve", { id: q.id }) }, t("questions.approve")) : null,
          q.status !== "hidden" ? h("button", { type: "button", class: "btn btn-sm btn-danger-outline", "data-action": "hide",
            "aria-label": t("questions.hide_for", { text: q.text.slice(0, 60) }),
            onclick: () => run(ctx.client, "question.hide", { id: q.id }) }, t("questions.hide")) : null,
          q.status === "approved" ? h("button", { type: "button", class: "btn btn-sm", "data-action": "answer",
            onclick: () => run(ctx.client, "question.answer", { id: q.id, answered: !q.answered }) },
          t(q.answered ? "questions.unanswer" : "questions.mark_answered")) : null));
    })));
}

// ---- hall screen -----------------------------------------------------------------------------

const ON_SCREEN = 6;

export function screenQuestions(slot, ctx) {
  const shown = ranked(ctx.model.state).slice(0, ON_SCREEN);
  if (!shown.length) {
    fill(slot);
    slot.hidden = true;
    return;
  }
  slot.hidden = false;
  fill(slot,
    h("div", { class: "eyebrow" }, t("questions.screen_title")),
    h("ol", { class: "screen-questions", id: "screen-questions" }, shown.map((q) => h("li", { "data-id": q.id, "data-votes": String(q.votes || 0), class: q.answered ? "is-answered" : "" },
      h("span", { class: "q-text" }, q.text),
      h("span", { class: "q-count", "aria-label": votesLabel(q.votes) }, "▲ ", formatNumber(q.votes || 0))))));
}
