// Documents and follow-the-chair (rooms/documents.py): published and draft versions and the
// presented page folded into the model, the chair's presenting list with its preview of the hall
// screen, the presented page as the hall screen draws it, and the secretary's upload.
// The delegate's reader, with the PDF viewer, is documentreader.js.

import { h, fill, toast } from "../dom.js";
import { t } from "../i18n.js";
import { reducer } from "../model.js";
import { run, showError } from "./common.js";
import { api } from "../api.js";
import { Viewer, versionUrl } from "../pdfview.js";

reducer("document.published", (s, b) => upsertDoc(s, b, true));
reducer("document.drafted", (s, b) => upsertDoc(s, b, false));
reducer("floor.followed", (s, b, ev) => { s.follow = { document: b.document, version: b.version, page: b.page, at: ev.at }; });
reducer("floor.unfollowed", (s) => { s.follow = null; });

function upsertDoc(s, b, released) {
  s.documents ||= [];
  let doc = s.documents.find((d) => d.id === b.id);
  if (!doc) {
    doc = { id: b.id, title: b.title, item: b.item, versions: [] };
    s.documents.push(doc);
  }
  doc.title = b.title;
  doc.item = b.item;
  const v = { version: b.version, sha256: b.sha256, size: b.size, mime: b.mime, filename: b.filename, pages: b.pages, released };
  const i = doc.versions.findIndex((x) => x.version === b.version);
  if (i >= 0) doc.versions[i] = { ...doc.versions[i], ...v };
  else doc.versions.push(v);
}

export function docVersion(doc, n) {
  const list = doc.versions || [];
  return (n ? list.find((v) => (v.version ?? v.n) === n) : null) || list[list.length - 1] || null;
}

function docTitle(s, id) {
  return (s.documents || []).find((d) => d.id === id)?.title || id;
}

export function chairDocuments(slot, ctx) {
  const s = ctx.model.state;
  const docs = s.documents || [];
  const f = s.follow;
  const c = ctx.client;
  if (!docs.length) {
    fill(slot, h("p", { class: "muted" }, t("documents.none")));
    return;
  }
  const present = (doc, version, page) => run(c, "floor.follow", { document: doc, version, page });
  const preview = chairPreview(slot, ctx, f);
  fill(slot,
    f ? h("div", { class: "notice", id: "presenting" },
      t("documents.presenting", { title: docTitle(s, f.document), page: f.page }),
      preview,
      h("div", { class: "btn-row" },
        h("button", { type: "button", class: "btn btn-sm", id: "present-prev", disabled: f.page <= 1, onclick: () => present(f.document, f.version, f.page - 1) }, t("documents.prev")),
        h("button", { type: "button", class: "btn btn-sm btn-primary", id: "present-next", onclick: () => present(f.document, f.version, f.page + 1) }, t("documents.next")),
        h("button", { type: "button", class: "btn btn-sm", id: "present-stop", onclick: () => run(c, "floor.unfollow", {}) }, t("documents.stop")))) : null,
    h("ul", { class: "doc-list" }, docs.map((d) => {
      const ver = docVersion(d);
      const released = ver && ver.released !== false;
      return h("li", { "data-doc": d.id },
        h("span", { class: "doc-name" }, d.title), " ",
        released ? null : h("span", { class: "pill pill-warn" }, t("documents.draft")), " ",
        released ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("documents.present_title", { title: d.title }),
          onclick: () => present(d.id, ver.version ?? ver.n, 1) }, t("documents.present")) :
          h("button", { type: "button", class: "btn btn-sm", onclick: () => run(c, "document.release", { id: d.id }) }, t("documents.release")));
    })));
}

// ---- the presented page: on the hall screen and in the chair's preview -----------------------

/**
 * Draws the page the chair presents (``s.follow``) into ``box``, whole inside it (pdf.js,
 * fit "page"). ``show(follow)`` draws only when the page or the box's size changed, so the
 * updates a quorum or a timer brings cost nothing; ``redraw()`` after a resize; ``clear()``.
 */
