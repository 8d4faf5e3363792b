// What the client needs from where it runs (a browser page, or Node with a global WebSocket):
// ids, storage, the default address. Nothing here assumes a window exists.

/** The meeting's WebSocket address on the host that served this page ("" outside a page). */
export function defaultUrl(meeting) {
  const here = globalThis.location;
  if (!here) return "";
  const scheme = here.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${here.host}/ws/${encodeURIComponent(meeting)}`;
}

/** A random UUID; crypto.randomUUID exists only in secure contexts (not plain http). */
export function uuid() {
  if (globalThis.crypto?.randomUUID) {
    try { return crypto.randomUUID(); } catch { /* insecure context */ }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function safeStorage(name) {
  try {
    const s = globalThis[name];
    s.setItem("phonghop.probe", "1");
    s.removeItem("phonghop.probe");
    return s;
  } catch {
    return null;
  }
}
