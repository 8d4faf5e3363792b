// A definition file (docs/definition.md) imported into this meeting from the secretary's desk,
// before it opens (server/definition_into_meeting.py): its agenda replaces the meeting's; its
// documents, prepared polls, quorum and settings are added. Refused once the meeting has started.

import { h, fill, toast } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { errorText, confirmDialog } from "./common.js";

export function definitionImport(ctx) {
  const file = h("input", { type: "file", id: "definition-file", accept: ".toml,.json,application/toml,application/json" });
  const result = h("div", { id: "definition-result", "aria-live": "polite" });
  const form = h("form", { class: "form-row", id: "definition-form" },
    h("div", { class: "field" }, h("label", { for: "definition-file" }, t("prep.definition_file")), file,
      h("p", { class: "hint" }, t("prep.definition_hint"))),
    h("button", { type: "submit", class: "btn btn-primary", id: "definition-import" }, t("prep.definition_import")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) { toast(t("prep.choose_file"), "error"); return; }
    if (ctx.model.state?.agenda?.items?.length && !(await confirmDialog({
      title: t("prep.definition_import"), text: t("prep.definition_replace"), ok: t("prep.definition_import"), danger: true }))) return;
    fill(result);
    const json = /\.json$/i.test(f.name);
    try {
      const res = await api(`/api/meetings/${encodeURIComponent(ctx.meeting)}/definition?format=${json ? "json" : "toml"}`,
        { token: ctx.token, method: "POST", body: f, type: json ? "application/json" : "application/toml" });
      const text = t("prep.definition_done", { items: res.agenda_items, documents: res.documents, polls: res.polls });
      fill(result, h("p", { class: "notice notice-ok", id: "definition-ok" }, text));
      toast(text, "ok");
      file.value = "";
    } catch (err) {
      const fields = err.details?.errors || [];
      // Once the meeting has opened the import is refused: say so in the desk's language.
      const text = err.status === 409 && err.code === "invalid_state" ? `${t("prep.definition_started")} (${err.message})` : errorText(err);
      fill(result, h("p", { class: "notice notice-error", role: "alert", id: "definition-error" }, text),
        fields.length ? h("ul", { class: "error-list" }, fields.map((x) => h("li", {}, h("code", {}, x.field), " ", x.message))) : null);
    }
  });
  return h("div", {}, form, result);
}
