// Pairing a device from the secretary desk: a check-in kiosk or a hall screen gets a
// credential of its own (server/devices.py: the kiosk may only check in, the screen only
// read), never the secretary's token. The desk shows the pairing link once; opened on the
// device (or scanned from this screen with its camera app), it locks that device to its view.

import { h, fill, toast } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { errorText } from "./common.js";

/** The "Pair a kiosk" and "Pair a hall screen" buttons and the box the link appears in. */
export function devicePairing({ meeting, token }) {
  const box = h("div", { id: "pairing", "aria-live": "polite" });
  async function pair(kind) {
    try {
      const res = await api(`/api/meetings/${encodeURIComponent(meeting)}/devices`, { token, method: "POST", body: { kind } });
      fill(box, h("div", { class: "notice notice-ok", "data-kind": kind },
        h("p", {}, t(`pair.${kind}_ready`)),
        h("p", {}, h("a", { href: res.pair_url, id: "pair-link", class: "mono", target: "_blank", rel: "noopener" }, res.pair_url)),
        h("p", { class: "muted small" }, t("pair.how"))));
    } catch (err) {
      toast(errorText(err), "error");
    }
  }
  const buttons = [
    h("button", { type: "button", class: "btn", id: "pair-kiosk", onclick: () => pair("kiosk") }, t("pair.kiosk")),
    h("button", { type: "button", class: "btn", id: "pair-screen", onclick: () => pair("screen") }, t("pair.screen")),
  ];
  return { buttons, box };
}
