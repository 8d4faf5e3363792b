// Proxies (ủy quyền, rooms/proxies.py): the secretary grants an absent delegate's vote to a
// present one and revokes it; chair and secretary see who holds whose vote. The server decides
// every rule and refuses with `details.reason`; the desk shows that reason as a sentence.

import { h, fill, formatTime } from "../dom.js";
import { t, tv, getLang, compareNames, fold } from "../i18n.js";
import { rosterOrder } from "./roster_order.js";
import { errorText, showError } from "./common.js";

const VOTING = new Set(["chair", "secretary", "delegate"]);

function nameOf(s, pid) {
  return s?.participants?.[pid]?.full_name || pid;
}

function statusOf(s, pid) {
  return s?.attendance?.records?.[pid]?.status || "pending";
}

/** Active proxies: [{from, to, at}] (attendance snapshot part and proxy.* events). */
export function activeProxies(s) {
  return (s?.attendance?.proxies || []).filter((p) => !p.ended_at);
}

/** A refusal as a sentence with names in it: "Trần Văn B chưa điểm danh: …". */
export function proxyRefusal(err, s, from, to) {
  const reason = err?.details?.reason;
  const key = `proxy.reason.${reason}`;
  const text = t(key, {
    from: nameOf(s, from), to: nameOf(s, to),
    holder: nameOf(s, err?.details?.to || to), limit: err?.details?.limit ?? "",
  });
  return text === key ? errorText(err) : text;
}

/** Who holds whose vote, for chair and secretary. */
export function proxyList(s, ctx, { revoke = false } = {}) {
  const proxies = activeProxies(s).sort((a, b) => compareNames(nameOf(s, a.from), nameOf(s, b.from)));
  if (!proxies.length) return h("p", { class: "muted", id: "proxy-none" }, t("proxy.none"));
  return h("ul", { class: "proxy-list", id: "proxy-list" }, proxies.map((p) => h("li", { "data-from": p.from, "data-to": p.to },
    h("span", { class: "proxy-who" },
      h("strong", {}, nameOf(s, p.from)), h("span", { class: "muted" }, ` (${tv("attendance.status", statusOf(s, p.from))})`),
      h("span", { class: "proxy-arrow", "aria-hidden": "true" }, " → "),
      h("span", { class: "sr-only" }, ` ${t("proxy.held_by")} `),
      h("strong", {}, nameOf(s, p.to))),
    p.at ? h("span", { class: "muted small" }, " ", formatTime(p.at, getLang())) : null,
    revoke ? h("button", { type: "button", class: "btn btn-sm", "data-action": "revoke",
      "aria-label": t("proxy.revoke_for", { from: nameOf(s, p.from), to: nameOf(s, p.to) }),
      onclick: async () => {
        try {
          await ctx.client.send("proxy.revoke", { from: p.from });
        } catch (err) {
          showError({ code: err.code, text: proxyRefusal(err, s, p.from, p.to) });
        }
      } }, t("proxy.revoke")) : null)));
}

