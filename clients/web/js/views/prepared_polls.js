// An agenda item's prepared polls: drafts made with poll.create and the item as agenda_item,
// which the chair's console lists with its one-click "Open" (polls.js chairPolls). "Edit"
// puts a draft back into the form and saves it whole with poll.update (a draft only: once
// opened, a poll's definition never changes); removing one cancels the draft.

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
  let editing = null; // the draft in the form, or null for a new poll
  const showForm = (item, draft) => {
    editing = draft?.poll ?? null;
    fill(formSlot, pollForm(ctx, item, draft, () => showForm(item, null)));
  };
  function update(s, item) {
    el.hidden = !item;
    if (!item) { shownFor = null; return; }
    if (shownFor !== item.id) {
      shownFor = item.id;
      showForm(item, null);
      signature = "";
    }
    const polls = (s.polls || []).filter((p) => p.agenda_item === item.id && p.status !== "cancelled");
    // A draft being edited that was opened or removed meanwhile leaves the form.
    if (editing && !polls.some((p) => p.poll === editing && p.status === "draft")) showForm(item, null);
    const sig = JSON.stringify(polls.map((p) => [p.poll, p.status, p.title, p.method, p.options, p.seats, p.max, p.rule, p.secret]));
    if (sig === signature) return;
    signature = sig;
    fill(list, polls.length ? h("ul", { class: "prepared-list" }, polls.map((p) => pollLine(ctx, p, () => showForm(item, p))))
      : h("p", { class: "muted" }, t("prep.no_polls")));
  }
  return { el, update };
}

function pollLine(ctx, p, edit) {
  const labels = (p.options || p.candidates || []).map((o) => (typeof o === "string" ? o : o.label));
  return h("li", { "data-poll": p.poll, "data-status": p.status },
    h("strong", {}, p.title), " ",
    h("span", { class: "pill" }, tv("polls.status", p.status)), " ",
    h("span", { class: "muted small" }, tv("polls.method", p.method), " · ",
      p.secret ? t("polls.secret") : t("prep.named"),
      p.seats ? ` · ${t("prep.seats_n", { n: p.seats })}` : "",
      labels.length ? ` · ${labels.join(", ")}` : ""), " ",
    p.status === "draft" ? h("button", { type: "button", class: "btn btn-sm", "data-action": "edit", "aria-label": t("prep.edit_poll_for", { title: p.title }),
      onclick: edit }, t("prep.edit_poll")) : null, " ",
    p.status === "draft" ? h("button", { type: "button", class: "btn btn-sm btn-danger-outline", "aria-label": t("prep.remove_poll_for", { title: p.title }),
      onclick: async () => {
        if (await confirmDialog({ title: t("prep.remove_poll"), text: p.title, ok: t("prep.remove_poll"), danger: true })) {
          run(ctx.client, "poll.cancel", { poll: p.poll }, { ok: t("prep.poll_removed") });
        }
      } }, t("prep.remove_poll")) : null);
}

/**
 * The form that prepares a new poll for ``item``, or, given ``draft``, changes that draft
 * (everything it defines; what the form does not show is kept as it was).
 */
function pollForm(ctx, item, draft, done) {
  const field = (label, input, hint) => h("div", { class: "field" }, h("label", { for: input.id }, label), input, hint ? h("p", { class: "hint" }, hint) : null);
  const chosenMethod = draft ? draft.method : defaultMethod(item);
  const title = h("input", { type: "text", id: "prep-poll-title", maxlength: "500", value: draft ? draft.title : item.title });
  const method = h("select", { id: "prep-poll-method", class: "field-input" }, METHODS.map((m) => h("option", { value: m, selected: m === chosenMethod }, tv("polls.method", m))));
  const options = h("textarea", { id: "prep-poll-options", rows: "4" });
  options.value = draft ? (draft.options || []).map((o) => o.label).join("\n") : "";
  const seatCount = draft ? (draft.method === "approval" ? draft.seats : draft.max) : 1;
  const seats = h("input", { type: "number", id: "prep-poll-seats", min: "1", max: "200", value: String(seatCount || 1), inputmode: "numeric" });
  // A rule the presets do not name (from an imported definition) stays choosable, not lost.
  const rules = draft?.rule && !RULES.includes(draft.rule) ? [...RULES, draft.rule] : RULES;
  const rule = h("select", { id: "prep-poll-rule", class: "field-input" },
    h("option", { value: "", selected: Boolean(draft) && !draft.rule }, t("polls.no_rule")),
    rules.map((r, i) => h("option", { value: r, selected: draft ? r === draft.rule : i === 0 },
      i < RULES.length ? t(`polls.rule_preset.${i}`) : r)));
  const secret = h("input", { type: "checkbox", id: "prep-poll-secret", checked: draft ? draft.secret : item.kind === "election" });
  const optionsField = field(t("polls.options"), options, t("polls.options_hint"));
  const seatsField = field(t("polls.seats"), seats);
  const sync = () => {
    optionsField.hidden = method.value === "yes_no_abstain";
    seatsField.hidden = !["approval", "multiple"].includes(method.value);
  };
  method.addEventListener("change", sync);
  sync();
  const buttons = h("div", { class: "form-row" },
    h("button", { type: "submit", class: "btn btn-primary", id: "prep-poll-create" }, t(draft ? "prep.save_poll" : "prep.prepare_poll")),
    draft ? h("button", { type: "button", class: "btn", id: "prep-poll-cancel-edit", onclick: done }, t("action.cancel")) : null);
  const form = h("form", { class: "poll-form", id: "prep-poll-form", "data-editing": draft ? draft.poll : null },
    h("h5", {}, draft ? t("prep.edit_poll_title", { title: draft.title }) : t("prep.new_poll")),
    field(t("polls.question"), title),
    h("div", { class: "form-row" }, field(t("polls.method_label"), method), field(t("polls.rule"), rule)),
    optionsField, seatsField,
    h("div", { class: "field check" }, h("label", { for: "prep-poll-secret" }, secret, " ", t("polls.secret"))),
    buttons);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { ...kept(draft), title: title.value.trim() || (draft ? draft.title : item.title), method: method.value,
      secret: secret.checked, agenda_item: item.id };
    if (rule.value) body.rule = rule.value;
    const labels = options.value.split("\n").map((x) => x.trim()).filter(Boolean);
    if (method.value !== "yes_no_abstain") body[method.value === "approval" ? "candidates" : "options"] = labels;
    const n = parseInt(seats.value, 10) || 1;
    if (method.value === "approval") body.seats = n;
    if (method.value === "multiple") { body.min = draft?.method === "multiple" ? draft.min : 0; body.max = n; }
    if (draft) {
      const ack = await run(ctx.client, "poll.update", { poll: draft.poll, ...body }, { ok: t("prep.poll_saved") });
      if (ack) done();
      return;
    }
    body.id = `p${Date.now().toString(36)}`;
    const ack = await run(ctx.client, "poll.create", body, { ok: t("prep.poll_prepared") });
    if (ack) options.value = "";
  });
  return form;
}

/** What a draft defines that the form does not show: sent again unchanged by an edit. */
function kept(draft) {
  if (!draft) return {};
  const out = {};
  for (const key of ["quorum", "allow_change", "live_tally", "timer", "allow_abstain"]) {
    if (draft[key] !== null && draft[key] !== undefined) out[key] = draft[key];
  }
  return out;
}

function defaultMethod(item) {
  return item.kind === "election" ? "approval" : "yes_no_abstain";
}
