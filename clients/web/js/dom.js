// Small DOM helpers. All text goes in through textContent: data from the server (names,
// feedback, titles) is never parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    // Through the CSSOM: the page's CSP (no 'unsafe-inline') refuses style attributes.
    else if (name === "style") el.style.cssText = String(value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace every child of ``el``. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function setText(el, text) {
  const value = text === undefined || text === null ? "" : String(text);
  if (el.textContent !== value) el.textContent = value;
}

export function show(el, visible) {
  el.hidden = !visible;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

let announcer = null;

/** A short message in the toast area (also read out by screen readers). */
export function toast(message, kind = "info", ms = 5000) {
  if (!announcer) announcer = document.getElementById("toasts");
  if (!announcer) return;
  const item = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  announcer.appendChild(item);
  setTimeout(() => item.remove(), ms);
}

export function formatTime(ms, lang) {
  if (!ms) return "";
  return new Date(ms).toLocaleTimeString(lang === "en" ? "en-GB" : "vi-VN", {
    hour: "2-digit", minute: "2-digit",
  });
}

export function formatClock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const sign = seconds < 0 ? "−" : "";
  return `${sign}${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function uuid() {
  // crypto.randomUUID exists only in secure contexts; hall Wi-Fi often serves plain http.
  if (globalThis.crypto?.randomUUID) {
    try { return crypto.randomUUID(); } catch { /* insecure context */ }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
