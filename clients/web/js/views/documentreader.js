// The delegate's document reader: follows the page the chair presents (or pages on its own),
// keeps every released version on the tablet for offline reading (pdfview.js, offline.js).

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";
import { showError } from "./common.js";
import { Viewer, versionUrl, preload, latestReleased, stepZoom } from "../pdfview.js";
import { docVersion } from "./documents.js";

const viewers = new WeakMap();

function buildReader(slot, ctx) {
  const follow = h("input", { type: "checkbox", id: "doc-follow", checked: true });
  const pageLabel = h("span", { class: "doc-page", id: "doc-page", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "btn btn-sm", id: "doc-prev", "aria-label": t("documents.prev") }, "‹");
  const next = h("button", { type: "button", class: "btn btn-sm", id: "doc-next", "aria-label": t("documents.next") }, "›");
  const list = h("ul", { class: "doc-list", id: "doc-list" });
  // Focusable: a zoomed page scrolls inside it, and the keyboard must be able to scroll too.
  const canvasBox = h("div", { class: "doc-viewer", id: "doc-viewer", role: "region", "aria-label": t("documents.title"), tabindex: "0", hidden: true });
  const titleEl = h("div", { class: "doc-title", id: "doc-title" });
  const bar = h("div", { class: "doc-bar", hidden: true },
    h("label", { for: "doc-follow", class: "check" }, follow, " ", t("documents.follow")),
    h("span", { class: "spacer" }), prev, pageLabel, next);
  const offline = h("p", { class: "doc-offline muted small", id: "doc-offline", "aria-live": "polite" });
  const v = { follow, pageLabel, list, canvasBox, bar, titleEl, offline, shelf: "", current: null, viewer: new Viewer(canvasBox, { token: ctx.token, label: t("documents.page_image") }) };
  v.reader = h("div", { class: "doc-reader", id: "doc-reader" }, titleEl, bar, zoomBar(v), canvasBox);
  v.viewer.enablePinch();
  viewers.set(slot, v);
  const turn = (delta) => {
    follow.checked = false; // turning pages yourself leaves follow mode
    open(v, ctx, v.current?.doc, v.current?.version, (v.current?.page || 1) + delta);
  };
  prev.addEventListener("click", () => turn(-1));
  next.addEventListener("click", () => turn(1));
  follow.addEventListener("change", () => { if (follow.checked) delegateDocuments(slot, ctx); });
  fill(slot, v.list, v.offline, v.reader);
  return v;
}

export function delegateDocuments(slot, ctx) {
  const s = ctx.model.state;
  const docs = s.documents || [];
  let v = viewers.get(slot);
  if (!v) v = buildReader(slot, ctx);
  // Keep every released version on the tablet: again whenever the documents change, and when
  // the link comes back (a preload that ran offline stored nothing).
  const shelf = docs.map((d) => `${d.id}@${latestReleased(d)?.version ?? ""}`).join(",");
  if ((shelf !== v.shelf || (v.retryAt && Date.now() > v.retryAt)) && ctx.client.ready) {
    v.shelf = shelf;
    v.retryAt = 0;
    const gen = (v.gen = (v.gen || 0) + 1);
    const show = (st) => {
      if (gen !== v.gen) return; // a newer preload reports instead
      v.offline.dataset.total = String(st.total);
      v.offline.dataset.stored = String(st.stored);
      if (st.done) v.offline.dataset.done = "1";
      else delete v.offline.dataset.done;
      v.offline.textContent = !st.total ? "" : st.stored >= st.total
        ? t("documents.offline_ready", { n: st.total })
        : t("documents.offline_saving", { n: st.stored, total: st.total });
    };
    preload(ctx.meeting, docs, ctx.token, show).then((st) => {
      if (gen === v.gen && st.stored < st.total) v.retryAt = Date.now() + 30000; // try the rest later
    });
  }
  fill(v.list, docs.length ? docs.map((d) => h("li", { "data-doc": d.id },
    h("span", { class: "doc-name" }, d.title), " ",
    h("span", { class: "muted small" }, docVersion(d)?.pages ? t("documents.pages", { n: docVersion(d).pages }) : ""), " ",
    h("button", { type: "button", class: "btn btn-sm", "aria-label": t("documents.read_title", { title: d.title }),
      onclick: () => { v.follow.checked = false; open(v, ctx, d.id, null, 1); } }, t("documents.read")))) :
    h("li", { class: "muted" }, t("documents.none")));
  const f = s.follow;
  if (v.follow.checked && f && (v.current?.doc !== f.document || v.current?.version !== f.version || v.current?.page !== f.page)) {
    open(v, ctx, f.document, f.version, f.page);
  }
}