export function presentedPage(box, ctx, { fit = "page" } = {}) {
  const viewer = new Viewer(box, { token: ctx.token, label: t("documents.page_image"), fit });
  let current = null;
  let drawn = "";
  const draw = () => {
    if (!current || !box.isConnected) return;
    const key = `${current.document}@${current.version}#${current.page}:${box.clientWidth}x${box.clientHeight}`;
    if (key === drawn) return;
    drawn = key;
    const doc = (ctx.model.state?.documents || []).find((d) => d.id === current.document);
    box.dataset.doc = current.document;
    box.dataset.page = String(current.page);
    viewer.show(versionUrl(ctx.meeting, current.document, current.version), docVersion(doc || {}, current.version)?.mime, current.page)
      .catch(() => { drawn = ""; }); // offline or refused: the next update tries again
  };
  return {
    show(follow) { current = follow; draw(); },
    redraw: draw,
    clear() {
      if (!current) return;
      current = null;
      drawn = "";
      box.replaceChildren();
      delete box.dataset.page;
    },
    /** The document's title and "page n / N", for above the page. */
    caption(follow = current) {
      const s = ctx.model.state;
      const doc = (s?.documents || []).find((d) => d.id === follow?.document);
      const pages = doc ? docVersion(doc, follow.version)?.pages : null;
      return h("div", { class: "screen-doc-caption", id: "screen-doc-caption" },
        h("span", { class: "eyebrow" }, t("documents.on_screen")), " ",
        h("span", { class: "screen-doc-title" }, docTitle(s, follow?.document)),
        pages ? h("span", { class: "muted" }, " · ", t("documents.page_of", { page: follow.page, pages })) : null);
    },
  };
}

const previews = new WeakMap();

/** The chair's small copy of what the hall screen shows: the presented page. */
function chairPreview(slot, ctx, follow) {
  let p = previews.get(slot);
  if (!p) {
    const box = h("div", { class: "present-preview-box", id: "present-preview-box" });
    p = { box, page: presentedPage(box, ctx, { fit: "page" }),
      el: h("figure", { class: "present-preview", id: "present-preview" },
        h("figcaption", { class: "small muted" }, t("documents.preview")), box) };
    previews.set(slot, p);
  }
  if (!follow) {
    p.page.clear();
    return null;
  }
  // Drawn once the figure is in the page (its box has a size then).
  queueMicrotask(() => p.page.show(follow));
  return p.el;
}

export function documentUpload(ctx) {
  const file = h("input", { type: "file", id: "doc-file", accept: "application/pdf,image/*" });
  const title = h("input", { type: "text", id: "doc-title-input", maxlength: "500" });
  const draft = h("input", { type: "checkbox", id: "doc-draft" });
  const form = h("form", { class: "form-row", id: "doc-upload" },
    h("div", { class: "field" }, h("label", { for: "doc-file" }, t("documents.file")), file),
    h("div", { class: "field" }, h("label", { for: "doc-title-input" }, t("documents.title_label")), title),
    h("div", { class: "field check" }, h("label", { for: "doc-draft" }, draft, " ", t("documents.as_draft"))),
    h("button", { type: "submit", class: "btn btn-primary", id: "doc-upload-btn" }, t("documents.upload")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) {
      // Said, not silently ignored: the button looked as if it did nothing.
      toast(t("documents.choose_file"), "error");
      file.focus();
      return;
    }
    const params = new URLSearchParams({ filename: f.name, title: title.value.trim() || f.name });
    if (draft.checked) params.set("draft", "1");
    const item = ctx.model.state?.agenda?.current;
    if (item) params.set("item", item);
    try {
      await api(`/api/meetings/${encodeURIComponent(ctx.meeting)}/documents?${params}`, { token: ctx.token, method: "POST", body: f, type: f.type || "application/octet-stream" });
      toast(t("documents.uploaded"), "ok");
      file.value = "";
      title.value = "";
    } catch (err) {
      showError(err);
    }
  });
  return form;
}
