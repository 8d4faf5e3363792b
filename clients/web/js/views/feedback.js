// Feedback (rooms/feedback.py): entries, tags, merges and answers folded into the model, the
// secretary's moderation list and the delegate's feedback form.

import { h, fill, formatTime } from "../dom.js";
import { t, tv, getLang, formatNumber } from "../i18n.js";
import { reducer, liveReducer } from "../model.js";
import { run, confirmDialog, itemNumber, itemTextForm, currentItem, nameOf } from "./common.js";

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

// A delegate's own questions and feedback come as the personal live message `mine`
// (rooms/my_items.py): the whole list on connecting ({all: true}), then each item an event
// changed. The staff's events about them never reach a delegate's tablet.
liveReducer("mine", (s, b) => {
  if (b.all) {
    s.my_questions = b.questions || [];
    s.feedback = b.feedback || [];
    return;
  }
  for (const [key, items] of [["my_questions", b.questions], ["feedback", b.feedback]]) {
    s[key] = Array.isArray(s[key]) ? s[key] : [];
    for (const item of items || []) {
      const i = s[key].findIndex((x) => x.id === item.id);
      if (i >= 0) s[key][i] = { ...s[key][i], ...item };
      else s[key].push(item);
    }
  }
});

/** Where a piece of feedback stands, in the delegate's words. */
function feedbackState(f) {
  return f.merged_into ? "merged" : f.status || "new";
}

function myFeedback(list, s) {
  const mine = feedbackList(s);
  fill(list, mine.length ? [h("h3", {}, t("feedback.mine")), h("ul", { class: "feedback-list mine" }, mine.map((f) => {
    const state = feedbackState(f);
    return h("li", { class: "feedback", "data-id": f.id, "data-status": state },
      h("p", { class: "feedback-text" }, f.text),
      h("div", { class: "feedback-meta" },
        h("time", {}, formatTime(f.at, getLang())), " ",
        h("span", { class: `pill${state === "new" ? "" : " pill-support"}` }, tv("feedback.mine_status", state))),
      f.answer ? h("p", { class: "feedback-answer" }, h("strong", {}, t("feedback.answer_from"), ": "), f.answer) : null);
  }))] : null);
}

export function delegateFeedback(slot, ctx) {
  let ui = slot._feedback;
  if (!ui) {
    const form = itemTextForm(ctx, {
      name: "feedback", label: t("feedback.label"), send: t("feedback.send"), rows: "4",
      maxlength: "4000", kind: "feedback.submit", queued: t("feedback.queued"),
      sent: t("feedback.sent"), empty: t("feedback.empty"),
    });
    const hint = h("p", { class: "notice", id: "feedback-hint", hidden: true }, t("feedback.no_current"));
    form.insertBefore(hint, form.querySelector(".btn-row"));
    ui = { form, hint, text: form.querySelector("textarea"), send: form.querySelector("button[type=submit]"),
      mine: h("div", { id: "my-feedback" }) };
    slot._feedback = ui;
    fill(slot, form, ui.mine);
  }
  myFeedback(ui.mine, ctx.model.state);
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