async function open(v, ctx, docId, version, page) {
  const s = ctx.model.state;
  const doc = (s.documents || []).find((d) => d.id === docId);
  if (!doc) return;
  const ver = docVersion(doc, version);
  if (!ver) return;
  const n = ver.version ?? ver.n;
  const pages = ver.pages || 1;
  page = Math.max(1, Math.min(pages, page || 1));
  v.current = { doc: docId, version: n, page };
  v.canvasBox.hidden = false;
  v.bar.hidden = false;
  v.zoomBar.hidden = false;
  v.titleEl.textContent = doc.title;
  v.pageLabel.textContent = t("documents.page_of", { page, pages });
  v.canvasBox.dataset.doc = docId;
  v.canvasBox.dataset.page = String(page);
  try {
    await v.viewer.show(versionUrl(ctx.meeting, docId, n), ver.mime, page);
  } catch (err) {
    showError({ code: "network", message: String(err) });
  }
}

// ---- zoom, fit to width and full screen --------------------------------------------------------

function zoomBar(v) {
  // A button with a word on it is named by that word (WCAG 2.5.3); the title says more.
  const button = (id, label, text, onclick, title = label) => h("button", { type: "button", class: "btn btn-sm", id, "aria-label": label, title, onclick }, text);
  const zoomLabel = h("span", { class: "doc-zoom", id: "doc-zoom", "aria-live": "polite" }, "100%");
  v.viewer.onZoom = (zoom) => { zoomLabel.textContent = `${Math.round(zoom * 100)}%`; };
  // A word, not a symbol: the tablets' fonts have no glyph for ⛶.
  const full = button("doc-fullscreen", t("documents.fullscreen"), t("documents.fullscreen"), () => toggleFullscreen(v));
  v.fullButton = full;
  v.zoomBar = h("div", { class: "doc-bar doc-zoom-bar", hidden: true },
    button("doc-zoom-out", t("documents.zoom_out"), "−", () => v.viewer.setZoom(stepZoom(v.viewer.zoom, -1))),
    zoomLabel,
    button("doc-zoom-in", t("documents.zoom_in"), "+", () => v.viewer.setZoom(stepZoom(v.viewer.zoom, 1))),
    button("doc-fit-width", t("documents.fit_width_short"), t("documents.fit_width_short"), () => v.viewer.setZoom(1), t("documents.fit_width")),
    h("span", { class: "spacer" }), full);
  // The width to fit changes with the window, the phone's rotation and full screen.
  let pending = 0;
  const redraw = () => {
    clearTimeout(pending);
    pending = setTimeout(() => { if (v.reader.isConnected && v.current) v.viewer.render(v.viewer.page); }, 150);
  };
  window.addEventListener("resize", redraw);
  document.addEventListener("fullscreenchange", () => { syncFullscreen(v); redraw(); });
  return v.zoomBar;
}

function isFull(v) {
  return document.fullscreenElement === v.reader || v.reader.classList.contains("is-fullscreen");
}

/** The reader alone on the screen: the Fullscreen API where the browser has it for elements,
 * else (a phone's browser without it) the reader laid over the page. */
async function toggleFullscreen(v) {
  if (document.fullscreenElement === v.reader) {
    await document.exitFullscreen().catch(() => {});
    return;
  }
  if (v.reader.classList.contains("is-fullscreen")) {
    v.reader.classList.remove("is-fullscreen");
  } else if (document.fullscreenEnabled && v.reader.requestFullscreen) {
    try {
      await v.reader.requestFullscreen();
      return;
    } catch {
      v.reader.classList.add("is-fullscreen");
    }
  } else {
    v.reader.classList.add("is-fullscreen");
  }
  syncFullscreen(v);
  v.viewer.render(v.viewer.page);
}

function syncFullscreen(v) {
  const full = isFull(v);
  const label = t(full ? "documents.fullscreen_exit" : "documents.fullscreen");
  v.fullButton.setAttribute("aria-label", label);
  v.fullButton.textContent = label;
  v.fullButton.title = label;
  v.fullButton.setAttribute("aria-pressed", String(full));
}
