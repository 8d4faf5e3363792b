// Badge scanning: the form a handheld scanner types a badge's QR into (the kiosk, the
// secretary desk), and reading the join token out of what the QR holds (also the sign-in).

import { h, fill, formatTime } from "../dom.js";
import { t, getLang } from "../i18n.js";
import { errorText } from "./common.js";

/** Badge scan form: a text field a handheld scanner types into (it ends with Enter). */
export function scanForm(ctx, where, onResult) {
  const id = `${where}-scan`;
  const input = h("input", { id, type: "text", class: "scan-input", autocomplete: "off", spellcheck: "false", inputmode: "none" });
  const result = h("div", { class: "scan-result", id: `${where}-result`, role: "status", "aria-live": "assertive" });
  const form = h("form", { class: "scan-form" },
    h("label", { for: id }, t("kiosk.scan_label")),
    h("div", { class: "form-row" }, input, h("button", { type: "submit", class: "btn btn-primary" }, t("kiosk.check"))));
  async function submit(raw) {
    const token = extractToken(raw);
    if (!token) return;
    try {
      const ack = await ctx.client.send("checkin.scan", { token });
      show(result, "ok", ack.result || {});
      onResult?.("ok", ack.result || {});
    } catch (err) {
      const already = err.code === "duplicate";
      show(result, already ? "already" : "fail", { ...err.details, message: errorText(err) });
      onResult?.(already ? "already" : "fail", err.details || {});
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = input.value;
    input.value = "";
    submit(value);
    input.focus();
  });
  return { form, result, input, submit };
}

/** The QR may hold a bare token or a URL with it (…/j/TOKEN, …?t=TOKEN, …/c/TOKEN). */
export function extractToken(raw) {
  const text = String(raw || "").trim();
  if (!text) return "";
  const m = text.match(/\/(?:j|c|b)\/([^/?#\s]+)/) || text.match(/[?&](?:t|token)=([^&#\s]+)/);
  return m ? decodeURIComponent(m[1]) : text;
}

function show(el, kind, info) {
  const name = info.full_name || info.name || info.participant_name || "";
  const when = info.at ? formatTime(info.at, getLang()) : "";
  const title = kind === "ok" ? t("kiosk.ok") : kind === "already" ? t("kiosk.already", { time: when }) : t("kiosk.fail");
  fill(el,
    h("div", { class: `scan-outcome scan-${kind}`, "data-outcome": kind },
      h("div", { class: "scan-icon", "aria-hidden": "true" }, kind === "fail" ? "✕" : "✓"),
      h("div", { class: "scan-title" }, title),
      name ? h("div", { class: "scan-name" }, name) : null,
      info.delegation ? h("div", { class: "scan-sub" }, info.delegation) : null,
      info.seat ? h("div", { class: "scan-sub" }, t("kiosk.seat", { seat: info.seat })) : null,
      kind === "fail" ? h("div", { class: "scan-sub" }, info.message || "") : null));
}
