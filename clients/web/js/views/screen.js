// Hall screen (projector): readable from the back of the hall. Current item, speaker and
// timer, quorum, vote progress and the result chart. No controls.

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";
import { statusBadge, currentItemBlock, quorumBlock, meetingTitle, timerBlock } from "./common.js";
import "./reducers.js";
import { floorBlock } from "./speakers.js";
import { screenPoll } from "./polls.js";
import { screenQuestions } from "./questions.js";

export function mount(root, ctx) {
  const { model, client } = ctx;
  const slots = {
    head: h("div", { class: "screen-head" }),
    current: h("div", { class: "screen-current" }),
    floor: h("div", { class: "screen-floor" }),
    quorum: h("div", { class: "screen-quorum" }),
    poll: h("div", { class: "screen-poll", id: "screen-poll" }),
    questions: h("section", { class: "screen-qa", id: "screen-qa", "aria-label": t("questions.screen_title"), hidden: true }),
    clock: h("div", { class: "screen-clock", "aria-hidden": "true" }),
  };
  root.appendChild(h("div", { class: "screen" },
    h("h1", { class: "sr-only" }, t("screen.title")),
    slots.head,
    h("div", { class: "screen-grid" },
      h("div", { class: "screen-left" }, slots.current, slots.poll, slots.questions),
      h("div", { class: "screen-right" }, slots.floor, slots.quorum)),
    slots.clock));

  function update() {
    const s = model.state;
    if (!s) return;
    fill(slots.head,
      h("div", { class: "screen-title", id: "screen-title" }, meetingTitle(s)),
      h("div", { class: "screen-status", id: "screen-status" }, statusBadge(s.status, true)));
    fill(slots.current, currentItemBlock(s, { big: true }));
    fill(slots.quorum, quorumBlock(s, { big: true }));
    screenPoll(slots.poll, ctx);
    screenQuestions(slots.questions, ctx);
    tick();
  }

  function tick() {
    const s = model.state;
    if (!s) return;
    fill(slots.floor, floorBlock(s, client.now(), { big: true }),
      timerBlock(s.agenda?.timer, client.now(), t("agenda.timer")));
    slots.clock.textContent = new Date(client.now()).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
  }

  const timer = setInterval(tick, 1000);
  return { update, destroy: () => clearInterval(timer) };
}
