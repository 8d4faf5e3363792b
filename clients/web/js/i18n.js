// Every UI string comes from i18n/<lang>.json. Vietnamese is the default; the choice is kept
// in localStorage. Lists of names are sorted in Vietnamese order with Intl.Collator("vi").

const LANGS = ["vi", "en"];
const STORE_KEY = "phonghop.lang";
const catalogues = {};
let lang = "vi";
const listeners = new Set();

async function load(code) {
  if (!catalogues[code]) {
    const url = new URL(`../i18n/${code}.json`, import.meta.url);
    const response = await fetch(url, { cache: "no-cache" });
    catalogues[code] = await response.json();
  }
  return catalogues[code];
}

export async function initI18n() {
  let wanted = "vi";
  try { wanted = localStorage.getItem(STORE_KEY) || "vi"; } catch { /* private mode */ }
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(fromUrl)) wanted = fromUrl;
  if (!LANGS.includes(wanted)) wanted = "vi";
  await load("vi");
  await setLang(wanted, false);
}

export async function setLang(code, notify = true) {
  if (!LANGS.includes(code)) return;
  await load(code);
  lang = code;
  document.documentElement.lang = code;
  try { localStorage.setItem(STORE_KEY, code); } catch { /* private mode */ }
  if (notify) for (const fn of listeners) fn(code);
}

export function getLang() {
  return lang;
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for ``key`` with ``{name}`` placeholders filled from ``params``. */
export function t(key, params = {}) {
  let text = catalogues[lang]?.[key] ?? catalogues.vi?.[key];
  if (text === undefined) {
    console.warn("i18n: missing key", key);
    text = key;
  }
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** A translated label for a value from the server (status, role, …), or the value itself. */
export function tv(prefix, value) {
  const key = `${prefix}.${value}`;
  return catalogues[lang]?.[key] ?? catalogues.vi?.[key] ?? String(value ?? "");
}

const collators = {};
export function collator() {
  collators[lang] ??= new Intl.Collator(lang === "en" ? ["vi", "en"] : "vi", { sensitivity: "base", numeric: true });
  return collators[lang];
}

/** Vietnamese personal names sort by given name (the last word), then the whole name. */
export function compareNames(a, b) {
  const c = collator();
  const ga = lastWord(a), gb = lastWord(b);
  return c.compare(ga, gb) || c.compare(a, b);
}

/** The given name: the last word of a Vietnamese personal name. */
export function lastWord(name) {
  const words = String(name || "").trim().split(/\s+/);
  return words[words.length - 1] || "";
}

/** Lower case without diacritics, đ → d: "Nguyễn Văn Hùng" → "nguyen van hung". */
export function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(lang === "en" ? "en-GB" : "vi-VN", {
    maximumFractionDigits: digits, minimumFractionDigits: 0,
  }).format(value);
}
