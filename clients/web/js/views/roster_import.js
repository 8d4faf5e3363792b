// The secretary's roster import (server/api.py, docs/api.md "Roster"): a CSV or Excel (XLSX)
// file is read by the server as soon as it is chosen and its rows shown (the preview changes
// nothing); "Import" then sends the same file. Every row or none: bad rows come back by number.

import { h, fill, toast } from "../dom.js";
import { t, tv, formatNumber } from "../i18n.js";
import { api } from "../api.js";
import { errorText } from "./common.js";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PREVIEW_ROWS = 10;

/** The form, its preview and its error area; onImported() after a successful import. */
export function rosterImport(ctx, onImported) {
  const fileInput = h("input", { type: "file", id: "roster-file", accept: `.csv,.xlsx,text/csv,${XLSX_TYPE}` });
  const preview = h("div", { id: "roster-preview", "aria-live": "polite" });
  const errors = h("div", { id: "roster-errors", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "roster-import" }, t("roster.import"));
  const form = h("form", { class: "form-row", id: "roster-form" },
    h("div", { class: "field" },
      h("label", { for: "roster-file" }, t("roster.file")),
      fileInput,
      h("p", { class: "hint" }, t("roster.hint"))),
    submit);
  // A preview that answers after an import (or after another file was chosen) is stale.
  let turn = 0;
  const url = (tail) => `/api/meetings/${encodeURIComponent(ctx.meeting)}/roster${tail}`;
  const send = (tail, file) => api(url(tail), { token: ctx.token, method: "POST", body: file, type: fileType(file) });

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    const mine = ++turn;
    fill(preview);
    fill(errors);
    fill(submit, t("roster.import"));
    if (!file) return;
    try {
      const res = await send("/preview", file);
      if (mine !== turn) return;
      fill(preview, previewTable(res));
      fill(submit, t("roster.import_n", { n: formatNumber(res.count) }));
    } catch (err) {
      if (mine === turn) fill(errors, ...errorBlock(err));
    }
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = fileInput.files?.[0];
    if (!file) {
      toast(t("roster.choose"), "error");
      return;
    }
    const mine = ++turn;
    fill(errors);
    submit.disabled = true;
    try {
      const res = await send("", file);
      toast(t("roster.imported", { n: res.imported }), "ok");
      fill(preview);
      fill(errors, h("p", { class: "notice notice-ok", id: "roster-result" }, t("roster.imported", { n: res.imported })));
      fileInput.value = "";
      fill(submit, t("roster.import"));
      onImported();
    } catch (err) {
      if (mine === turn) fill(errors, ...errorBlock(err));
    } finally {
      submit.disabled = false;
    }
  });
  return { form, errors: h("div", {}, preview, errors) };
}

function fileType(file) {
  if (file.type) return file.type;
  return /\.xlsx$/i.test(file.name) ? XLSX_TYPE : "text/csv; charset=utf-8";
}

function previewTable(res) {
  const rows = res.participants || [];
  return h("div", { class: "roster-preview" },
    h("p", { class: "notice", id: "roster-preview-summary" },
      t("roster.preview_summary", { n: formatNumber(res.count), updates: formatNumber(res.updates) })),
    h("div", { class: "table-wrap" }, h("table", { class: "table", id: "roster-preview-table" },
      h("caption", {}, t("roster.preview_caption", { shown: formatNumber(Math.min(rows.length, PREVIEW_ROWS)), n: formatNumber(rows.length) })),
      h("thead", {}, h("tr", {},
        ["roster.code", "roster.name", "roster.delegation", "roster.seat", "roster.role"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, rows.slice(0, PREVIEW_ROWS).map((p) => h("tr", {},
        h("td", { class: "mono" }, p.id), h("td", {}, p.full_name), h("td", {}, p.delegation),
        h("td", {}, p.seat), h("td", {}, tv("role", p.role))))))));
}

function errorBlock(err) {
  const rows = err.details?.rows || [];
  // With the rows listed, the server's English summary in brackets would add nothing.
  const summary = rows.length && err.code === "invalid_roster" ? t("error.invalid_roster") : errorText(err);
  return [
    h("p", { class: "notice notice-error", role: "alert", id: "roster-error" }, summary),
    rows.length ? h("table", { class: "table", id: "roster-bad-rows" },
      h("caption", {}, t("roster.bad_rows")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("roster.row")), h("th", { scope: "col" }, t("roster.problem")))),
      h("tbody", {}, rows.slice(0, 100).map((r) => h("tr", { "data-row": r.row }, h("td", {}, r.row), h("td", {}, rowMessage(r)))))) : null,
  ];
}

const COUNTS = ["count", "expected", "first_row", "max"];
const COLUMNS = ["field", "column"];

/** A bad row's problem in the current language from its reason code and values
 * (docs/api.md "Roster"); the server's English message for a reason this desk does not know. */
function rowMessage(r) {
  const params = { ...r };
  for (const name of COUNTS) if (typeof r[name] === "number") params[name] = formatNumber(r[name]);
  for (const name of COLUMNS) if (r[name]) params[name] = tv("roster.column", r[name]);
  const key = `roster.reason.${r.reason}`;
  const text = r.reason ? t(key, params) : key;
  return text === key ? r.message : text;
}
