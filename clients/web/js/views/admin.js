// The organiser's view (/admin): sign in with the admin token, then the meetings with their
// status and counts, a new meeting (details, quorum and majority, the settings table of
// rooms/settings.py), a meeting made from a definition file (docs/definition.md), and per
// meeting: its agenda, the secretary desk, export, close, archive; and the archive of past
// meetings (views/archive.js).

import { api, download, ApiError } from "../api.js";
import { h, fill, toast } from "../dom.js";
import { t, tv, formatNumber } from "../i18n.js";
import { confirmDialog, errorText } from "./common.js";
import { archiveSection } from "./archive.js";

const TOKEN_KEY = "phonghop.admin";
// The rules the chair's poll form offers (views/polls.js), in the same order.
const RULES = [
  "more than 1/2 of delegates present",
  "more than 1/2 of all delegates",
  "at least 2/3 of all delegates",
  "more than 1/2 of valid ballots",
];
// The settings table (rooms/settings.py) without majority, which has its own field.
const SETTINGS = [
  { name: "require_quorum_to_open", kind: "bool", value: false },
  { name: "require_check_in", kind: "bool", value: true },
  { name: "device_checkin", kind: "choice", choices: ["tap", "connect", "off"], value: "tap" },
  { name: "hybrid", kind: "bool", value: false },
  { name: "proxy_limit", kind: "int", min: 0, max: 100, value: 1 },
  { name: "proxies_count_for_quorum", kind: "bool", value: false },
  { name: "parent_organisation", kind: "text", value: "" },
  { name: "reference", kind: "text", value: "" },
  { name: "city", kind: "text", value: "" },
];

function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function mount(root, { onChange }) {
  const ui = { root, onChange, token: storedToken(), showArchived: false, meetings: [] };
  ui.call = (path, opts = {}) => api(path, { token: ui.token, ...opts });
  ui.view = {
    signedIn: () => Boolean(ui.token),
    signOut() {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
      ui.token = null;
      render(ui);
    },
    destroy() {},
  };
  render(ui);
  return ui.view;
}

function render(ui) {
  const { root } = ui;
  ui.onChange?.();
  if (!ui.token) { fill(root, signInForm(ui)); root.querySelector("#admin-token")?.focus(); return; }
  fill(root, h("div", { class: "layout admin" },
    h("h1", { class: "view-title" }, t("admin.title")),
    h("section", { class: "card", id: "admin-meetings", "aria-labelledby": "admin-meetings-h" },
      h("div", { class: "btn-row" },
        h("h2", { id: "admin-meetings-h" }, t("admin.meetings")),
        h("label", { class: "small" }, h("input", { type: "checkbox", id: "admin-show-archived", checked: ui.showArchived,
          onchange: (e) => { ui.showArchived = e.target.checked; renderList(ui); } }), " ", t("admin.show_archived"))),
      h("div", { id: "admin-list" })),
    h("section", { class: "card", id: "admin-detail", hidden: true }),
    h("div", { class: "grid-2" }, createForm(ui), importForm(ui)),
    archiveSection(ui)));
  refresh(ui);
}

function signInForm(ui) {
  const input = h("input", { type: "password", id: "admin-token", autocomplete: "current-password", required: true });
  const error = h("p", { class: "notice notice-error", id: "admin-signin-error", role: "alert", hidden: true });
  const form = h("form", { class: "card signin", id: "admin-signin-form" },
    h("h1", { class: "view-title" }, t("admin.signin_title")),
    h("p", { class: "hint" }, t("admin.signin_hint")),
    h("div", { class: "field" }, h("label", { for: "admin-token" }, t("admin.token")), input),
    error,
    h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary", id: "admin-signin" }, t("admin.signin"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("/api/admin/meetings", { token: input.value.trim() });
    } catch (err) {
      error.hidden = false;
      error.textContent = err.status === 401 || err.status === 403 ? t("admin.signin_wrong") : errorText(err);
      return;
    }
    ui.token = input.value.trim();
    try { sessionStorage.setItem(TOKEN_KEY, ui.token); } catch { /* this page keeps it */ }
    render(ui);
  });
  return form;
}

async function refresh(ui) {
  try {
    ui.meetings = (await ui.call("/api/admin/meetings")).meetings;
  } catch (err) {
    if (err.status === 401 || err.status === 403) { ui.view.signOut(); return; }
    toast(errorText(err), "error");
    return;
  }
  renderList(ui);
}

