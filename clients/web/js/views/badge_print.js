// Badges for a selection: the participants the desk's search shows (a delegation, a seat row,
// a few names), printed on their own sheet. The whole roster is under Downloads.
import { h, toast } from "../dom.js";
import { t, formatNumber } from "../i18n.js";
import { download } from "../api.js";
import { errorText } from "./common.js";

// The selection travels in the query string (?participants=…): a few hundred ids at most.
export const MAX_SELECTED = 300;

export function shownBadges({ meeting, token }) {
  let ids = [];
  const button = h("button", { type: "button", class: "btn", id: "print-shown-badges", disabled: true,
    onclick: async () => {
      button.disabled = true;
      try {
        const query = encodeURIComponent(ids.join(","));
        await download(`/api/meetings/${encodeURIComponent(meeting)}/badges.pdf?participants=${query}`,
          `${meeting}-badges-${ids.length}.pdf`, token);
      } catch (err) {
        toast(errorText(err), "error");
      } finally {
        update(ids, true);
      }
    } }, t("roster.print_shown", { n: "0" }));

  // `filtered`: a search is typed (without one, the whole roster is under Downloads).
  function update(shown, filtered) {
    ids = shown;
    button.textContent = t("roster.print_shown", { n: formatNumber(ids.length) });
    const usable = filtered && ids.length > 0 && ids.length <= MAX_SELECTED;
    button.disabled = !usable;
    button.title = ids.length > MAX_SELECTED ? t("roster.print_too_many", { max: formatNumber(MAX_SELECTED) }) : "";
  }
  return { button, update };
}
