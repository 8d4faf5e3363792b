// Check-in kiosk at the door: a camera scans badge QR codes (jsQR, vendored, see qrcamera.js),
// and a handheld scanner types the token followed by Enter into the always-focused field. Each
// result is big and unmistakable: green with the name, amber for "already checked in", red for
// refusal.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { section } from "./common.js";
import "./reducers.js";
import { scanForm } from "./badgescan.js";
import { qrCamera } from "./qrcamera.js";

export function mount(root, ctx) {
  const scan = scanForm(ctx, "kiosk", flash);
  const camera = qrCamera({ onCode: (text) => scan.submit(text), focusTarget: () => scan.input });
  root.appendChild(h("div", { class: "layout kiosk" },
    h("h1", { class: "view-title" }, t("kiosk.title")),
    h("div", { class: "kiosk-grid" },
      section(t("kiosk.scan_title"), "sec-kiosk-scan", scan.form, scan.result),
      section(t("kiosk.camera"), "sec-kiosk-camera", camera.video, camera.status, camera.button))));

  let flashTimer = 0;

  function flash(kind) {
    document.body.dataset.flash = kind;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { delete document.body.dataset.flash; }, 2500);
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [60, 60, 60]);
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
      camera.stop();
      document.removeEventListener("click", refocus);
    },
  };
}
