// Signing in without a join link: the delegate's badge is scanned at the seat (camera with
// jsQR, or a handheld scanner that types the badge's text and Enter) and exchanged for a
// device session of this tablet with POST /api/badge-login (docs/api.md, "Signing in by
// badge"). A join link or join code pasted into the same field is exchanged the same way
// (POST /api/sessions). A refusal (forged or expired badge, not on
// the roster, not checked in at the desk where the meeting requires it, signing in by badge
// off) is shown big and red, and the field keeps the focus for the next try. On a shared seat
// tablet paired from the desk (js/seat.js) it is the seat sign-in page: "Scan your badge", and
// the badge goes with the tablet's own session as the Bearer token, so the server knows it was
// scanned at a seat tablet (the setting badge_sign_in "seat_tablets" accepts it only there).

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { parseToken } from "../client.js";
import { errorText, section } from "./common.js";
import { extractToken } from "./badgescan.js";
// The view this sign-in leads to folds events from its first snapshot on; its reducers are
// registered here already, so those that arrive while its code loads are not missed.
import "./reducers.js";
import { qrCamera } from "./qrcamera.js";

/** Codes the sign-in screen explains in its own words (the rest: common errorText). */
const REASONS = ["bad_token", "token_expired", "forbidden", "bad_field", "network", "rate_limited"];
// Refusals the meeting's badge_sign_in setting makes (server: details.reason), said apart
// from "not on the roster": a badge alone signs in only a delegate checked in at the desk.
const SETTING_REASONS = ["not_checked_in", "badge_sign_in_off", "typed_code", "not_a_seat_tablet", "seat_unpaired"];

/**
 * @param {HTMLElement} root
 * @param {{onToken: (session: string, participant?: object) => void, seat?: string}} ctx
 *   seat: the seat tablet's own session, on a shared seat tablet
 */
export function mount(root, ctx) {
  const { form, input, result } = badgeForm();
  const camera = qrCamera({ onCode: (text) => attempt.submit(text), focusTarget: () => input, fallback: "signin.camera_fallback" });
  const attempt = signinAttempt({ form, input, result, camera, seat: ctx.seat }, ctx.onToken);

  const seat = Boolean(ctx.seat);
  root.appendChild(h("div", { class: seat ? "layout signin seat-signin" : "layout signin", id: "signin", "data-seat": seat ? "true" : null },
    h("div", { class: "signin-head" },
      h("h1", { class: "view-title" }, t(seat ? "seat.title" : "signin.title")),
      h("p", { class: "signin-intro" }, t(seat ? "seat.intro" : "signin.intro"))),
    h("div", { class: "kiosk-grid" },
      section(t("signin.scan_title"), "sec-signin-scan", form, result),
      section(t("kiosk.camera"), "sec-signin-camera", camera.video, camera.status, camera.button))));

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = input.value;
    input.value = "";
    attempt.submit(value);
    input.focus();
  });

  // A handheld scanner types wherever the focus is: keep it on the field.
  const refocus = (e) => {
    if (attempt.done() || e.target.closest?.("button, select, a, input, textarea, video")) return;
    input.focus();
  };
  document.addEventListener("click", refocus);
  setTimeout(() => input.focus(), 50);

  // A tablet that already allowed the camera starts it at once; otherwise the button asks.
  navigator.permissions?.query({ name: "camera" })
    .then((p) => { if (p.state === "granted" && !attempt.done() && !camera.running()) camera.start(); })
    .catch(() => { /* no Permissions API for the camera: the button is there */ });

  return {
    update() {},
    destroy() {
      attempt.finish();
      camera.stop();
      document.removeEventListener("click", refocus);
      delete document.body.dataset.flash;
    },
  };
}

/** What was scanned or typed, to a device session: one at a time, and none after the first success. */
function signinAttempt({ form, input, result, camera, seat }, onToken) {
  let busy = false;
  let done = false;
  let flashTimer = 0;

  async function submit(raw) {
    const text = String(raw || "").trim();
    if (!text || busy || done) return;
    // A join link or join code is exchanged for a session as the link would be; a badge
    // signs in by the meeting's rule.
    const joinToken = extractToken(text);
    const purpose = parseToken(joinToken)?.purpose;
    const link = ["j", "k", "h", "s"].includes(purpose);
    const path = link ? "/api/sessions" : "/api/badge-login";
    busy = true;
    form.setAttribute("aria-busy", "true");
    fill(result, h("p", { class: "muted", id: "badge-checking" }, t("signin.checking")));
    try {
      // At a seat tablet, a badge goes with the tablet's session: "scanned at a seat tablet".
      const body = await api(path, { method: "POST", body: { token: joinToken || text }, token: link ? undefined : seat });
      succeed(body.session, body.participant);
    } catch (err) {
      refuse(err);
    } finally {
      busy = false;
      form.removeAttribute("aria-busy");
    }
  }

  function succeed(token, participant) {
    done = true;
    camera.stop();
    fill(result, okOutcome(participant));
    onToken(token, participant);
  }

  function refuse(err) {
    fill(result, refusedOutcome(err));
    document.body.dataset.flash = "fail";
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { delete document.body.dataset.flash; }, 2500);
    if (navigator.vibrate) navigator.vibrate([60, 60, 60]);
    input.focus();
  }

  return { submit, done: () => done, finish: () => { done = true; } };
}

/** The field a scanner types into (or a person pastes into), its button and the result box. */
function badgeForm() {
  const input = h("input", {
    id: "badge-input", type: "text", class: "scan-input", autocomplete: "off", spellcheck: "false",
    autocapitalize: "off", enterkeyhint: "go", "aria-describedby": "badge-hint",
  });
  const submitButton = h("button", { type: "submit", class: "btn btn-primary btn-lg", id: "badge-submit" }, t("signin.go"));
  const result = h("div", { class: "scan-result", id: "badge-result", role: "alert", "aria-live": "assertive" });
  const form = h("form", { class: "scan-form", id: "badge-form" },
    h("label", { for: "badge-input" }, t("signin.label")),
    h("div", { class: "form-row" }, input, submitButton),
    h("p", { class: "muted small", id: "badge-hint" }, t("signin.hint")));
  return { form, input, result };
}

function okOutcome(participant) {
  return h("div", { class: "scan-outcome scan-ok", "data-outcome": "ok" },
    h("div", { class: "scan-icon", "aria-hidden": "true" }, "✓"),
    h("div", { class: "scan-title" }, t("signin.ok")),
    participant?.full_name ? h("div", { class: "scan-name" }, participant.full_name) : null);
}

function refusedOutcome(err) {
  const code = err?.code || "internal";
  const why = SETTING_REASONS.includes(err?.details?.reason) ? err.details.reason : "";
  const reason = why ? t(`signin.reason_${why}`)
    : REASONS.includes(code) ? t(`signin.reason_${code}`) : errorText(err);
  return h("div", { class: "scan-outcome scan-fail signin-refused", "data-outcome": "fail", "data-code": code, "data-reason": why || null, id: "badge-refused" },
    h("div", { class: "scan-icon", "aria-hidden": "true" }, "✕"),
    h("div", { class: "scan-title" }, t("signin.refused")),
    h("div", { class: "signin-reason" }, reason),
    h("div", { class: "scan-sub" }, t("signin.try_again")));
}
