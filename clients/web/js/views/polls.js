// Polls (rooms/polls.py, server/polls.py): the poll lifecycle folded into the model, the
// progress, the chair's poll cards and form. The result chart is results.js, the hall
// screen's poll is in screen.js, the delegate's ballot is ballot.js.

import { h, fill, toast, formatClock } from "../dom.js";
import { t, tv, getLang, formatNumber } from "../i18n.js";
import { reducer, liveReducer } from "../model.js";
import { run, bar, confirmDialog } from "./common.js";
import { VOTING } from "./attendance.js";
import { optionLabel, resultChart } from "./results.js";

export { optionLabel, resultChart };

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
reducer("poll.updated", (s, b) => {
  // A draft redefined whole: every field of the definition comes again.
  const p = pollById(s, b.poll);
  if (p) Object.assign(p, b);
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

/** The poll the views put forward: the open one, else the latest that has a result. */
export function featuredPoll(s) {
  const list = (s?.polls || []).filter((p) => p.status !== "cancelled");
  return list.find((p) => p.status === "open") || [...list].reverse().find((p) => p.status === "published" || p.status === "closed") || null;
}

/** The poll's majority rule in the reader's language (the chair typed it in English words). */
export function ruleLabel(poll) {
  const lang = getLang();
  const described = poll.rule_info?.[lang] || poll.result?.rule?.[lang];
  if (described) return described;
  const i = RULES.indexOf(poll.rule);
  return i >= 0 ? t(`polls.rule_preset.${i}`) : poll.rule || "";
}

export function progressBlock(s, poll, now) {
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

export const RULES = [
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
    onclick: async () => {
      // Closing ends the vote for everyone who has not voted yet: one click must not do it.
      if (kind === "poll.close" && !(await confirmClose(s, poll))) return;
      run(c, kind, { poll: poll.poll });
    } }, label);
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

function confirmClose(s, poll) {
  const pr = progressOf(s, poll.poll);
  const text = t("polls.close_text", { title: poll.title, voted: formatNumber(pr?.voted ?? 0), eligible: formatNumber(pr?.eligible ?? poll.snapshot?.eligible?.count ?? 0) });
  return confirmDialog({ title: t("polls.close_title"), text, ok: t("polls.close"), danger: true });
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
