// "Ký biên bản / Sign the minutes": once the meeting is closed, the chair and the secretary
// each upload their own .p12 key file and its password; the server signs the final minutes
// (POST /api/meetings/{id}/minutes/sign) and keeps the signed PDF for the other to sign next.
// The key file goes to the server for this one request and is not kept (docs/security.md).

import { h, fill, toast } from "../dom.js";
import { t } from "../i18n.js";
import { download } from "../api.js";
import { section, errorText } from "./common.js";

const ROLE_KEYS = { chair: "signing.by_chair", secretary: "signing.by_secretary" };

export function signingPanel({ meeting, token }) {
  const base = `/api/meetings/${encodeURIComponent(meeting)}`;
  const file = h("input", { type: "file", id: "sign-p12", accept: ".p12,.pfx,application/x-pkcs12" });
  const password = h("input", { type: "password", id: "sign-password", autocomplete: "off" });
  const state = h("p", { id: "sign-status", class: "muted", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "sign-submit" }, t("signing.submit"));
  const fetchSigned = h("button", {
    type: "button", class: "btn", id: "sign-download", hidden: true,
    onclick: () => download(`${base}/minutes.signed.pdf`, `${meeting}-bien-ban-da-ky.pdf`, token)
      .catch((err) => toast(errorText(err), "error")),
  }, t("signing.download"));
  const form = h("form", {
    id: "sign-form",
    onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files.length) { toast(t("signing.choose_file"), "error"); return; }
      submit.disabled = true;
      try {
        const body = new FormData();
        body.append("p12", file.files[0]);
        body.append("password", password.value);
        const done = await post(`${base}/minutes/sign`, body, token);
        password.value = "";
        show(done.signed_by);
        toast(t("signing.done"), "ok");
      } catch (err) {
        toast(errorText(err), "error", 8000);
      } finally {
        submit.disabled = false;
      }
    },
  },
  h("div", { class: "field" }, h("label", { for: "sign-p12" }, t("signing.file")), file),
  h("div", { class: "field" }, h("label", { for: "sign-password" }, t("signing.password")), password),
  submit);
  const el = section(t("signing.title"), "sec-signing",
    h("p", { class: "hint" }, t("signing.intro")), state, form, fetchSigned);
  el.hidden = true;
  let asked = false;

  function show(roles) {
    fill(state, roles.length ? `${t("signing.signed_by")} ${roles.map((r) => t(ROLE_KEYS[r] || r)).join(", ")}` : t("signing.none_yet"));
    fetchSigned.hidden = !roles.length;
  }

  async function ask() {
    // HEAD answers with the signers in a header, without the PDF.
    const response = await fetch(`${base}/minutes.signed.pdf`, { method: "HEAD", headers: { Authorization: `Bearer ${token}` } });
    show(response.ok ? (response.headers.get("x-signed-by") || "").split(",").filter(Boolean) : []);
  }

  function update(s) {
    el.hidden = s.status !== "closed";
    if (!el.hidden && !asked) { asked = true; ask().catch(() => show([])); }
  }

  return { el, update };
}

async function post(path, body, token) {
  const response = await fetch(path, { method: "POST", headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, body });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const e = data.error || {};
    const err = new Error(e.message || response.statusText);
    Object.assign(err, { status: response.status, code: e.code || `http_${response.status}`, details: e.details || {} });
    throw err;
  }
  return data;
}
