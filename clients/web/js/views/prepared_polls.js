// An agenda item's prepared polls: drafts made with poll.create and the item as agenda_item,
// which the chair's console lists with its one-click "Open" (polls.js chairPolls). Removing
// one cancels the draft; a poll's definition never changes once made, so "edit" is remove and
// prepare again.

import { h, fill } from "../dom.js";
import { t, tv } from "../i18n.js";
import { run, confirmDialog } from "./common.js";
import { RULES } from "./polls.js";

const METHODS = ["yes_no_abstain", "single", "multiple", "approval"];

export function preparedPolls(ctx) {
  const list = h("div", { id: "item-polls" });
  const formSlot = h("div", {});
  const el = h("div", { class: "prepared-polls" }, h("h4", {}, t("prep.polls")), list, formSlot);
  let shownFor = null;
  let signature = "";
  function update(s, item) {
    el.hidden = !item;
    if (!item) { shownFor = null; return; }
    if (shownFor !== item.id) {
      shownFor = item.id;
      fill(formSlot, pollForm(ctx, item));
      signature = "";
    }
    const polls = (s.polls || []).filter((p) => p.agenda_item === item.id && p.status !== "cancelled");
    const sig = JSON.stringify(polls.map((p) => [p.poll, p.status]));
    if (sig === signature) return;
    signature = sig;
    fill(list, polls.length ? h("ul", { class: "prepared-list" }, polls.map((p) => pollLine(ctx, p)))
      : h("p", { class: "muted" }, t("prep.no_polls")));
  }
  return { el, update };
}

function pollLine(ctx, p) {
  const labels = (p.options || p.candidates || []).map((o) => (typeof o === "string" ? o : o.label));
  return h("li", { "data-poll": p.poll, "data-status": p.status },
    h("strong", {}, p.title), " ",
    h("span", { class: "pill" }, tv("polls.status", p.status)), " ",
    h("span", { class: "muted small" }, tv("polls.method", p.method), " · ",
      p.secret ? t("polls.secret") : t("prep.named"),
      p.seats ? ` · ${t("prep.seats_n", { n: p.seats })}` : "",
      labels.length ? ` · ${labels.join(", ")}` : ""),
    p.status === "draft" ? h("button", { type: "button", class: "btn btn-sm btn-danger-outline", "aria-label": t("prep.remove_poll_for", { title: p.title }),
      onclick: async () => {
        if (await confirmDialog({ title: t("prep.remove_poll"), text: p.title, ok: t("prep.remove_poll"), danger: true })) {
          run(ctx.client, "poll.cancel", { poll: p.poll }, { ok: t("prep.poll_removed") });
        }
      } }, t("prep.remove_poll")) : null);
}

function pollForm(ctx, item) {
  const field = (label, input, hint) => h("div", { class: "field" }, h("label", { for: input.id }, label), input, hint ? h("p", { class: "hint" }, hint) : null);
  const title = h("input", { type: "text", id: "prep-poll-title", maxlength: "500", value: item.title });
  const method = h("select", { id: "prep-poll-method", class: "field-input" }, METHODS.map((m) => h("option", { value: m, selected: m === defaultMethod(item) }, tv("polls.method", m))));
  const options = h("textarea", { id: "prep-poll-options", rows: "4" });
  const seats = h("input", { type: "number", id: "prep-poll-seats", min: "1", max: "200", value: "1", inputmode: "numeric" });
  const rule = h("select", { id: "prep-poll-rule", class: "field-input" },
    h("option", { value: "" }, t("polls.no_rule")),
    RULES.map((r, i) => h("option", { value: r, selected: i === 0 }, t(`polls.rule_preset.${i}`))));
  const secret = h("input", { type: "checkbox", id: "prep-poll-secret", checked: item.kind === "election" });
  const optionsField = field(t("polls.options"), options, t("polls.options_hint"));
  const seatsField = field(t("polls.seats"), seats);
  const sync = () => {
    optionsField.hidden = method.value === "yes_no_abstain";
    seatsField.hidden = !["approval", "multiple"].includes(method.value);
  };
  method.addEventListener("change", sync);
  sync();
  const form = h("form", { class: "poll-form", id: "prep-poll-form" },
    h("h5", {}, t("prep.new_poll")),
    field(t("polls.question"), title),
    h("div", { class: "form-row" }, field(t("polls.method_label"), method), field(t("polls.rule"), rule)),
    optionsField, seatsField,
    h("div", { class: "field check" }, h("label", { for: "prep-poll-secret" }, secret, " ", t("polls.secret"))),
    h("button", { type: "submit", class: "btn btn-primary", id: "prep-poll-create" }, t("prep.prepare_poll")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { id: `p${Date.now().toString(36)}`, title: title.value.trim() || item.title, method: method.value,
      secret: secret.checked, agenda_item: item.id };
    if (rule.value) body.rule = rule.value;
    const labels = options.value.split("\n").map((x) => x.trim()).filter(Boolean);
    if (method.value !== "yes_no_abstain") body[method.value === "approval" ? "candidates" : "options"] = labels;
    const n = parseInt(seats.value, 10) || 1;
    if (method.value === "approval") body.seats = n;
    if (method.value === "multiple") { body.min = 0; body.max = n; }
    const ack = await run(ctx.client, "poll.create", body, { ok: t("prep.poll_prepared") });
    if (ack) options.value = "";
  });
  return form;
}

function defaultMethod(item) {
  return item.kind === "election" ? "approval" : "yes_no_abstain";
}
