// Entry page: find the token (join link ?t=, or the one this tablet used last), connect,
// and after welcome show the view of the participant's role.

import { Client, parseToken } from "./client.js";
import { Model } from "./model.js";
import { h, fill, setText, toast } from "./dom.js";
import { initI18n, t, tv, setLang, getLang, onLangChange } from "./i18n.js";
import { errorText } from "./views/common.js";
// Reducers before the first frame: a view module loads lazily, and an event or a live message
// (a delegate's `mine` on connecting) that came first would find no reducer.
import "./views/reducers.js";

const VIEWS = {
  chair: () => import("./views/chair.js"),
  secretary: () => import("./views/secretary.js"),
  delegate: () => import("./views/delegate.js"),
  observer: () => import("./views/delegate.js"),
  screen: () => import("./views/screen.js"),
  kiosk: () => import("./views/kiosk.js"),
};

const TOKEN_KEY = "phonghop.token";

function takeToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("t");
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
      localStorage.setItem(TOKEN_KEY, fromUrl);
    } catch { /* private mode: the URL keeps it */ }
    // Keep the token out of the address bar (and out of screenshots and shoulder-surfing);
    // sessionStorage brings it back on reload.
    params.delete("t");
    const rest = params.toString();
    try {
      sessionStorage.setItem(`${TOKEN_KEY}.url`, "1");
      history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
    } catch { /* keep the URL as it is */ }
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

const app = {
  client: null,
  model: new Model(),
  view: null,
  viewName: null,
  token: null,
  frame: 0,
};
window.phonghop = app; // for the browser tests and for debugging on a tablet

async function boot() {
  await initI18n();
  setText(document.getElementById("skip-link"), t("app.skip"));
  document.title = t("app.name");
  app.token = takeToken();
  registerServiceWorker();
  renderTopbar();
  onLangChange(() => {
    document.title = t("app.name");
    setText(document.getElementById("skip-link"), t("app.skip"));
    renderTopbar();
    renderBanner();
    if (app.viewName) mountView(app.viewName, true);
    else if (!app.client || app.client.status === "failed") showLanding();
  });
  if (!app.token || !parseToken(app.token)) {
    showLanding();
    return;
  }
  connect();
}

// The app shell for reloading offline, where the browser allows a service worker (https or
// localhost). Over plain http there is none; documents are still kept (js/offline.js).
function registerServiceWorker() {
  if (!window.isSecureContext || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js").catch(() => { /* works without */ });
}

function connect() {
  const client = new Client({ token: app.token, model: app.model, lang: getLang });
  app.client = client;
  client.addEventListener("status", () => {
    renderBanner();
    renderTopbar();
    // Refused (invalid or expired link, not on the roster) before any view was shown: the
    // banner says why, and the badge sign-in is offered right below it.
    if (client === app.client && client.status === "failed" && !app.viewName) showLanding();
  });
  client.addEventListener("queue", renderBanner);
  client.addEventListener("change", (e) => {
    if (!app.viewName && client.participant && app.model.state) {
      mountView(routeFor(client.participant));
      return;
    }
    scheduleUpdate(e.detail);
  });
  client.addEventListener("welcome", renderTopbar);
  client.addEventListener("server-error", (e) => {
    if (client.status !== "online") return;
    toast(errorText(e.detail), "error");
  });
  client.start();
  // A restored model can be shown at once while the link comes up (offline reading).
  if (app.model.state && app.model.state.me) mountView(routeFor(app.model.state.me));
  renderBanner();
}

function routeFor(participant) {
  // A paired device's credential (server/devices.py) locks the tablet to its view: a kiosk
  // shows only the kiosk, whatever the address says; the server allows it nothing else.
  const purpose = parseToken(app.token)?.purpose;
  if (purpose === "k") return "kiosk";
  if (purpose === "h") return "screen";
  const wanted = new URLSearchParams(location.search).get("view");
  const role = participant.role;
  if (wanted === "kiosk" && role !== "delegate" && role !== "screen") return "kiosk";
  return VIEWS[role] ? role : "delegate";
}

let pending = [];
function scheduleUpdate(detail) {
  pending.push(detail);
  if (app.frame) return;
  app.frame = requestAnimationFrame(() => {
    app.frame = 0;
    const reasons = pending;
    pending = [];
    try {
      app.view?.update?.(reasons);
    } catch (err) {
      console.error(err);
    }
    renderTopbar();
  });
}

// The network can drop while a view's code is still loading (a tablet that just connected on
// hall Wi-Fi): keep trying, and if the browser keeps the failed load, reload the page once the
// server answers again (the token and the offline queue live in storage).
async function loadView(name) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await VIEWS[name]();
    } catch {
      if (app.viewName !== name) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 3000)));
      if (attempt >= 5 && app.client?.ready) {
        location.reload();
        return null;
      }
    }
  }
}

