// Delegate tablet (touch, large type, works on a phone): check-in, current agenda item, the
// document the chair shows, voting, asking to speak, feedback.

import { h, fill } from "../dom.js";
import { t, tv } from "../i18n.js";
import { statusBadge, currentItemBlock, historyList, section, meetingTitle, timerBlock } from "./common.js";
import "./reducers.js";
import { delegateCheckin } from "./attendance.js";
import { floorBlock, delegateSpeak } from "./speakers.js";
import { delegateDocuments } from "./documentreader.js";
import { delegateFeedback } from "./feedback.js";
import { delegatePoll } from "./ballot.js";
import { delegateQuestions } from "./questions.js";
import { votePrompt, floorPrompt } from "./prompts.js";

export function mount(root, ctx) {
  const { model, client } = ctx;
  const slots = {
    me: h("div", { class: "me-card", id: "me" }),
    checkin: h("div", { id: "checkin" }),
    current: h("div", {}),
    timer: h("div", { class: "timer-slot" }),
    floor: h("div", {}),
    poll: h("div", { id: "delegate-poll" }),
    docs: h("div", { id: "delegate-docs" }),
    speak: h("div", { id: "delegate-speak" }),
    feedback: h("div", { id: "delegate-feedback" }),
    questions: h("div", { id: "delegate-questions" }),
    history: h("div", {}),
  };
  const ctx2 = { ...ctx, refresh: () => update() };
  root.appendChild(tabletLayout(slots));
  const floorLayer = root.appendChild(floorPromptLayer());
  let voting = false; // a vote prompt keeps the floor prompt back

  function renderMe(s) {
    const me = s.me || client.participant || {};
    fill(slots.me,
      h("div", { class: "meeting-name" }, meetingTitle(s)),
      h("div", { class: "me-row" },
        h("div", {},
          h("div", { class: "me-name", id: "me-name" }, me.full_name || ""),
          h("div", { class: "muted" }, [me.title, me.delegation].filter(Boolean).join(" · ")),
          me.seat ? h("div", { class: "muted" }, t("kiosk.seat", { seat: me.seat })) : null),
        h("div", { class: "me-status" }, statusBadge(s.status, true))),
      s.status === "adjourned" && s.adjourn_reason ? h("p", { class: "notice" }, t("delegate.adjourned_reason", { reason: s.adjourn_reason })) : null);
  }

  function update() {
    const s = model.state;
    if (!s) return;
    renderMe(s);
    delegateCheckin(slots.checkin, ctx2);
    fill(slots.current, currentItemBlock(s));
    delegatePoll(slots.poll, ctx2);
    voting = votePrompt(root.querySelector("#sec-poll"), slots.poll, s, update);
    renderTimers(s);
    delegateDocuments(slots.docs, ctx2);
    delegateSpeak(slots.speak, ctx2);
    delegateFeedback(slots.feedback, ctx2);
    delegateQuestions(slots.questions, ctx2);
    fill(slots.history, historyList(s));
  }

  function renderTimers(s) {
    floorPrompt(floorLayer, s, client.now(), { hiddenByVote: voting });
    fill(slots.timer, timerBlock(s.agenda?.timer, client.now(), t("agenda.timer")));
    fill(slots.floor, s.speakers?.floor ? floorBlock(s, client.now()) : null);
  }

  const tick = setInterval(() => model.state && renderTimers(model.state), 1000);
  return { update, destroy: () => clearInterval(tick) };
}

function floorPromptLayer() {
  return h("div", { class: "prompt-layer", id: "floor-prompt", role: "alertdialog", "aria-labelledby": "floor-prompt-title", hidden: true });
}

function tabletLayout(slots) {
  return h("div", { class: "layout layout-tablet" },
    h("h1", { class: "sr-only" }, t("delegate.title")),
    h("div", { class: "col col-main" },
      h("section", { class: "card card-hero", "aria-label": t("delegate.meeting") }, slots.me),
      section(t("attendance.title"), "sec-checkin", slots.checkin),
      section(t("chair.agenda"), "sec-current", slots.current, slots.timer, slots.floor),
      section(t("polls.title"), "sec-poll", slots.poll),
      section(t("documents.title"), "sec-docs", slots.docs)),
    h("div", { class: "col col-side" },
      section(t("speakers.title"), "sec-speak", slots.speak),
      section(t("questions.title"), "sec-questions", slots.questions),
      section(t("feedback.title"), "sec-feedback", slots.feedback),
      section(t("history.title"), "sec-history", slots.history)));
}
