// One agenda item in the secretary's editor: its title, kind, duration and flags (agenda.update),
// the documents attached to it (an upload for the item, or an uploaded document attached by
// reference) and its prepared polls (prepared_polls.js).

import { h, fill, toast } from "../dom.js";
import { t, tv } from "../i18n.js";
import { api } from "../api.js";
import { run, showError } from "./common.js";
import { preparedPolls } from "./prepared_polls.js";

export const KINDS = ["procedural", "report", "discussion", "vote", "election"];

export function itemDetail(ctx) {
  const el = h("div", { id: "item-detail" });
  const head = h("div", {});
  const form = h("div", {});
  const docs = h("div", { id: "item-docs" });
  const polls = preparedPolls(ctx);
  el.append(head, form, docs, polls.el);
  let shown = null;
  let docSignature = "";

  function update(s, item) {
    if (!item) {
      shown = null;
      fill(head, h("p", { class: "muted", id: "item-none" }, t("prep.choose_item")));
      fill(form);
      fill(docs);
      polls.update(s, null);
      return;
    }
    if (shown !== item.id) {
      shown = item.id;
      docSignature = "";
      fill(head, h("h3", { id: "item-heading" }, item.title));
      fill(form, editForm(ctx, item));
    }
    const signature = JSON.stringify([item.documents, (s.documents || []).map((d) => [d.id, d.title, d.item])]);
    if (signature !== docSignature) {
      docSignature = signature;
      fill(docs, ...documentsBlock(ctx, s, item));
    }
    polls.update(s, item);
  }
  return { el, update };
}

function editForm(ctx, item) {
  const title = h("input", { type: "text", id: "item-title", maxlength: "500", value: item.title });
  const kind = h("select", { id: "item-kind", class: "field-input" }, KINDS.map((k) => h("option", { value: k, selected: k === item.kind }, tv("agenda.kind", k))));
  const minutes = h("input", { type: "number", id: "item-minutes", min: "0", max: "1440", value: String(item.minutes || 0), inputmode: "numeric" });
  const feedback = h("input", { type: "checkbox", id: "item-feedback", checked: !!item.feedback });
  const form = h("form", { class: "item-form", id: "item-form" },
    h("div", { class: "field" }, h("label", { for: "item-title" }, t("prep.item_name")), title),
    h("div", { class: "form-row" },
      h("div", { class: "field" }, h("label", { for: "item-kind" }, t("prep.kind")), kind),
      h("div", { class: "field" }, h("label", { for: "item-minutes" }, t("prep.minutes")), minutes),
      h("div", { class: "field check" }, h("label", { for: "item-feedback" }, feedback, " ", t("prep.feedback")))),
    h("button", { type: "submit", class: "btn btn-primary", id: "item-save" }, t("prep.save")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { id: item.id, title: title.value.trim(), kind: kind.value,
      minutes: parseInt(minutes.value, 10) || 0, feedback: feedback.checked };
    if (!body.title) { title.focus(); return; }
    await run(ctx.client, "agenda.update", body, { ok: t("prep.saved") });
  });
  return form;
}

/** The item's documents: those it names (agenda.update documents) and those uploaded for it. */
function documentsBlock(ctx, s, item) {
  const all = s.documents || [];
  const refs = item.documents || [];
  const attached = all.filter((d) => refs.includes(d.id) || refs.includes(d.title) || d.item === item.id);
  const loose = all.filter((d) => !attached.includes(d));
  const setRefs = (list) => run(ctx.client, "agenda.update", { id: item.id, documents: list }, { ok: t("prep.saved") });
  const pick = h("select", { id: "item-doc-select", class: "field-input" }, loose.map((d) => h("option", { value: d.id }, d.title)));
  const file = h("input", { type: "file", id: "item-doc-file", accept: "application/pdf,image/*" });
  return [
    h("h4", {}, t("prep.documents")),
    attached.length ? h("ul", { class: "doc-list", id: "item-doc-list" }, attached.map((d) => h("li", { "data-doc": d.id },
      h("span", { class: "doc-name" }, d.title), " ",
      refs.includes(d.id) ? h("button", { type: "button", class: "btn btn-sm", "aria-label": t("prep.detach_for", { title: d.title }),
        onclick: () => setRefs(refs.filter((r) => r !== d.id)) }, t("prep.detach")) : null)))
      : h("p", { class: "muted" }, t("prep.no_documents")),
    loose.length ? h("div", { class: "form-row" },
      h("div", { class: "field" }, h("label", { for: "item-doc-select" }, t("prep.attach_existing")), pick),
      h("button", { type: "button", class: "btn", id: "item-doc-attach", onclick: () => setRefs([...refs, pick.value]) }, t("prep.attach"))) : null,
    h("form", { class: "form-row", id: "item-doc-upload" },
      h("div", { class: "field" }, h("label", { for: "item-doc-file" }, t("prep.upload_for_item")), file),
      h("button", { type: "submit", class: "btn", id: "item-doc-upload-btn", onclick: (e) => { e.preventDefault(); upload(ctx, item, file, refs); } }, t("documents.upload"))),
  ];
}

async function upload(ctx, item, file, refs) {
  const f = file.files?.[0];
  if (!f) { toast(t("prep.choose_file"), "error"); return; }
  const params = new URLSearchParams({ filename: f.name, title: f.name.replace(/\.[^.]+$/, ""), item: item.id });
  try {
    const res = await api(`/api/meetings/${encodeURIComponent(ctx.meeting)}/documents?${params}`,
      { token: ctx.token, method: "POST", body: f, type: f.type || "application/octet-stream" });
    file.value = "";
    await run(ctx.client, "agenda.update", { id: item.id, documents: [...refs, res.document.id] }, { ok: t("documents.uploaded") });
  } catch (err) {
    showError(err);
  }
}