function renderList(ui) {
  const list = ui.root.querySelector("#admin-list");
  if (!list) return;
  const shown = ui.meetings.filter((m) => ui.showArchived || !m.archived);
  if (!shown.length) { fill(list, h("p", { class: "muted" }, t("admin.none"))); return; }
  fill(list, h("div", { class: "table-wrap" }, h("table", { class: "table", id: "admin-table" },
    h("thead", {}, h("tr", {},
      [t("admin.col_meeting"), t("admin.col_status"), t("admin.col_delegates"), t("admin.col_items"),
        t("admin.col_documents"), t("admin.col_polls"), t("admin.col_actions")].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, shown.map((m) => meetingRow(ui, m))))));
}

function meetingRow(ui, m) {
  const act = (id, label, fn, cls = "btn btn-sm") => h("button", { type: "button", class: cls, "data-action": id, onclick: fn }, label);
  return h("tr", { "data-meeting": m.id, "data-status": m.status },
    h("td", {}, h("strong", { class: "admin-title" }, m.title),
      h("div", { class: "muted small" }, [m.organisation, m.place, (m.starts || "").replace("T", " ").slice(0, 16)].filter(Boolean).join(" · "))),
    h("td", {}, h("span", { class: "pill" }, tv("status", m.status)),
      m.archived ? h("span", { class: "pill pill-warn" }, t("admin.archived")) : null),
    h("td", {}, formatNumber(m.delegates)),
    h("td", { "data-count": "agenda" }, formatNumber(m.agenda_items)),
    h("td", {}, formatNumber(m.documents)),
    h("td", {}, formatNumber(m.polls)),
    h("td", {}, h("div", { class: "btn-row" },
      act("agenda", t("admin.agenda"), () => showDetail(ui, m)),
      act("desk", t("admin.desk"), () => openDesk(ui, m)),
      act("export", t("admin.export"), () => exportDefinition(ui, m)),
      m.status !== "closed" ? act("close", t("admin.close"), () => closeMeeting(ui, m), "btn btn-sm btn-danger-outline") : null,
      m.status === "closed" ? act("archive", m.archived ? t("admin.unarchive") : t("admin.archive"), () => setArchived(ui, m, !m.archived)) : null)));
}

async function showDetail(ui, m) {
  const panel = ui.root.querySelector("#admin-detail");
  let def;
  try {
    def = await ui.call(`/api/meetings/${encodeURIComponent(m.id)}/definition?format=json`);
  } catch (err) { toast(errorText(err), "error"); return; }
  panel.hidden = false;
  fill(panel, h("h2", { id: "admin-detail-h" }, t("admin.agenda_of", { title: m.title })),
    h("ol", { class: "agenda", id: "admin-agenda" }, (def.agenda || []).map((item) => agendaLine(item))),
    def.agenda?.length ? null : h("p", { class: "muted" }, t("agenda.empty")));
  panel.scrollIntoView({ block: "nearest" });
}

function agendaLine(item) {
  const polls = item.poll ? [item.poll] : item.polls || [];
  return h("li", { class: "agenda-item", "data-item": item.id },
    h("span", { class: "agenda-title" }, item.title),
    h("span", { class: "muted small" }, " · ", tv("agenda.kind", item.kind),
      item.minutes ? ` · ${t("agenda.minutes", { n: item.minutes })}` : "",
      item.documents?.length ? ` · ${t("admin.n_documents", { n: item.documents.length })}` : "",
      polls.length ? ` · ${t("admin.n_polls", { n: polls.length })}` : ""),
    item.items?.length ? h("ol", {}, item.items.map((i) => agendaLine(i))) : null);
}

async function openDesk(ui, m) {
  // Opened before the request: a window opened after an await is a blocked pop-up.
  const win = window.open("about:blank", "_blank");
  try {
    const res = await ui.call(`/api/meetings/${encodeURIComponent(m.id)}/secretary-link`, { method: "POST" });
    if (win) { win.opener = null; win.location.href = res.join_url; } else location.assign(res.join_url);
    refresh(ui);
  } catch (err) { win?.close(); toast(errorText(err), "error"); }
}

async function exportDefinition(ui, m) {
  try {
    await download(`/api/meetings/${encodeURIComponent(m.id)}/definition?format=toml`, `${m.id}.toml`, ui.token);
  } catch (err) { toast(errorText(err), "error"); }
}

async function closeMeeting(ui, m) {
  if (!await confirmDialog({ title: t("admin.close_title"), text: m.title, ok: t("admin.close"), danger: true })) return;
  try {
    await ui.call(`/api/meetings/${encodeURIComponent(m.id)}/commands`, { method: "POST", body: { kind: "meeting.close" } });
    toast(t("admin.closed"), "ok");
  } catch (err) { toast(errorText(err), "error"); }
  refresh(ui);
}

async function setArchived(ui, m, archived) {
  try {
    await ui.call(`/api/meetings/${encodeURIComponent(m.id)}/archive`, { method: "POST", body: { archived } });
  } catch (err) { toast(errorText(err), "error"); }
  refresh(ui);
  ui.root.querySelector("#admin-archive")?.reload?.();
}

function createForm(ui) {
  const text = (name, attrs = {}) => h("div", { class: "field" },
    h("label", { for: `new-${name}` }, t(`admin.field.${name}`)),
    h("input", { type: "text", id: `new-${name}`, name, maxlength: "500", ...attrs }));
  const ruleSelect = (name, n) => h("div", { class: "field" },
    h("label", { for: `new-${name}` }, t(`admin.field.${name}`)),
    h("select", { id: `new-${name}`, name, class: "field-input" },
      RULES.slice(0, n).map((r, i) => h("option", { value: r, selected: i === 0 }, t(`polls.rule_preset.${i}`)))));
  const form = h("form", { class: "card", id: "admin-create" },
    h("h2", {}, t("admin.create")),
    text("title", { required: true }), text("title_en"), text("organisation"), text("place"),
    h("div", { class: "form-row" },
      text("starts", { type: "datetime-local" }), text("ends", { type: "datetime-local" })),
    text("timezone", { value: "Asia/Ho_Chi_Minh" }),
    h("div", { class: "form-row" }, ruleSelect("quorum", 3), ruleSelect("majority", 4)),
    h("fieldset", { class: "settings-form" }, h("legend", {}, t("settings.title")), SETTINGS.map(settingField)),
    h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary", id: "admin-create-submit" }, t("admin.create_submit"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = createBody(form);
    try {
      await ui.call("/api/meetings", { method: "POST", body });
    } catch (err) { toast(errorText(err), "error"); return; }
    toast(t("admin.created", { title: body.title }), "ok");
    form.reset();
    refresh(ui);
  });
  return form;
}