async function mountView(name, force = false) {
  if (app.viewName === name && !force) return;
  app.viewName = name;
  const module = await loadView(name);
  if (!module || app.viewName !== name) return;
  app.view?.destroy?.();
  const main = document.getElementById("main");
  main.replaceChildren();
  document.body.dataset.view = name;
  app.view = module.mount(main, {
    client: app.client,
    model: app.model,
    token: app.token,
    meeting: app.client.meeting,
  });
  app.view?.update?.([{ reason: "mount" }]);
  renderTopbar();
}

// ---- chrome: top bar, connection banner ------------------------------------------------

function renderTopbar() {
  const bar = document.getElementById("topbar");
  const s = app.model.state;
  const me = app.client?.participant || s?.me;
  const lang = getLang();
  const title = s?.info ? (lang === "en" && s.info.title_en) || s.info.title : t("app.tagline");
  const status = app.client?.status || "idle";
  const select = h("select", { id: "lang-select", class: "lang-select", "aria-label": t("app.language") },
    h("option", { value: "vi", selected: lang === "vi" }, "Tiếng Việt"),
    h("option", { value: "en", selected: lang === "en" }, "English"));
  select.addEventListener("change", () => setLang(select.value));
  fill(bar,
    h("div", { class: "brand" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, "PH"),
      h("span", { class: "brand-name" }, t("app.name"))),
    h("div", { class: "topbar-title", id: "meeting-title" }, title),
    me ? h("div", { class: "who", id: "who" },
      h("span", { class: "who-name" }, me.full_name),
      h("span", { class: `role-chip role-${me.role}` }, app.viewName === "kiosk" ? t("role.kiosk") : tv("role", me.role))) : null,
    app.client ? h("div", { class: `conn conn-${status}`, id: "conn", "data-status": status },
      h("span", { class: "conn-dot", "aria-hidden": "true" }),
      h("span", {}, t(`conn.${status}`))) : null,
    select);
  const focused = document.activeElement?.id;
  if (focused === "lang-select") document.getElementById("lang-select")?.focus();
}

function renderBanner() {
  const banner = document.getElementById("banner");
  const client = app.client;
  if (!client || client.status === "online" || client.status === "stopped") {
    banner.hidden = true;
    banner.className = "banner";
    document.body.dataset.conn = client?.status || "idle";
    return;
  }
  document.body.dataset.conn = client.status;
  banner.hidden = false;
  banner.className = `banner banner-${client.status}`;
  if (client.status === "failed") {
    const code = client.failure?.reason || "";
    fill(banner, h("strong", {}, t("conn.failed_title")), " ",
      t(code === "token_expired" ? "conn.failed_expired" : code === "forbidden" ? "conn.failed_forbidden" : "conn.failed_token"), " ",
      h("button", { type: "button", class: "btn btn-sm", id: "signin-again", onclick: signInAgain }, t("signin.again")));
    return;
  }
  const parts = [h("span", { class: "spinner", "aria-hidden": "true" }), h("strong", {}, t(client.status === "connecting" ? "conn.connecting_long" : "conn.reconnecting_long"))];
  if (client.queued) parts.push(" ", t("conn.queued", { n: client.queued }));
  else if (client.status === "reconnecting") parts.push(" ", t("conn.offline_hint"));
  fill(banner, ...parts);
}

// ---- landing: no token yet: sign in with the badge ------------------------------------------

let landing = null;

/** The badge sign-in screen (views/signin.js): camera QR, handheld scanner or typed code. */
async function showLanding() {
  const module = await import("./views/signin.js");
  if (app.client && app.client.status !== "failed") return; // signed in meanwhile
  landing?.destroy?.();
  const main = document.getElementById("main");
  main.replaceChildren();
  document.body.dataset.view = "signin";
  landing = module.mount(main, { onToken: signIn });
}

/** Keep the join token as a join link does (this tab, and the tablet for later) and connect. */
function signIn(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(TOKEN_KEY, token);
  } catch { /* private mode: this page keeps it */ }
  landing?.destroy?.();
  landing = null;
  if (app.client) {
    // The refused link's client: stopped, and its copy of the meeting dropped.
    app.client.stop();
    app.client = null;
    app.model = new Model();
  }
  app.token = token;
  connect();
}

/** After a failed join (expired, not on the roster): forget the token and sign in again. */
function signInAgain() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
  } catch { /* nothing kept */ }
  location.replace(location.pathname);
}

boot().catch((err) => {
  console.error(err);
  fill(document.getElementById("main"), h("p", { class: "card error" }, String(err)));
});
