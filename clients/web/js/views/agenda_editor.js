// The secretary's agenda editor (rooms/agenda.py through the command pipeline): items and
// sub-items added, edited, reordered by dragging or from the keyboard (the ↑ ↓ buttons, or
// Alt+↑ / Alt+↓ on a row), removed; each item's documents and prepared polls (item_detail.js).

import { h, fill } from "../dom.js";
import { t, tv, formatNumber } from "../i18n.js";
import { findItem } from "../model.js";
import { run, section, confirmDialog, itemNumber } from "./common.js";
import { itemDetail, KINDS } from "./item_detail.js";
import { definitionImport } from "./definition_into.js";

export function agendaTab(panel, ctx) {
  const state = { selected: null, focus: null, dragged: null, signature: "" };
  const list = h("div", { id: "agenda-editor" });
  const detail = itemDetail(ctx);
  const adding = addForm(ctx);
  panel.append(
    h("div", { class: "grid-2 agenda-prep" },
      section(t("prep.agenda_title"), "sec-agenda",
        h("p", { class: "hint" }, t("prep.agenda_hint")), list, adding.el),
      section(t("prep.item_title"), "sec-agenda-item", detail.el)),
    section(t("prep.definition_title"), "sec-definition", definitionImport(ctx)));

  const select = (id) => {
    state.selected = id;
    render(ctx.model.state);
    detail.el.querySelector("input")?.focus();
  };
  const hooks = { state, ctx, select, move: (id, parent, by, fromRow) => move(ctx, state, id, parent, by, fromRow) };

  function render(s) {
    const items = s.agenda?.items || [];
    const signature = JSON.stringify([items, s.agenda?.current, state.selected,
      (s.polls || []).map((p) => [p.poll, p.agenda_item, p.status])]);
    if (signature !== state.signature) {
      state.signature = signature;
      fill(list, items.length
        ? itemList(s, items, undefined, hooks)
        : h("p", { class: "muted", id: "agenda-empty" }, t("prep.agenda_empty")));
      refocus(list, state);
      adding.update(s, items);
    }
    detail.update(s, state.selected ? findItem(s, state.selected) : null);
  }
  return render;
}

function itemList(s, items, parent, hooks) {
  return h("ol", { class: "agenda-edit-list", "data-parent": parent || "" },
    items.map((item, index) => itemRow(s, item, index, items, parent, hooks)));
}

