// Secretary desk (laptop): roster import (roster_import.js), the agenda with its documents
// and prepared polls (agenda_editor.js), participants with join links, check-in desk with
// a search that ignores diacritics, proxies, feedback and question moderation, downloads.

import { h, fill, toast } from "../dom.js";
import { t, tv, fold, formatNumber } from "../i18n.js";
import { api, download } from "../api.js";
import {
  statusBadge, currentItemBlock, quorumBlock, historyList, section, run, showError, meetingTitle,
  errorText,
} from "./common.js";
import "./reducers.js";
import { attendanceSummary, deskRow } from "./attendance.js";
import { scanForm } from "./badgescan.js";
import { chairDocuments, documentUpload } from "./documents.js";
import { feedbackModeration } from "./feedback.js";
import { questionModeration } from "./questions.js";
import { proxyPanel } from "./proxies.js";
import { rosterOrder } from "./roster_order.js";
import { settingsPanel } from "./settings.js";
import { signingPanel } from "./signing.js";
import { devicePairing } from "./pairing.js";
import { shownBadges } from "./badge_print.js";
import { rosterImport } from "./roster_import.js";
import { agendaTab } from "./agenda_editor.js";

const TABS = ["overview", "roster", "agenda", "checkin", "documents", "feedback", "questions", "downloads"];
const PAGE = 200;
const TAB_KEY = "phonghop.secretary.tab";

export function mount(root, ctx) {
  let tab = sessionStorage.getItem(TAB_KEY) || "overview";
  if (!TABS.includes(tab)) tab = "overview";
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": t("secretary.title") });
  const panels = {};
  for (const name of TABS) {
    panels[name] = h("div", { class: "tabpanel", role: "tabpanel", id: `panel-${name}`, "aria-labelledby": `tab-${name}`, tabindex: "0" });
  }
  root.appendChild(h("div", { class: "layout" },
    h("h1", { class: "view-title" }, t("secretary.title")),
    tablist, ...Object.values(panels)));

  function renderTabs() {
    fill(tablist, TABS.map((name) => tabButton(name, tab, select)));
    for (const name of TABS) panels[name].hidden = name !== tab;
  }

  function select(name) {
    tab = name;
    try { sessionStorage.setItem(TAB_KEY, name); } catch { /* ignore */ }
    renderTabs();
    update();
  }

  const renderers = {
    overview: overviewTab(panels.overview, ctx),
    roster: rosterTab(panels.roster, ctx),
    agenda: agendaTab(panels.agenda, ctx),
    checkin: deskTab(panels.checkin, ctx),
    documents: slotTab(panels.documents, ctx, "secretary-docs", chairDocuments,
      (slot) => [section(t("documents.upload_title"), "sec-doc-upload", documentUpload(ctx)),
        section(t("documents.title"), "sec-doc-list", slot)]),
    feedback: slotTab(panels.feedback, ctx, "feedback-moderation", feedbackModeration,
      (slot) => [section(t("feedback.moderation"), "sec-feedback", slot)]),
    questions: slotTab(panels.questions, ctx, "question-desk", questionModeration,
      (slot) => [section(t("questions.moderation"), "sec-questions", h("p", { class: "hint" }, t("questions.moderation_hint")), slot)]),
  };
  const signing = signingPanel(ctx);
  panels.downloads.append(downloadsSection(ctx), signing.el);

  function update() {
    const s = ctx.model.state;
    if (!s) return;
    signing.update(s);
    renderers[tab]?.(s);
  }

  renderTabs();
  return { update };
}

function tabButton(name, selected, select) {
  return h("button", {
    type: "button", role: "tab", id: `tab-${name}`, class: "tab",
    "aria-selected": String(name === selected), "aria-controls": `panel-${name}`,
    tabindex: name === selected ? "0" : "-1",
    onclick: () => select(name),
    onkeydown: (e) => {
      const i = TABS.indexOf(selected);
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault();
        const next = TABS[(i + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length];
        select(next);
        document.getElementById(`tab-${next}`)?.focus();
      }
    },
  }, t(`secretary.tab.${name}`));
}

/** A tab whose one slot a feature panel renders into: fn(slot, ctx) on each update. */
function slotTab(panel, ctx, id, render, sections) {
  const slot = h("div", { id });
  panel.append(...sections(slot));
  return () => render(slot, ctx);
}

// ---- overview ------------------------------------------------------------------------------

