// The archive section of the organiser page (/admin): archived meetings filtered by year, body
// and status, each with its ZIP to download; a search box whose ranked hits open the file at
// its page; a meeting's ZIP imported from another server (docs/archive.md, docs/api.md).

import { download } from "../api.js";
import { h, fill, toast } from "../dom.js";
import { t, formatNumber } from "../i18n.js";
import { errorText } from "./common.js";

/** The section; `ui` is the organiser view's state (`ui.call`, `ui.token`). */
export function archiveSection(ui) {
  const state = { year: "", organisation: "", status: "" };
  const section = h("section", { class: "card", id: "admin-archive", "aria-labelledby": "admin-archive-h" },
    h("h2", { id: "admin-archive-h" }, t("archive.title")),
    searchForm(ui),
    h("ol", { class: "archive-hits", id: "archive-hits", "aria-live": "polite" }),
    h("div", { class: "form-row", id: "archive-filters" }),
    h("div", { id: "archive-list" }),
    importForm(ui, () => loadList(ui, section, state)));
  // The organiser page calls it after archiving a meeting from its list.
  section.reload = () => loadList(ui, section, state);
  section.reload();
  return section;
}

function searchForm(ui) {
  const input = h("input", { type: "search", id: "archive-q", maxlength: "500", required: true,
    placeholder: t("archive.search_placeholder") });
  const form = h("form", { class: "btn-row", id: "archive-search", role: "search" },
    h("label", { for: "archive-q", class: "sr-only" }, t("archive.search")), input,
    h("button", { type: "submit", class: "btn btn-primary", id: "archive-search-submit" }, t("archive.search")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const list = form.parentNode.querySelector("#archive-hits");
    let res;
    try {
      res = await ui.call(`/api/archive/search?q=${encodeURIComponent(input.value.trim())}`);
    } catch (err) { toast(errorText(err), "error"); return; }
    if (!res.hits.length) { fill(list, h("li", { class: "muted" }, t("archive.no_hits"))); return; }
    fill(list, res.hits.map((hit) => hitLine(ui, hit)));
  });
  return form;
}

function hitLine(ui, hit) {
  const where = [t(`archive.kind.${hit.kind}`), hit.page ? t("archive.page", { n: hit.page }) : ""].filter(Boolean).join(" · ");
  const label = hit.url
    ? h("a", { href: hit.url, class: "archive-hit-link", "data-page": hit.page ?? "",
      onclick: (e) => { e.preventDefault(); openFile(ui, hit.url); } }, hit.label)
    : h("strong", {}, hit.label);
  return h("li", { class: "archive-hit", "data-meeting": hit.meeting, "data-kind": hit.kind },
    label, " ", h("span", { class: "muted small" }, `${where} — ${hit.meeting_title}`),
    h("p", { class: "archive-snippet small" }, hit.snippet));
}

async function openFile(ui, url) {
  // Opened before the request: a window opened after an await is a blocked pop-up. The file
  // comes with the Bearer token (never in a URL); its #page=N reaches the PDF viewer.
  const win = window.open("about:blank", "_blank");
  const [path, page] = url.split("#");
  try {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${ui.token}` } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = URL.createObjectURL(await response.blob());
    if (win) { win.opener = null; win.location.href = page ? `${blob}#${page}` : blob; }
    setTimeout(() => URL.revokeObjectURL(blob), 60000);
  } catch (err) { win?.close(); toast(errorText(err), "error"); }
}

async function loadList(ui, section, state) {
  const query = new URLSearchParams(Object.entries(state).filter(([, v]) => v)).toString();
  let res;
  try {
    res = await ui.call(`/api/archive/meetings${query ? `?${query}` : ""}`);
  } catch (err) { toast(errorText(err), "error"); return; }
  fill(section.querySelector("#archive-filters"),
    filter("year", res.years, state, () => loadList(ui, section, state)),
    filter("organisation", res.organisations, state, () => loadList(ui, section, state)),
    filter("status", res.statuses, state, () => loadList(ui, section, state), (s) => t(`archive.status.${s}`)));
  const list = section.querySelector("#archive-list");
  if (!res.meetings.length) { fill(list, h("p", { class: "muted" }, t("archive.none"))); return; }
  fill(list, h("div", { class: "table-wrap" }, h("table", { class: "table", id: "archive-table" },
    h("thead", {}, h("tr", {}, [t("admin.col_meeting"), t("archive.year"), t("admin.col_status"),
      t("admin.col_documents"), t("admin.col_actions")].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, res.meetings.map((m) => meetingRow(ui, m))))));
}

function filter(name, values, state, onChange, label = (v) => String(v)) {
  const id = `archive-${name}`;
  const select = h("select", { id, class: "field-input", onchange: (e) => { state[name] = e.target.value; onChange(); } },
    h("option", { value: "" }, t("archive.all")),
    values.map((v) => h("option", { value: String(v), selected: String(v) === state[name] }, label(v))));
  return h("div", { class: "field" }, h("label", { for: id }, t(`archive.${name}`)), select);
}

function meetingRow(ui, m) {
  // Not data-meeting: that names the rows of the live meetings table above.
  return h("tr", { "data-archived": m.id, "data-status": m.status },
    h("td", {}, h("strong", {}, m.title), h("div", { class: "muted small" }, m.organisation)),
    h("td", {}, m.year ?? ""),
    h("td", {}, h("span", { class: "pill" }, t(`archive.status.${m.status}`))),
    h("td", {}, formatNumber(m.details.documents.length)),
    h("td", {}, h("button", { type: "button", class: "btn btn-sm", "data-action": "zip",
      onclick: () => download(m.zip_url, `luu-tru-${m.id}.zip`, ui.token).catch((err) => toast(errorText(err), "error")) },
    t("archive.download"))));
}

function importForm(ui, reload) {
  const file = h("input", { type: "file", id: "archive-import-file", accept: ".zip,application/zip", required: true });
  const error = h("p", { class: "notice notice-error", id: "archive-import-error", role: "alert", hidden: true });
  const form = h("form", { class: "btn-row", id: "archive-import" },
    h("label", { for: "archive-import-file" }, t("archive.import")), file, error,
    h("button", { type: "submit", class: "btn", id: "archive-import-submit" }, t("archive.import_submit")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    error.hidden = true;
    try {
      const made = await ui.call("/api/archive/import", { method: "POST", body: chosen, type: "application/zip" });
      toast(t("archive.imported", { title: made.title }), "ok");
      form.reset();
      reload();
    } catch (err) { error.hidden = false; error.textContent = `${t("archive.refused")} ${errorText(err)}`; }
  });
  return form;
}