/** The secretary's proxy panel: grant form, the refusal (if any), the list with revoke. */
export function proxyPanel(slot, ctx) {
  const s = ctx.model.state;
  let ui = slot._proxy;
  if (!ui) {
    const from = h("select", { id: "proxy-from", class: "field-input" });
    const to = h("select", { id: "proxy-to", class: "field-input" });
    const search = (id, label) => h("input", { type: "search", id, class: "field-input proxy-search",
      autocomplete: "off", placeholder: t("proxy.search_ph"), "aria-label": label });
    from._search = search("proxy-from-q", t("proxy.search_from"));
    to._search = search("proxy-to-q", t("proxy.search_to"));
    const outcome = h("div", { id: "proxy-outcome", "aria-live": "polite" });
    const form = h("form", { class: "form-row", id: "proxy-form" },
      h("div", { class: "field" }, h("label", { for: "proxy-from" }, t("proxy.from")), from._search, from),
      h("div", { class: "field" }, h("label", { for: "proxy-to" }, t("proxy.to")), to._search, to),
      h("button", { type: "submit", class: "btn btn-primary", id: "proxy-grant" }, t("proxy.grant")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { from: from.value, to: to.value };
      if (!body.from || !body.to) return;
      const st = ctx.model.state;
      try {
        await ctx.client.send("proxy.grant", body);
        fill(outcome, h("p", { class: "notice notice-ok", id: "proxy-ok" }, t("proxy.granted", { from: nameOf(st, body.from), to: nameOf(st, body.to) })));
      } catch (err) {
        fill(outcome, h("p", { class: "notice notice-error", id: "proxy-error", role: "alert", "data-reason": err.details?.reason || err.code },
          h("strong", {}, t("proxy.refused")), " ", proxyRefusal(err, st, body.from, body.to)));
      }
    });
    ui = { from, to, form, outcome, list: h("div", {}), rosterKey: "", voters: [] };
    slot._proxy = ui;
    for (const select of [from, to]) {
      select._search.addEventListener("input", () => listOptions(ui, ctx.model.state, select));
    }
    fill(slot, h("p", { class: "hint" }, t("proxy.hint")), form, outcome, ui.list);
  }
  const order = rosterOrder(s);
  if (order.key !== ui.rosterKey) {
    ui.rosterKey = order.key;
    ui.voters = order.entries.filter((e) => VOTING.has(e.p.role));
  }
  listOptions(ui, s, ui.from);
  listOptions(ui, s, ui.to);
  fill(ui.list, h("h3", {}, t("proxy.current")), proxyList(s, ctx, { revoke: true }));
}

// ---- the two pickers ----------------------------------------------------------------------
// Givers are listed absent first, holders present first (the server says why a grant to
// someone absent is refused). Up to LISTED voters fit in a list; a congress's 5,000 do not:
// a select of 10,000 options took the browser a second to lay out again at every check-in.
// There the list shows who the search above it finds, at most LISTED of them.

const LISTED = 400;

function listOptions(ui, s, select) {
  const words = fold(select._search.value).split(" ").filter(Boolean);
  const all = ui.voters.length <= LISTED && !words.length;
  const found = all ? ui.voters : words.length
    ? ui.voters.filter((v) => words.every((w) => v.folded.includes(w))) : [];
  const present = (v) => statusOf(s, v.p.id) === "present";
  const first = select === ui.from ? found.filter((v) => !present(v)) : found.filter(present);
  const then = select === ui.from ? found.filter(present) : found.filter((v) => !present(v));
  const shown = [...first, ...then].slice(0, LISTED);
  const hidden = found.length - shown.length;
  const signature = `${shown.map((v) => `${v.p.id}:${present(v)}`).join(",")}|${hidden}|${words.length}|${getLang()}`;
  if (signature === select._signature) return;
  select._signature = signature;
  const keep = select.value;
  const groups = [[select === ui.from ? "proxy.group_absent" : "proxy.group_present", first],
    [select === ui.from ? "proxy.group_present" : "proxy.group_absent", then]];
  const listed = new Set(shown);
  fill(select,
    h("option", { value: "" }, all || words.length ? t("proxy.choose")
      : t("proxy.type_to_find", { count: ui.voters.length.toLocaleString(getLang()) })),
    groups.map(([label, people]) => people.filter((v) => listed.has(v)))
      .map((people, i) => people.length ? h("optgroup", { label: t(groups[i][0]) },
        people.map(({ p }) => h("option", { value: p.id }, `${p.full_name}${p.delegation ? ` — ${p.delegation}` : ""} (${p.id})`))) : null),
    hidden > 0 ? h("option", { value: "", disabled: "" }, t("proxy.more", { count: hidden })) : null,
    words.length && !found.length ? h("option", { value: "", disabled: "" }, t("proxy.nobody")) : null);
  select.value = shown.some((v) => v.p.id === keep) ? keep : (shown.length === 1 ? shown[0].p.id : "");
}