/** The POST /api/meetings body of the new-meeting form: what was filled in, every setting. */
function createBody(form) {
  const value = (name) => form.elements[name].value.trim();
  const body = { settings: { majority: value("majority") } };
  for (const name of ["title", "title_en", "organisation", "place", "starts", "ends", "timezone", "quorum"]) {
    if (value(name)) body[name] = value(name);
  }
  for (const s of SETTINGS) {
    const el = form.elements[`setting-${s.name}`];
    body.settings[s.name] = s.kind === "bool" ? el.checked : s.kind === "int" ? parseInt(el.value, 10) : el.value.trim();
  }
  return body;
}

function importForm(ui) {
  const file = h("input", { type: "file", id: "admin-import-file", accept: ".toml,.json,application/toml,application/json", required: true });
  const errors = h("div", { id: "admin-import-errors", role: "alert" });
  const form = h("form", { class: "card", id: "admin-import" },
    h("h2", {}, t("admin.import")),
    h("p", { class: "hint" }, t("admin.import_hint")),
    h("div", { class: "field" }, h("label", { for: "admin-import-file" }, t("admin.import_file")), file),
    errors,
    h("div", { class: "btn-row" }, h("button", { type: "submit", class: "btn btn-primary", id: "admin-import-submit" }, t("admin.import_submit"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    fill(errors);
    const isJson = chosen.name.toLowerCase().endsWith(".json");
    let made;
    try {
      made = await ui.call("/api/meetings/import", { method: "POST", body: await chosen.text(),
        type: isJson ? "application/json" : "application/toml" });
    } catch (err) {
      fill(errors, importErrors(err));
      return;
    }
    toast(t("admin.imported", { title: made.title, n: made.agenda_items }), "ok");
    form.reset();
    await refresh(ui);
    showDetail(ui, made);
  });
  return form;
}

function importErrors(err) {
  const rows = err instanceof ApiError ? err.details?.errors || [] : [];
  return h("div", { class: "notice notice-error" },
    h("strong", {}, t("admin.import_refused")), " ", rows.length ? null : errorText(err),
    rows.length ? h("ul", { class: "import-errors" }, rows.map((r) =>
      h("li", {}, h("code", {}, r.field || t("admin.whole_file")), ": ", r.message))) : null);
}

function settingField(s) {
  const id = `setting-${s.name}`;
  const label = t(`settings.${s.name}`);
  if (s.kind === "bool") {
    return h("div", { class: "field check" }, h("label", { for: id },
      h("input", { type: "checkbox", id, name: id, checked: s.value }), " ", label));
  }
  const control = s.kind === "choice"
    ? h("select", { id, name: id, class: "field-input" }, s.choices.map((c) => h("option", { value: c, selected: c === s.value }, t(`settings.${s.name}.${c}`))))
    : h("input", { type: s.kind === "int" ? "number" : "text", id, name: id, value: String(s.value),
      ...(s.kind === "int" ? { min: String(s.min), max: String(s.max) } : { maxlength: "500" }) });
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}
