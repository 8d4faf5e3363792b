// Entry page: exchange a join link's token for this browser's device session (or take the
// session this tablet kept), connect, and after welcome show the view of the participant's role.

import { Client, parseToken } from "../lib/phonghop.js";
import { Model } from "./model.js";
import { h, fill, setText, toast } from "./dom.js";
import { initI18n, t, tv, setLang, getLang, onLangChange } from "./i18n.js";
import { errorText } from "./views/common.js";
import { api } from "./api.js";
import { isSeatSession, keptSeat, keepSeat, signOutDelegate, watchSignOuts } from "./seat.js";
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

// What this browser keeps is a device session (server/device_sessions.py), never the join
// link: sessionStorage for this tab (several people's tabs in one browser stay apart) and
// localStorage for the tablet's next visit. A join link or pairing code in the address
// (`/j/TOKEN` leads to `/app/#t=TOKEN`; `?t=` works too) is taken out of the address bar at
// once, kept in this tab only until it is exchanged (POST /api/sessions), then forgotten.
const TOKEN_KEY = "phonghop.token";
const PENDING_KEY = "phonghop.pending";

function store(key, value) {
  try {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch { /* private mode: this page keeps it */ }
}

/** A join token or pairing code from the address, which leaves the address bar here. */
function tokenFromAddress() {
  const params = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("t") || params.get("t");
  if (!token) return null;
  params.delete("t");
  fragment.delete("t");
  const query = params.toString();
  const hash = fragment.toString();
  try {
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + (hash ? `#${hash}` : ""));
  } catch { /* the exchange below still replaces the credential */ }
  return token;
}

function isSession(token) {
  const purpose = parseToken(token)?.purpose || "";
  return purpose !== "" && purpose === purpose.toUpperCase();
}

/** Keep a device session: this tab, and the tablet for later. */
function keepSession(session) {
  store(TOKEN_KEY, session);
  try { localStorage.setItem(TOKEN_KEY, session); } catch { /* this tab keeps it */ }
}

/** Exchange a join link's token (or a pairing code) for this browser's device session. */
async function exchange(token) {
  store(PENDING_KEY, token); // a reload during a Wi-Fi drop tries again; nothing else keeps it
  for (let attempt = 1; ; attempt++) {
    try {
      const body = await api("/api/sessions", { method: "POST", body: { token } });
      // A shared seat tablet's session is the tablet's, kept apart from any delegate's (seat.js).
      if (isSeatSession(body.session)) keepSeat(body.session);
      else keepSession(body.session);
      store(PENDING_KEY, null);
      return body.session;
    } catch (err) {
      if (err.code === "network" && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 600 * attempt));
        continue;
      }
      if (err.code !== "network") store(PENDING_KEY, null);
      app.refused = err;
      return null;
    }
  }
}

async function takeToken() {
  let pending = tokenFromAddress();
  let kept = null;
  try {
    pending = pending || sessionStorage.getItem(PENDING_KEY);
    kept = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY);
  } catch { /* nothing kept */ }
  app.seat = keptSeat();
  if (app.seat) watchSignOuts();
  // A join token kept by an older version is exchanged the same way.
  if (!pending && kept && parseToken(kept) && !isSession(kept)) pending = kept;
  const session = pending ? await exchange(pending) : kept;
  if (!isSeatSession(session)) return session;
  // Just paired as a seat tablet: it starts at the seat sign-in page, signed in as nobody.
  app.seat = session;
  watchSignOuts();
  if (kept) await signOutDelegate(kept, TOKEN_KEY);
  return null;
}

const app = {
  client: null,
  model: new Model(),
  view: null,
  viewName: null,
  token: null,
  seat: null, // a shared seat tablet's own session (seat.js): delegates sign in on it by badge
  refused: null, // the server's refusal of a join link or pairing code (POST /api/sessions)
  frame: 0,
};
window.phonghop = app; // for the browser tests and for debugging on a tablet

