// Check-in kiosk at the door: a camera scans badge QR codes (jsQR, vendored), and a handheld
// scanner types the token followed by Enter into the always-focused field. Each result is
// big and unmistakable: green with the name, amber for "already checked in", red for refusal.

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";
import { section } from "./common.js";
import * as features from "./features.js";

const SAME_CODE_PAUSE = 4000;

export function mount(root, ctx) {
  const scan = features.scanForm(ctx, "kiosk", flash);
  const video = h("video", { class: "kiosk-video", playsinline: true, muted: true, "aria-label": t("kiosk.camera_view") });
  const camStatus = h("div", { class: "camera-status", id: "camera-status", "data-state": "off", role: "status", "aria-live": "polite" }, t("kiosk.camera_off"));
  const camButton = h("button", { type: "button", class: "btn btn-lg", id: "camera-toggle", onclick: () => (stream ? stopCamera() : startCamera()) }, t("kiosk.camera_start"));
  root.appendChild(h("div", { class: "layout kiosk" },
    h("h1", { class: "view-title" }, t("kiosk.title")),
    h("div", { class: "kiosk-grid" },
      section(t("kiosk.scan_title"), "sec-kiosk-scan", scan.form, scan.result),
      section(t("kiosk.camera"), "sec-kiosk-camera", video, camStatus, camButton))));

  let stream = null;
  let raf = 0;
  let last = { code: "", at: 0 };
  let flashTimer = 0;
  const canvas = document.createElement("canvas");

  function flash(kind) {
    document.body.dataset.flash = kind;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { delete document.body.dataset.flash; }, 2500);
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [60, 60, 60]);
  }

  async function loadDecoder() {
    if (window.jsQR) return window.jsQR;
    await new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL("../../vendor/jsqr/jsQR.js", import.meta.url).href;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
    return window.jsQR;
  }

  function cameraState(state, ...lines) {
    camStatus.dataset.state = state;
    camStatus.className = `camera-status camera-${state}`;
    fill(camStatus, ...lines);
  }

  /** Why the camera cannot be used, in words for the person at the door. */
  function cameraProblem(err) {
    if (!navigator.mediaDevices?.getUserMedia) return "insecure"; // plain http: no camera API
    switch (err?.name) {
      case "NotAllowedError": case "SecurityError": case "PermissionDeniedError": return "refused";
      case "NotFoundError": case "OverconstrainedError": case "DevicesNotFoundError": return "missing";
      case "NotReadableError": case "TrackStartError": case "AbortError": return "busy";
      default: return "failed";
    }
  }

  async function startCamera() {
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error("no camera API");
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      const decode = await loadDecoder();
      video.srcObject = stream;
      await video.play();
      cameraState("on", t("kiosk.camera_on"));
      camButton.textContent = t("kiosk.camera_stop");
      const loop = () => {
        if (!stream) return;
        if (video.readyState >= 2 && video.videoWidth) {
          const w = Math.min(640, video.videoWidth);
          const hgt = Math.round((video.videoHeight / video.videoWidth) * w);
          canvas.width = w;
          canvas.height = hgt;
          const g = canvas.getContext("2d", { willReadFrequently: true });
          g.drawImage(video, 0, 0, w, hgt);
          const found = decode(g.getImageData(0, 0, w, hgt).data, w, hgt, { inversionAttempts: "dontInvert" });
          const now = Date.now();
          if (found?.data && (found.data !== last.code || now - last.at > SAME_CODE_PAUSE)) {
            last = { code: found.data, at: now };
            scan.submit(found.data);
          }
        }
        raf = requestAnimationFrame(loop);
      };
      raf = requestAnimationFrame(loop);
    } catch (err) {
      // Refused, missing or busy: say which, and keep the scanner field working.
      stream?.getTracks().forEach((tr) => tr.stop());
      stream = null;
      const problem = cameraProblem(err);
      cameraState("denied",
        h("strong", { class: "camera-problem", "data-problem": problem }, t(`kiosk.camera_${problem}`)),
        h("span", {}, t("kiosk.camera_fallback")));
      camButton.textContent = t("kiosk.camera_retry");
      scan.input.focus();
    }
  }

  function stopCamera() {
    cancelAnimationFrame(raf);
    stream?.getTracks().forEach((tr) => tr.stop());
    stream = null;
    video.srcObject = null;
    cameraState("off", t("kiosk.camera_off"));
    camButton.textContent = t("kiosk.camera_start");
  }

  // A handheld scanner types wherever the focus is: keep it on the field.
  const refocus = (e) => {
    if (e.target.closest?.("button, select, a, input, textarea")) return;
    scan.input.focus();
  };
  document.addEventListener("click", refocus);
  setTimeout(() => scan.input.focus(), 50);

  return {
    update() {},
    destroy() {
      stopCamera();
      document.removeEventListener("click", refocus);
    },
  };
}
