// Meeting settings (rooms/settings.py) for chair and secretary: a form of the settings the
// meeting runs under, sending only what changed with `meeting.update {settings}`. The server
// checks every value and refuses a change the meeting's state forbids; the refusal is shown
// with the usual error toast and the edits stay in the form until corrected or reset.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { run } from "./common.js";

// The order shown; `kind` picks the control. Defaults are the server's (it sends them filled in).
const FIELDS = [
  { name: "require_quorum_to_open", kind: "bool" },
  { name: "require_check_in", kind: "bool" },
  { name: "device_checkin", kind: "choice", choices: ["tap", "connect", "off"] },
  { name: "badge_sign_in", kind: "choice", choices: ["checked_in", "off", "open", "seat_tablets"] },
  { name: "hybrid", kind: "bool" },
  { name: "proxy_limit", kind: "int", min: 0, max: 100 },
  { name: "proxies_count_for_quorum", kind: "bool" },
  { name: "parent_organisation", kind: "text", minutes: true },
  { name: "reference", kind: "text", minutes: true },
  { name: "city", kind: "text", minutes: true },
];

/** The settings form; call ``update(state)`` on every change of the state. */
export function settingsPanel(ctx) {
  const controls = {};
  let dirty = false; // edits not yet saved are not overwritten by live updates

  const rows = FIELDS.map((f) => settingRow(f, controls));
  const save = h("button", { type: "submit", class: "btn btn-primary", id: "settings-save" }, t("settings.save"));
  const reset = h("button", { type: "button", class: "btn", id: "settings-reset",
    onclick: () => { dirty = false; update(ctx.model.state); } }, t("settings.reset"));
  const form = h("form", { class: "settings-form", id: "settings-form" },
    h("fieldset", {}, h("legend", {}, t("settings.rules")), rows.slice(0, 7)),
    h("fieldset", {}, h("legend", {}, t("settings.minutes")), rows.slice(7)),
    h("div", { class: "btn-row" }, save, reset));
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const current = ctx.model.state?.info?.settings || {};
    const changed = {};
    for (const f of FIELDS) {
      const v = fieldValue(f, controls[f.name]);
      if (v !== current[f.name]) changed[f.name] = v;
    }
    if (!Object.keys(changed).length) {
      dirty = false;
      update(ctx.model.state);
      return;
    }
    save.disabled = true;
    try {
      // A number the field cannot parse goes as it is typed: the server names it in its refusal.
      if (Number.isNaN(changed.proxy_limit)) changed.proxy_limit = controls.proxy_limit.value;
      const ack = await run(ctx.client, "meeting.update", { settings: changed }, { ok: t("settings.saved") });
      // Refused: nothing changed on the server; the edits stay to be corrected (or reset).
      if (ack) dirty = false;
    } finally {
      save.disabled = false;
      update(ctx.model.state);
    }
  });

  function update(s) {
    if (!s || dirty) return;
    showSettings(controls, s);
  }

  return { form, update };
}

/** One setting's label, control and hint; the control goes into ``controls`` by name. */
function settingRow(f, controls) {
  const id = `setting-${f.name}`;
  const hint = h("p", { class: "hint", id: `${id}-hint` }, t(`settings.${f.name}.hint`));
  let input;
  if (f.kind === "bool") {
    input = h("input", { type: "checkbox", id, name: f.name, "aria-describedby": `${id}-hint` });
    controls[f.name] = input;
    return h("div", { class: "field check" },
      h("label", { for: id }, input, " ", t(`settings.${f.name}`)), hint);
  }
  if (f.kind === "choice") {
    input = h("select", { id, name: f.name, class: "field-input", "aria-describedby": `${id}-hint` },
      f.choices.map((c) => h("option", { value: c }, t(`settings.${f.name}.${c}`))));
  } else if (f.kind === "int") {
    input = h("input", { type: "number", id, name: f.name, min: String(f.min), max: String(f.max), step: "1", "aria-describedby": `${id}-hint` });
  } else {
    input = h("input", { type: "text", id, name: f.name, maxlength: "500", "aria-describedby": `${id}-hint` });
  }
  controls[f.name] = input;
  return h("div", { class: "field" }, h("label", { for: id }, t(`settings.${f.name}`)), input, hint);
}

function fieldValue(f, el) {
  if (f.kind === "bool") return el.checked;
  if (f.kind === "int") return el.value.trim() === "" ? NaN : Number(el.value);
  if (f.kind === "text") return el.value.trim();
  return el.value;
}

/** The meeting's settings into the form. */
function showSettings(controls, s) {
  const settings = s.info?.settings || {};
  const closed = s.status === "closed";
  for (const f of FIELDS) {
    const el = controls[f.name];
    const v = settings[f.name];
    if (f.kind === "bool") el.checked = !!v;
    else el.value = v == null ? "" : String(v);
    // A closed meeting keeps the rules it ran under; what the minutes print may still change.
    el.disabled = closed && !f.minutes;
  }
}