async function boot() {
  await initI18n();
  setText(document.getElementById("skip-link"), t("app.skip"));
  document.title = t("app.name");
  registerServiceWorker();
  app.token = await takeToken();
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
    renderBanner();
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
  const purpose = parseToken(app.token)?.purpose?.toLowerCase();
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
  // Before a meeting is known (sign-in, a seat tablet waiting for a badge) the brand alone: a
  // tagline beside it said the same words twice.
  const title = s?.info ? (lang === "en" && s.info.title_en) || s.info.title : "";
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
    app.seat && !me ? h("div", { class: "who", id: "who-seat" }, h("span", { class: "role-chip role-observer" }, t("seat.device"))) : null,
    app.seat && me ? h("button", { type: "button", class: "btn btn-sm", id: "seat-signout", onclick: seatSignOut }, t("seat.sign_out")) : null,
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
  if (!client && app.refused) {
    showRefusal(banner, app.refused.details?.reason === "pairing_used" ? "pairing_used" : app.refused.code);
    return;
  }
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
    showRefusal(banner, client.failure?.reason || "");
    return;
  }
  const parts = [h("span", { class: "spinner", "aria-hidden": "true" }), h("strong", {}, t(client.status === "connecting" ? "conn.connecting_long" : "conn.reconnecting_long"))];
  if (client.queued) parts.push(" ", t("conn.queued", { n: client.queued }));
  else if (client.status === "reconnecting") parts.push(" ", t("conn.offline_hint"));
  fill(banner, ...parts);
}

const FAILED_TEXT = {
  token_expired: "conn.failed_expired",
  forbidden: "conn.failed_forbidden",
  unauthenticated: "conn.failed_revoked",
  pairing_used: "conn.failed_pairing_used",
  network: "conn.failed_network",
  unsupported_version: "conn.failed_version",
};

/** Why this device cannot join, and the way back in: the badge sign-in. */
function showRefusal(banner, code) {
  document.body.dataset.conn = "failed";
  banner.hidden = false;
  banner.className = "banner banner-failed";
  // An app older than the server is mended by loading the page again, not by a badge.
  const way = code === "unsupported_version"
    ? h("button", { type: "button", class: "btn btn-sm", id: "reload-app", onclick: () => location.reload() }, t("conn.reload"))
    : h("button", { type: "button", class: "btn btn-sm", id: "signin-again", onclick: signInAgain }, t("signin.again"));
  fill(banner, h("strong", {}, t("conn.failed_title")), " ",
    t(FAILED_TEXT[code] || "conn.failed_token"), " ", way);
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
  landing = module.mount(main, { onToken: signIn, seat: app.seat });
}

/** Keep the device session the sign-in view got (badge or join link) and connect. */
function signIn(session) {
  if (isSeatSession(session)) {
    // A seat tablet's pairing code scanned at the sign-in page: paired (again) as one.
    keepSeat(session);
    app.seat = session;
    watchSignOuts();
    renderTopbar();
    showLanding();
    return;
  }
  keepSession(session);
  app.refused = null;
  landing?.destroy?.();
  landing = null;
  if (app.client) {
    // The refused link's client: stopped, and its copy of the meeting dropped.
    app.client.stop();
    app.client = null;
    app.model = new Model();
  }
  app.token = session;
  connect();
}

/** "Sign out" on a seat tablet: the delegate's session ends and everything of theirs is
 * forgotten; the tablet, still paired, shows the seat sign-in page for the next delegate. */
async function seatSignOut() {
  const { client, token } = app;
  if (client) {
    client.storage = null; // the copy it would save now is the next thing to forget
    client.stop();
  }
  await signOutDelegate(token, TOKEN_KEY);
  app.view?.destroy?.();
  Object.assign(app, { client: null, model: new Model(), view: null, viewName: null, token: null });
  renderTopbar();
  renderBanner();
  await showLanding();
  toast(t("seat.signed_out"), "ok");
}

/** After a failed join (expired, not on the roster): forget the token and sign in again. */
async function signInAgain() {
  // On a seat tablet, nothing of the delegate whose session failed stays for the next one.
  if (app.seat && app.token) await signOutDelegate(app.token, TOKEN_KEY);
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    localStorage.removeItem(TOKEN_KEY);
  } catch { /* nothing kept */ }
  location.replace(location.pathname);
}

boot().catch((err) => {
  console.error(err);
  fill(document.getElementById("main"), h("p", { class: "card error" }, String(err)));
});
