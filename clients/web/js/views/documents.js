// Documents and follow-the-chair (rooms/documents.py): published and draft versions and the
// presented page folded into the model, the chair's presenting list and the secretary's upload.
// The delegate's reader, with the PDF viewer, is documentreader.js.

import { h, fill, toast } from "../dom.js";
import { t } from "../i18n.js";
import { reducer } from "../model.js";
import { run, showError } from "./common.js";
import { api } from "../api.js";

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
  fill(slot,
    f ? h("div", { class: "notice", id: "presenting" },
      t("documents.presenting", { title: docTitle(s, f.document), page: f.page }),
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
    if (!f) return;
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