function itemRow(s, item, index, siblings, parent, hooks) {
  const { state, ctx, select } = hooks;
  const polls = (s.polls || []).filter((p) => p.agenda_item === item.id && p.status === "draft").length;
  const docs = (item.documents || []).length;
  const n = itemNumber(s, item.id);
  const btn = (action, label, aria, onclick, extra = {}) => h("button", {
    type: "button", class: "btn btn-sm", "data-action": action, "aria-label": aria, onclick, ...extra }, label);
  const row = h("li", {
    class: `agenda-edit-row${state.selected === item.id ? " selected" : ""}${s.agenda?.current === item.id ? " current" : ""}`,
    "data-id": item.id, draggable: "true", tabindex: "0",
    "aria-label": t("prep.row_label", { n, title: item.title }),
  },
  h("div", { class: "agenda-edit-line" },
    h("span", { class: "drag-handle", "aria-hidden": "true" }, "⋮⋮"),
    h("span", { class: "agenda-edit-num" }, n),
    h("span", { class: "agenda-edit-title" }, item.title),
    h("span", { class: "pill" }, tv("agenda.kind", item.kind)),
    item.minutes ? h("span", { class: "muted small" }, t("prep.minutes_short", { n: formatNumber(item.minutes) })) : null,
    docs ? h("span", { class: "pill", "data-count": "documents" }, t("prep.documents_n", { n: docs })) : null,
    polls ? h("span", { class: "pill pill-warn", "data-count": "polls" }, t("prep.polls_n", { n: polls })) : null,
    h("span", { class: "btn-row agenda-edit-actions" },
      btn("up", "↑", t("prep.move_up", { title: item.title }), () => hooks.move(item.id, parent, -1), { disabled: index === 0 }),
      btn("down", "↓", t("prep.move_down", { title: item.title }), () => hooks.move(item.id, parent, 1), { disabled: index === siblings.length - 1 }),
      btn("edit", t("prep.edit"), t("prep.edit_for", { title: item.title }), () => select(item.id)),
      btn("delete", t("prep.delete"), t("prep.delete_for", { title: item.title }), () => remove(ctx, state, item)))),
  item.items?.length ? itemList(s, item.items, item.id, hooks) : null);
  row.addEventListener("keydown", (e) => {
    if (e.target !== row || !e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
    e.preventDefault();
    hooks.move(item.id, parent, e.key === "ArrowUp" ? -1 : 1, true);
  });
  dragging(row, item, parent, siblings, hooks);
  return row;
}

/** Drag a row onto a sibling: it takes that sibling's place (sub-items stay under their item). */
function dragging(row, item, parent, siblings, { state, ctx }) {
  row.addEventListener("dragstart", (e) => {
    e.stopPropagation();
    state.dragged = { id: item.id, parent };
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", item.id);
  });
  row.addEventListener("dragover", (e) => {
    if (state.dragged?.parent !== parent || state.dragged.id === item.id) return;
    e.preventDefault();
    e.stopPropagation();
    row.classList.add("drop-target");
  });
  row.addEventListener("dragleave", () => row.classList.remove("drop-target"));
  row.addEventListener("drop", (e) => {
    row.classList.remove("drop-target");
    const from = state.dragged;
    state.dragged = null;
    if (from?.parent !== parent || from.id === item.id) return;
    e.preventDefault();
    e.stopPropagation();
    const order = siblings.map((i) => i.id).filter((id) => id !== from.id);
    order.splice(siblings.findIndex((i) => i.id === item.id), 0, from.id);
    reorder(ctx, parent, order);
  });
  row.addEventListener("dragend", () => { state.dragged = null; });
}

function move(ctx, state, id, parent, by, fromRow = false) {
  const s = ctx.model.state;
  const siblings = parent ? findItem(s, parent)?.items || [] : s.agenda?.items || [];
  const order = siblings.map((i) => i.id);
  const at = order.indexOf(id);
  const to = at + by;
  if (at < 0 || to < 0 || to >= order.length) return;
  order.splice(at, 1);
  order.splice(to, 0, id);
  // Keep the keyboard where it was: on the row, or on the same button of the moved row.
  state.focus = { id, action: fromRow ? null : by < 0 ? "up" : "down" };
  reorder(ctx, parent, order);
}

function reorder(ctx, parent, order) {
  const body = { order };
  if (parent) body.parent = parent;
  return run(ctx.client, "agenda.reorder", body);
}

function refocus(list, state) {
  if (!state.focus) return;
  const row = list.querySelector(`li[data-id="${CSS.escape(state.focus.id)}"]`);
  const button = state.focus.action && row?.querySelector(`:scope > .agenda-edit-line [data-action="${state.focus.action}"]`);
  (button && !button.disabled ? button : row)?.focus();
  state.focus = null;
}

async function remove(ctx, state, item) {
  const ok = await confirmDialog({ title: t("prep.delete_title"), text: item.title, ok: t("prep.delete"), danger: true });
  if (!ok) return;
  const ack = await run(ctx.client, "agenda.remove", { id: item.id }, { ok: t("prep.deleted") });
  if (ack && state.selected === item.id) state.selected = null;
}

/** The form that adds an item at the end of the agenda, or a sub-item at the end of one. */
function addForm(ctx) {
  const title = h("input", { type: "text", id: "agenda-new-title", maxlength: "500", required: true });
  const kind = h("select", { id: "agenda-new-kind", class: "field-input" }, KINDS.map((k) => h("option", { value: k }, tv("agenda.kind", k))));
  const minutes = h("input", { type: "number", id: "agenda-new-minutes", min: "0", max: "1440", value: "10", inputmode: "numeric" });
  // Sub-items go one level deep (rooms/agenda.py): the choice is a top-level item or none.
  const parent = h("select", { id: "agenda-new-parent", class: "field-input" });
  const el = h("form", { class: "form-row", id: "agenda-add-form" },
    h("div", { class: "field" }, h("label", { for: "agenda-new-title" }, t("prep.item_name")), title),
    h("div", { class: "field" }, h("label", { for: "agenda-new-kind" }, t("prep.kind")), kind),
    h("div", { class: "field" }, h("label", { for: "agenda-new-minutes" }, t("prep.minutes")), minutes),
    h("div", { class: "field" }, h("label", { for: "agenda-new-parent" }, t("prep.parent")), parent),
    h("button", { type: "submit", class: "btn btn-primary", id: "agenda-add" }, t("prep.add")));
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    const item = { title: title.value.trim(), kind: kind.value, minutes: parseInt(minutes.value, 10) || 0 };
    if (!item.title) { title.focus(); return; }
    const body = { item };
    if (parent.value) body.parent = parent.value;
    const ack = await run(ctx.client, "agenda.add", body, { ok: t("prep.added") });
    if (ack) { title.value = ""; title.focus(); }
  });
  function update(s, items) {
    const chosen = parent.value;
    fill(parent, h("option", { value: "" }, t("prep.top_level")),
      items.map((item) => h("option", { value: item.id, selected: item.id === chosen },
        t("prep.row_label", { n: itemNumber(s, item.id), title: item.title }))));
  }
  return { el, update };
}
