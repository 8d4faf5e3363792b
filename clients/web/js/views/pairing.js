// Pairing a device from the secretary desk: a check-in kiosk, a hall screen or a shared seat
// tablet gets a credential of its own (server/devices.py: the kiosk may only check in, the
// screen only read, the seat tablet only sign delegates in by badge), never the secretary's
// token. The desk shows the pairing code once, as a QR code
// (an SVG the server draws) and as a link: scanned with the device's camera or opened there
// within 15 minutes, it is exchanged once for the device's own session (server/devices.py,
// POST /api/sessions) and locks that device to its view. A second device pairs with a new code.

import { h, fill, toast } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { errorText } from "./common.js";

/** The "Pair a kiosk", "Pair a hall screen" and "Pair a seat tablet" buttons and the box the
 * link appears in. */
export function devicePairing({ meeting, token }) {
  const box = h("div", { id: "pairing", "aria-live": "polite" });
  async function pair(kind) {
    try {
      const res = await api(`/api/meetings/${encodeURIComponent(meeting)}/devices`, { token, method: "POST", body: { kind } });
      fill(box, h("div", { class: "notice notice-ok", "data-kind": kind },
        h("p", {}, t(`pair.${kind}_ready`)),
        h("img", { src: res.pair_qr, id: "pair-qr", class: "pair-qr", alt: t("pair.qr_alt"), width: "240", height: "240" }),
        h("p", {}, h("a", { href: res.pair_url, id: "pair-link", class: "mono", target: "_blank", rel: "noopener" }, res.pair_url)),
        h("p", { class: "muted small" }, t("pair.expires"))));
    } catch (err) {
      toast(errorText(err), "error");
    }
  }
  const buttons = [
    h("button", { type: "button", class: "btn", id: "pair-kiosk", onclick: () => pair("kiosk") }, t("pair.kiosk")),
    h("button", { type: "button", class: "btn", id: "pair-screen", onclick: () => pair("screen") }, t("pair.screen")),
    h("button", { type: "button", class: "btn", id: "pair-seat", onclick: () => pair("seat") }, t("pair.seat")),
  ];
  return { buttons, box };
}
