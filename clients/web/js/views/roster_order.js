// The roster in Vietnamese name order (given name, then the whole name) with each person's
// search text folded (no diacritics), worked out once per roster rather than at every
// update: a congress's 5,000 names sorted with compareNames took ~200 ms, and a check-in
// rush brings several updates a second that change attendance, not the roster.

import { collator, fold, getLang, lastWord } from "../i18n.js";

let cached = { key: null, entries: [] };

/** {key, entries: [{p, folded}]}: key changes whenever anything a row shows changes. */
export function rosterOrder(s) {
  const all = Object.values(s?.participants || {});
  const key = all.map((p) => [p.id, p.full_name, p.delegation, p.seat, p.role, p.title].join("\u0001"))
    .join("\u0002") + getLang();
  if (key !== cached.key) {
    const c = collator();
    const entries = all.map((p) => ({
      p, given: lastWord(p.full_name),
      folded: fold(`${p.full_name} ${p.delegation || ""} ${p.id} ${p.seat || ""}`),
    }));
    entries.sort((a, b) => c.compare(a.given, b.given) || c.compare(a.p.full_name, b.p.full_name));
    cached = { key, entries };
  }
  return cached;
}
