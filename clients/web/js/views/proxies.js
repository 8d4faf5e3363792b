// Proxies (ủy quyền, rooms/proxies.py): the secretary grants an absent delegate's vote to a
// present one and revokes it; chair and secretary see who holds whose vote. The server decides
// every rule and refuses with `details.reason`; the desk shows that reason as a sentence.

import { h, fill, formatTime } from "../dom.js";
import { t, tv, getLang, compareNames } from "../i18n.js";
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
    const outcome = h("div", { id: "proxy-outcome", "aria-live": "polite" });
    const form = h("form", { class: "form-row", id: "proxy-form" },
      h("div", { class: "field" }, h("label", { for: "proxy-from" }, t("proxy.from")), from),
      h("div", { class: "field" }, h("label", { for: "proxy-to" }, t("proxy.to")), to),
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
    ui = { from, to, form, outcome, list: h("div", {}), signature: "" };
    slot._proxy = ui;
    fill(slot, h("p", { class: "hint" }, t("proxy.hint")), form, outcome, ui.list);
  }
  // Options change only with the roster and attendance: rebuild them then, keeping the choice.
  const voters = Object.values(s.participants || {}).filter((p) => VOTING.has(p.role))
    .sort((a, b) => compareNames(a.full_name, b.full_name));
  const signature = voters.map((p) => `${p.id}:${statusOf(s, p.id)}`).join(",") + getLang();
  if (signature !== ui.signature) {
    ui.signature = signature;
    const options = (select, first) => {
      const keep = select.value;
      // Givers are the ones not present; holders the ones present first, then the rest (the
      // server says why a grant to someone absent is refused).
      const present = voters.filter((p) => statusOf(s, p.id) === "present");
      const others = voters.filter((p) => statusOf(s, p.id) !== "present");
      const groups = first === "absent" ? [["proxy.group_absent", others], ["proxy.group_present", present]]
        : [["proxy.group_present", present], ["proxy.group_absent", others]];
      fill(select, h("option", { value: "" }, t("proxy.choose")),
        groups.filter(([, people]) => people.length).map(([label, people]) => h("optgroup", { label: t(label) },
          people.map((p) => h("option", { value: p.id }, `${p.full_name}${p.delegation ? ` — ${p.delegation}` : ""} (${p.id})`)))));
      select.value = keep;
    };
    options(ui.from, "absent");
    options(ui.to, "present");
  }
  fill(ui.list, h("h3", {}, t("proxy.current")), proxyList(s, ctx, { revoke: true }));
}
