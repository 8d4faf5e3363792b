// Camera QR scanning with the vendored jsQR, shared by the check-in kiosk and the badge
// sign-in screen. The camera is only ever a convenience: when it is refused, missing or busy
// (or the page is plain http, which has no camera API) the reason is said in words and the
// scanner field gets the focus back, so a handheld scanner or typing keeps working.

import { h, fill } from "../dom.js";
import { t } from "../i18n.js";

const SAME_CODE_PAUSE = 4000;

let decoderPromise = null;

/** jsQR, loaded once on demand as a classic script (vendor/jsqr/jsQR.js sets window.jsQR). */
export function loadDecoder() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  decoderPromise ??= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = new URL("../../vendor/jsqr/jsQR.js", import.meta.url).href;
    s.onload = () => resolve(window.jsQR);
    s.onerror = (err) => { decoderPromise = null; reject(err); };
    document.head.appendChild(s);
  });
  return decoderPromise;
}

/** Why the camera cannot be used: refused, missing, busy, insecure or failed. */
export function cameraProblem(err) {
  if (!navigator.mediaDevices?.getUserMedia) return "insecure"; // plain http: no camera API
  switch (err?.name) {
    case "NotAllowedError": case "SecurityError": case "PermissionDeniedError": return "refused";
    case "NotFoundError": case "OverconstrainedError": case "DevicesNotFoundError": return "missing";
    case "NotReadableError": case "TrackStartError": case "AbortError": return "busy";
    default: return "failed";
  }
}

/**
 * A camera that reports each QR code it sees (the same code again only after a pause).
 *
 * @param {object} opts
 * @param {(text: string) => void} opts.onCode   called with the text of a QR code
 * @param {() => HTMLElement} opts.focusTarget    the scanner field, focused after a failure
 * @param {string} [opts.fallback]                i18n key: what still works without a camera
 * @returns {{video, status, button, start, stop, running}}
 */
export function qrCamera({ onCode, focusTarget, fallback = "kiosk.camera_fallback" }) {
  const video = h("video", { class: "kiosk-video", playsinline: true, muted: true, "aria-label": t("kiosk.camera_view") });
  const status = h("div", { class: "camera-status", id: "camera-status", "data-state": "off", role: "status", "aria-live": "polite" }, t("kiosk.camera_off"));
  const button = h("button", { type: "button", class: "btn btn-lg", id: "camera-toggle", onclick: () => (stream ? stop() : start()) }, t("kiosk.camera_start"));
  const canvas = document.createElement("canvas");
  let stream = null;
  let raf = 0;
  let last = { code: "", at: 0 };

  const state = (name, ...lines) => showState(status, name, ...lines);

  async function start() {
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error("no camera API");
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      const decode = await loadDecoder();
      video.srcObject = stream;
      await video.play();
      state("on", t("kiosk.camera_on"));
      button.textContent = t("kiosk.camera_stop");
      const loop = () => {
        if (!stream) return;
        const text = decodeFrame(video, canvas, decode);
        const now = Date.now();
        if (text && (text !== last.code || now - last.at > SAME_CODE_PAUSE)) {
          last = { code: text, at: now };
          onCode(text);
        }
        raf = requestAnimationFrame(loop);
      };
      raf = requestAnimationFrame(loop);
    } catch (err) {
      // Refused, missing or busy: say which, and keep the scanner field working.
      stream?.getTracks().forEach((tr) => tr.stop());
      stream = null;
      const problem = cameraProblem(err);
      state("denied",
        h("strong", { class: "camera-problem", "data-problem": problem }, t(`kiosk.camera_${problem}`)),
        h("span", {}, t(fallback)));
      button.textContent = t("kiosk.camera_retry");
      focusTarget()?.focus();
    }
  }

  function stop() {
    cancelAnimationFrame(raf);
    stream?.getTracks().forEach((tr) => tr.stop());
    stream = null;
    video.srcObject = null;
    state("off", t("kiosk.camera_off"));
    button.textContent = t("kiosk.camera_start");
  }

  return { video, status, button, start, stop, running: () => !!stream };
}

function showState(status, name, ...lines) {
  status.dataset.state = name;
  status.className = `camera-status camera-${name}`;
  fill(status, ...lines);
}

/** The text of a QR code in the video's current frame (read at most 640 px wide), or null. */
function decodeFrame(video, canvas, decode) {
  if (video.readyState < 2 || !video.videoWidth) return null;
  const w = Math.min(640, video.videoWidth);
  const hgt = Math.round((video.videoHeight / video.videoWidth) * w);
  canvas.width = w;
  canvas.height = hgt;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  g.drawImage(video, 0, 0, w, hgt);
  const found = decode(g.getImageData(0, 0, w, hgt).data, w, hgt, { inversionAttempts: "dontInvert" });
  return found?.data || null;
}
