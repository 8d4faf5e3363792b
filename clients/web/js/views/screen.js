// Hall screen (projector): readable from the back of the hall and always one screen, never a
// page to scroll. It chooses what to show (the current item, a running vote or its result with a
// large verdict, the page of a document the chair presents, the speaker with the timer and who
// speaks next, quorum, approved questions)
// and fits.js scales the text of each column to its box; the least important parts are dropped
// when even the smallest size does not fit. No controls.

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";
import { statusBadge, currentItemBlock, quorumBlock, meetingTitle, timerBlock, nameOf } from "./common.js";
import "./reducers.js";
import { floorBlock, speakerQueue } from "./speakers.js";
import { featuredPoll, progressBlock, ruleLabel } from "./polls.js";
import { resultChart } from "./results.js";
import { screenQuestions } from "./questions.js";
import { fitBox } from "./fit.js";
import { presentedPage } from "./documents.js";

const NEXT_SPEAKERS = 3;

function screenSlots() {
  return {
    title: h("div", { class: "screen-title", id: "screen-title" }),
    status: h("div", { class: "screen-status", id: "screen-status" }),
    clock: h("div", { class: "screen-clock", "aria-hidden": "true" }),
    left: h("div", { class: "screen-box screen-left", id: "screen-left" }),
    right: h("div", { class: "screen-box screen-right", id: "screen-right" }),
    floor: h("div", { class: "screen-floor" }),
    timer: h("div", { class: "screen-timer" }),
    questions: h("section", { class: "screen-qa", id: "screen-qa", "aria-label": t("questions.screen_title"), hidden: true }),
    // Kept across updates, so a quorum tick does not draw the page again.
    doc: h("div", { class: "screen-doc", id: "screen-doc" }),
  };
}

export function mount(root, ctx) {
  const { model, client } = ctx;
  const slots = screenSlots();
  const page = presentedPage(slots.doc, ctx, { fit: "page" });
  const screen = h("div", { class: "screen", id: "screen" },
    h("h1", { class: "sr-only" }, t("screen.title")),
    h("div", { class: "screen-head" }, slots.title, h("div", { class: "screen-meta" }, slots.status, slots.clock)),
    h("div", { class: "screen-grid" }, slots.left, slots.right));
  root.appendChild(screen);

  function update() {
    const s = model.state;
    if (!s) return;
    fill(slots.title, meetingTitle(s));
    fill(slots.status, statusBadge(s.status, true));
    let poll = shownPoll(s);
    // A running vote comes first; otherwise the newer of the presented page and the result:
    // a result published after the page was presented is what the hall must see.
    const resultAt = poll ? poll.published_at || poll.closed_at || 0 : 0;
    const doc = s.follow && poll?.status !== "open" && (s.follow.at || 0) >= resultAt ? s.follow : null;
    if (doc) poll = null;
    screen.dataset.mode = doc ? "document" : poll ? (poll.status === "open" ? "voting" : "result") : "meeting";
    screenQuestions(slots.questions, ctx);
    markQuestionsDroppable(slots.questions);
    const item = currentItemBlock(s, { big: true });
    fill(slots.left, doc ? [page.caption(doc), slots.doc] : [item, poll ? pollBlock(s, poll, ctx) : slots.questions]);
    fill(slots.right, doc ? item : null, slots.floor, nextSpeakers(s), slots.timer,
      s.status === "closed" ? null : h("div", { class: "screen-quorum", "data-drop": "3" }, quorumBlock(s, { big: true })),
      poll || doc ? slots.questions : null);
    tick();
    fit();
    if (doc) page.show(doc);
    else page.clear();
  }

  function tick() {
    const s = model.state;
    if (!s) return;
    fill(slots.floor, floorBlock(s, client.now(), { big: true }));
    fill(slots.timer, timerBlock(s.agenda?.timer, client.now(), t("agenda.timer")));
    slots.clock.textContent = new Date(client.now()).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
  }

  function fit() {
    const vh = window.innerHeight;
    fitBox(slots.title, { min: vh / 60, max: vh / 20 });
    fitBox(slots.left, { min: vh / 90, max: vh / 22 });
    fitBox(slots.right, { min: vh / 90, max: vh / 26 });
  }

  function resized() {
    fit();
    page.redraw(); // the page fills the box the new size gives it
  }

  const timer = setInterval(tick, 1000);
  window.addEventListener("resize", resized);
  return { update, destroy: () => { clearInterval(timer); window.removeEventListener("resize", resized); } };
}

/** The vote to show: the open one, or the latest result of the current item (or of none). */
function shownPoll(s) {
  const poll = featuredPoll(s);
  if (!poll || poll.status === "open") return poll;
  const item = s.agenda?.current;
  return !poll.agenda_item || !item || poll.agenda_item === item ? poll : null;
}

function pollBlock(s, poll, ctx) {
  const body = poll.status === "open" ? progressBlock(s, poll, ctx.client.now())
    : poll.status === "published" && poll.result ? resultChart(poll, { big: true })
      : h("p", { class: "screen-counting" }, t("polls.counting"));
  return h("div", { class: "screen-poll", id: "screen-poll", "data-status": poll.status },
    h("div", { class: "eyebrow" }, poll.status === "open" ? t("polls.voting_now") : t("polls.result")),
    h("div", { class: "poll-title", id: "screen-poll-title" }, poll.title),
    poll.rule ? h("div", { class: "muted screen-rule", "data-drop": "4" }, t("polls.rule_line", { rule: ruleLabel(poll) })) : null,
    body);
}

function nextSpeakers(s) {
  const queue = speakerQueue(s).slice(0, NEXT_SPEAKERS);
  if (!queue.length) return null;
  return h("div", { class: "screen-next", id: "screen-next", "data-drop": "2" },
    h("div", { class: "eyebrow" }, t("speakers.next")),
    h("ol", { class: "screen-next-list" }, queue.map((r) => h("li", { "data-participant": r.participant },
      nameOf(s, r.participant, r.full_name),
      r.delegation ? h("span", { class: "muted" }, ` — ${r.delegation}`) : null))));
}

function markQuestionsDroppable(section) {
  // Questions go first, the least voted first: they are the easiest to read elsewhere.
  const items = section.querySelectorAll("li");
  items.forEach((li, i) => { li.dataset.drop = String(10 + i); });
}