function overviewTab(panel, ctx) {
  const overview = {
    summary: h("div", {}), quorum: h("div", {}), current: h("div", {}), history: h("div", {}),
  };
  const settings = settingsPanel(ctx);
  panel.append(h("div", { class: "grid-2" },
    section(t("secretary.meeting"), "sec-summary", overview.summary, overview.current),
    section(t("quorum.title"), "sec-sec-quorum", overview.quorum)),
  section(t("settings.title"), "sec-settings", settings.form),
  section(t("history.title"), "sec-sec-history", overview.history));

  return (s) => {
    const c = s.counts || {};
    fill(overview.summary,
      h("div", { class: "meeting-name" }, meetingTitle(s)),
      h("p", {}, statusBadge(s.status)),
      h("dl", { class: "stats" },
        stat(t("role.delegate_pl"), c.delegate || 0, "stat-delegates"),
        stat(t("role.chair_pl"), c.chair || 0),
        stat(t("role.secretary_pl"), c.secretary || 0),
        stat(t("role.screen_pl"), c.screen || 0)));
    fill(overview.current, currentItemBlock(s));
    fill(overview.quorum, quorumBlock(s));
    fill(overview.history, historyList(s, { limit: 20 }));
    settings.update(s);
  };
}

function stat(label, value, id) {
  return h("div", { class: "stat", id }, h("dt", {}, label), h("dd", {}, formatNumber(value)));
}

// ---- roster --------------------------------------------------------------------------------

function rosterTab(panel, ctx) {
  const { client, model, token, meeting } = ctx;
  let links = {}; // participant id -> join_url (own, observers and screens: server/api.py)
  const issued = {}; // participant id -> join_url reissued from this page
  let linksFor = -1;
  let loaded = false; // the links of this roster have arrived
  let query = "";
  const search = h("input", { type: "search", id: "roster-search", autocomplete: "off", placeholder: t("roster.search_ph") });
  search.addEventListener("input", () => { query = search.value; renderTable(model.state); });
  const table = h("div", { id: "roster-table" });
  const pairing = devicePairing(ctx);
  const badges = shownBadges(ctx);
  const extraForm = h("div", { class: "btn-row" },
    ...pairing.buttons, badges.button,
    h("button", { type: "button", class: "btn", id: "refresh-links", onclick: () => { linksFor = -1; loadLinks(true); } }, t("roster.refresh_links")));
  const importer = rosterImport(ctx, () => { linksFor = -1; });
  panel.append(
    section(t("roster.import_title"), "sec-import", importer.form, importer.errors),
    section(t("roster.participants"), "sec-participants",
      h("div", { class: "field" }, h("label", { for: "roster-search" }, t("roster.search")), search),
      extraForm, pairing.box, table));

  async function loadLinks(force = false) {
    const count = Object.keys(model.state?.participants || {}).length;
    if (!force && linksFor === count) return;
    linksFor = count;
    loaded = false;
    try {
      const res = await api(`/api/meetings/${encodeURIComponent(meeting)}/participants`, { token });
      links = Object.fromEntries(res.participants.map((p) => [p.id, p.join_url]));
      loaded = true;
      renderTable(model.state);
    } catch (err) {
      linksFor = -1;
      showError(err);
    }
  }

  const reissue = (p) => reissueLink(ctx, p, (url) => { issued[p.id] = url; renderTable(model.state); });

  let drawn = {};
  function renderTable(s) {
    // Until the links have loaded, a row cannot tell "no link for you" from "not yet".
    if (!s) return;
    // Attendance updates (a check-in rush) leave the table as it is: redrawn only when the
    // roster, the search or the links change.
    const now = { key: rosterOrder(s).key, query, links, issued: JSON.stringify(issued), loaded };
    if (Object.keys(now).every((k) => now[k] === drawn[k])) return;
    drawn = now;
    fill(table, ...participantsTable(s, query, { ...links, ...issued }, loaded ? reissue : null));
    badges.update(sortedParticipants(s, query).filter((p) => p.role !== "screen").map((p) => p.id), fold(query) !== "");
  }

  return (s) => { renderTable(s); loadLinks(); };
}

// Staff do not read a delegate's (or a colleague's) link: the desk issues a new one, which
// revokes the one before, and it is shown on this page only, for its life.
async function reissueLink({ meeting, token }, p, onIssued) {
  if (!window.confirm(t("roster.reissue_confirm", { name: p.full_name }))) return;
  try {
    const res = await api(`/api/meetings/${encodeURIComponent(meeting)}/participants/${encodeURIComponent(p.id)}/reissue`, { token, method: "POST" });
    onIssued(res.join_url);
    toast(t("roster.reissued", { name: p.full_name }), "ok");
  } catch (err) {
    showError(err);
  }
}

function sortedParticipants(s, q) {
  const f = fold(q);
  const { entries } = rosterOrder(s);
  return (f ? entries.filter((e) => e.folded.includes(f)) : entries).map((e) => e.p);
}

