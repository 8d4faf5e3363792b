// A poll's result in one language for every view (console, tablet, hall screen): the words the
// minutes use (rooms/poll_closing.py `outcome`, server/exports/i18n.py). A motion is passed or
// not passed; in an election every candidate is elected, not elected or tied, and the verdict
// says how many seats were filled. Bars are drawn on one scale everywhere: the share of the
// rule's base (`percent_of_base`, 0–100 %), never stretched to the top option.

import { h } from "../dom.js";
import { t, tv, getLang, formatNumber } from "../i18n.js";

export function optionLabel(poll, id) {
  if (poll.method === "yes_no_abstain" || id === "abstain") return tv("polls.choice", id);
  return poll.options?.find((o) => o.id === id)?.label || id;
}

/** The outcome as the server decided it, or as it follows from the result of an older log. */
function outcomeOf(poll) {
  const r = poll.result || {};
  const o = poll.outcome || {};
  const decision = o.decision || (r.method === "yes_no_abstain" ? (r.passed ? "passed" : "failed") : r.seats ? (r.tie_at_last_seat?.length ? "tied" : "elected") : "counted");
  return {
    decision,
    elected: o.elected || r.winners || [],
    tied: o.tied || r.tie_at_last_seat || [],
    seats: r.seats ?? poll.seats ?? null,
  };
}

/** Per option of an election: "elected" | "not_elected" | "tied"; null where no seat is at stake. */
export function candidateMark(poll, option) {
  const o = outcomeOf(poll);
  if (o.decision !== "elected" && o.decision !== "tied") return null;
  if (o.elected.includes(option)) return "elected";
  if (o.tied.includes(option)) return "tied";
  return "not_elected";
}

/**
 * The verdict: `tone` is "passed" (decided), "partial" (some seats filled, some open) or
 * "failed" (not decided); `text` is what is written in large letters.
 */
export function verdict(poll) {
  const o = outcomeOf(poll);
  if (o.decision === "passed") return { decision: o.decision, tone: "passed", text: t("result.passed") };
  if (o.decision === "failed") return { decision: o.decision, tone: "failed", text: t("result.failed") };
  if (o.decision === "counted") return { decision: o.decision, tone: "counted", text: t("result.counted") };
  const n = o.elected.length;
  const seats = o.seats ?? n;
  const text = n ? t("result.elected_n", { n: formatNumber(n), seats: formatNumber(seats) }) : t("result.none_elected");
  const tone = n && n >= seats ? "passed" : n ? "partial" : "failed";
  return { decision: o.decision, tone, text, elected: o.elected, tied: o.tied };
}

function pct(part, whole) {
  return whole ? ((100 * part) / whole).toFixed(2) : "0";
}

function ruleText(rule) {
  if (!rule) return t("polls.no_rule");
  return (getLang() === "en" ? rule.en : rule.vi) || rule.text || "";
}

const MARK_ICON = { elected: "✓", tied: "=", not_elected: "–" };

function markCell(mark) {
  if (!mark) return null;
  return h("div", { class: `chart-mark mark-${mark}`, role: "cell", "data-mark": mark },
    h("span", { "aria-hidden": "true" }, MARK_ICON[mark]), " ", t(`result.${mark}`));
}

function chartRow(label, share, key, mark) {
  const p = Number(share.percent_of_base) || 0;
  return h("div", { class: `chart-row opt-${key}${mark ? ` is-${mark}` : ""}`, role: "row", "data-option": key, "data-mark": mark || null },
    h("div", { class: "chart-label", role: "rowheader", title: label }, label),
    h("div", { class: "chart-bar", role: "cell", "aria-hidden": "true" }, h("div", { class: "chart-fill", style: `width:${Math.max(0, Math.min(100, p))}%` })),
    h("div", { class: "chart-value", role: "cell" }, `${formatNumber(share.count)} · ${formatNumber(p, 2)}%`),
    markCell(mark));
}

function rows(poll, r) {
  const list = (r.options || []).map((o) => chartRow(optionLabel(poll, o.option), o, o.option, candidateMark(poll, o.option)));
  const showBlank = r.blank && (r.blank.count > 0 || poll.method === "yes_no_abstain");
  if (showBlank) {
    const label = poll.method === "yes_no_abstain" ? tv("polls.choice", "abstain") : t("polls.blank");
    list.push(chartRow(label, { count: r.blank.count, percent_of_base: pct(r.blank.count, r.base_total?.count) }, "abstain", null));
  }
  return list;
}

/** The verdict in large letters, with the tied candidates named (their seats stay open). */
export function verdictBlock(poll, { big = false } = {}) {
  const v = verdict(poll);
  const tied = v.tied?.length ? t("result.tied_line", { names: v.tied.map((id) => optionLabel(poll, id)).join(", ") }) : "";
  return h("div", { class: `outcome outcome-${v.tone}`, id: big ? "screen-outcome" : "poll-outcome", "data-decision": v.decision, "data-tone": v.tone, role: "status" },
    h("span", { class: "outcome-text" }, v.text),
    tied ? h("span", { class: "outcome-tied" }, tied) : null);
}

export function resultChart(poll, { big = false } = {}) {
  const r = poll.result;
  if (!r) return null;
  const chart = h("div", { class: "chart", id: big ? "screen-result" : "poll-result", role: "table", "aria-label": t("polls.result") }, rows(poll, r));
  return h("div", { class: "result" },
    verdictBlock(poll, { big }),
    chart,
    h("p", { class: "muted small result-base", "data-drop": "5" }, t("polls.base_line", {
      cast: formatNumber(r.cast?.count ?? 0), valid: formatNumber(r.valid?.count ?? 0),
      entitled: formatNumber(r.entitled?.count ?? 0), rule: ruleText(r.rule) })));
}
