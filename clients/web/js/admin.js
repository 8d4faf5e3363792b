// The organiser page (/admin): the top bar and the organiser view (views/admin.js). The admin
// token is typed once and kept in this tab's sessionStorage only (docs/security.md, "The
// organiser page"): never in the URL, never in localStorage, gone when the tab closes.

import { h, fill, setText } from "./dom.js";
import { initI18n, t, setLang, getLang, onLangChange } from "./i18n.js";

let view = null;

function renderTopbar() {
  const lang = getLang();
  const select = h("select", { id: "lang-select", class: "lang-select", "aria-label": t("app.language") },
    h("option", { value: "vi", selected: lang === "vi" }, "Tiếng Việt"),
    h("option", { value: "en", selected: lang === "en" }, "English"));
  select.addEventListener("change", () => setLang(select.value));
  fill(document.getElementById("topbar"),
    h("div", { class: "brand" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, "PH"),
      h("span", { class: "brand-name" }, t("app.name"))),
    h("div", { class: "topbar-title", id: "meeting-title" }, t("admin.title")),
    view?.signedIn?.() ? h("button", { type: "button", class: "btn btn-sm", id: "admin-signout",
      onclick: () => view.signOut() }, t("admin.signout")) : null,
    select);
}

async function boot() {
  await initI18n();
  const module = await import("./views/admin.js");
  const mount = () => {
    document.title = `${t("admin.title")} · ${t("app.name")}`;
    setText(document.getElementById("skip-link"), t("app.skip"));
    view?.destroy?.();
    const main = document.getElementById("main");
    main.replaceChildren();
    view = module.mount(main, { onChange: renderTopbar });
    renderTopbar();
  };
  onLangChange(mount);
  mount();
}

boot().catch((err) => {
  console.error(err);
  fill(document.getElementById("main"), h("p", { class: "card error" }, String(err)));
});