function participantsTable(s, query, links, reissue) {
  const rows = sortedParticipants(s, query);
  const total = Object.keys(s.participants || {}).length;
  const shown = rows.slice(0, PAGE);
  return [
    h("p", { class: "muted", id: "roster-count" }, t("roster.count", { shown: formatNumber(shown.length), n: formatNumber(rows.length), total: formatNumber(total) })),
    h("div", { class: "table-wrap" }, h("table", { class: "table", id: "participants" },
      h("caption", { class: "sr-only" }, t("roster.participants")),
      h("thead", {}, h("tr", {},
        ["roster.code", "roster.name", "roster.delegation", "roster.seat", "roster.role", "roster.link"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, shown.map((p) => participantRow(p, links[p.id], reissue))))),
  ];
}

function participantRow(p, url, reissue) {
  return h("tr", { "data-id": p.id, "data-role": p.role },
    h("td", { class: "mono" }, p.id),
    h("td", {}, p.full_name, p.title ? h("div", { class: "muted small" }, p.title) : null),
    h("td", {}, p.delegation),
    h("td", {}, p.seat),
    h("td", {}, tv("role", p.role)),
    h("td", { class: "nowrap" }, url ? [
      h("a", { href: url, class: "join-link", target: "_blank", rel: "noopener", "data-id": p.id, "aria-label": t("roster.open_link_for", { name: p.full_name }) }, t("roster.open_link")),
      " ",
      h("button", { type: "button", class: "btn btn-sm", "aria-label": t("roster.copy_for", { name: p.full_name }),
        onclick: () => copy(url) }, t("roster.copy")),
    ] : reissue ? h("button", { type: "button", class: "btn btn-sm reissue", "data-id": p.id,
      "aria-label": t("roster.reissue_for", { name: p.full_name }), onclick: () => reissue(p) },
    t("roster.reissue")) : h("span", { class: "muted" }, "…")));
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t("roster.copied"), "ok");
  } catch {
    window.prompt(t("roster.copy"), text);
  }
}

// ---- check-in desk -------------------------------------------------------------------------

function deskTab(panel, ctx) {
  let deskQuery = "";
  const deskSearch = h("input", { type: "search", id: "desk-search", autocomplete: "off", placeholder: t("desk.search_ph") });
  deskSearch.addEventListener("input", () => { deskQuery = deskSearch.value; renderDesk(ctx.model.state); });
  const deskResults = h("div", { id: "desk-results" });
  const deskScan = scanForm(ctx, "desk");
  const proxySlot = h("div", { id: "secretary-proxies" });
  panel.append(
    section(t("desk.scan_title"), "sec-desk-scan", deskScan.form, deskScan.result),
    section(t("desk.title"), "sec-desk",
      h("div", { class: "field" }, h("label", { for: "desk-search" }, t("desk.search")), deskSearch),
      deskResults),
    section(t("proxy.title"), "sec-proxies", proxySlot));

  function renderDesk(s) {
    if (!s) return;
    if (!deskQuery.trim()) {
      fill(deskResults, h("p", { class: "muted" }, t("desk.type_to_search")), attendanceSummary(ctx));
      return;
    }
    const rows = sortedParticipants(s, deskQuery).filter((p) => p.role !== "screen").slice(0, 30);
    fill(deskResults, rows.length ? h("ul", { class: "desk-list" }, rows.map((p) => deskRow(p, ctx))) :
      h("p", { class: "muted" }, t("desk.no_match")));
  }

  return (s) => { renderDesk(s); proxyPanel(proxySlot, ctx); };
}

// ---- downloads -----------------------------------------------------------------------------

const DOWNLOADS = [
  ["minutes.docx", "downloads.minutes_docx"], ["minutes.pdf", "downloads.minutes_pdf"],
  ["minutes.md", "downloads.minutes_md"], ["minutes.json", "downloads.minutes_json"],
  ["attendance.csv", "downloads.attendance_csv"], ["attendance.xlsx", "downloads.attendance_xlsx"],
  ["results.csv", "downloads.results_csv"], ["results.xlsx", "downloads.results_xlsx"],
  ["badges.pdf", "downloads.badges_pdf"], ["log.json", "downloads.log_json"],
];

function downloadsSection({ meeting, token }) {
  return section(t("downloads.title"), "sec-downloads",
    h("p", { class: "muted" }, t("downloads.intro")),
    h("ul", { class: "download-list" }, DOWNLOADS.map(([file, key]) => h("li", {},
      h("button", { type: "button", class: "btn", "data-file": file, id: `dl-${file.replace(".", "-")}`,
        onclick: async (e) => {
          const btn = e.currentTarget;
          btn.disabled = true;
          try {
            await download(`/api/meetings/${encodeURIComponent(meeting)}/${file}`, `${meeting}-${file}`, token);
          } catch (err) {
            toast(err.status === 404 ? t("downloads.not_available") : errorText(err), "error");
          } finally {
            btn.disabled = false;
          }
        } }, t(key))))));
}
