// The document viewer: PDFs rendered in the page with pdf.js (vendored, legacy build), images
// shown as they are. Files are fetched with the participant's token and kept on the tablet's
// offline shelf (IndexedDB, js/offline.js), which works on plain http too; Cache Storage is
// only a fallback where IndexedDB is missing. pdf.js and its worker are loaded while online,
// so a document can be opened after the network is gone.

import { getFile, putFile, storedUrls } from "./offline.js";

const CACHE = "phonghop-documents-v1";
let pdfjs = null;
let loading = null;

async function loadPdfjs() {
  loading ||= (async () => {
    const lib = await import("../vendor/pdfjs/pdf.min.mjs");
    const src = new URL("../vendor/pdfjs/pdf.worker.min.mjs", import.meta.url).href;
    lib.GlobalWorkerOptions.workerSrc = src;
    // One long-lived worker, started now: offline, pdf.js could not fetch its script again.
    try {
      lib.GlobalWorkerOptions.workerPort = new Worker(src, { type: "module" });
    } catch { /* pdf.js starts its own */ }
    pdfjs = lib;
    return lib;
  })();
  try {
    return await loading;
  } catch (err) {
    loading = null; // offline before it ever loaded: try again next time
    throw err;
  }
}

export function versionUrl(meeting, doc, version) {
  return `/api/meetings/${encodeURIComponent(meeting)}/documents/${encodeURIComponent(doc)}/versions/${version}`;
}

async function openCache() {
  return globalThis.caches ? caches.open(CACHE).catch(() => null) : null;
}

/** The file's bytes and type: from the shelf if there, else from the server (then kept). */
export async function fetchDocument(url, token) {
  const kept = await getFile(url);
  if (kept?.blob) return { data: new Uint8Array(await kept.blob.arrayBuffer()), mime: kept.mime };
  const cache = await openCache();
  const hit = cache ? await cache.match(url).catch(() => null) : null;
  if (hit) {
    const blob = await hit.blob();
    putFile(url, blob);
    return { data: new Uint8Array(await blob.arrayBuffer()), mime: blob.type };
  }
  const blob = await download(url, token);
  if (!(await putFile(url, blob)) && cache) {
    cache.put(url, new Response(blob, { headers: { "Content-Type": blob.type } })).catch(() => {});
  }
  return { data: new Uint8Array(await blob.arrayBuffer()), mime: blob.type };
}

async function download(url, token) {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.blob();
}

/**
 * Put every released document on the shelf (offline reading): the server's manifest
 * (GET /api/meetings/{id}/documents) says which versions this participant may read; the ones
 * not kept yet are fetched. Falls back to the documents in the model when the manifest cannot
 * be had. Resolves to {total, stored, bytes}; ``onProgress`` gets the same as it goes.
 */
export async function preload(meeting, documents, token, onProgress) {
  loadPdfjs().catch(() => {});
  let wanted = [];
  try {
    const response = await fetch(`/api/meetings/${encodeURIComponent(meeting)}/documents`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const manifest = await response.json();
    wanted = (manifest.documents || []).filter((d) => d.released !== false)
      .map((d) => ({ url: versionUrl(meeting, d.id, d.version), size: d.size || 0, mime: d.mime, sha256: d.sha256 }));
  } catch {
    for (const doc of documents || []) {
      const v = latestReleased(doc);
      if (v) wanted.push({ url: versionUrl(meeting, doc.id, v.version ?? v.n), size: v.size || 0, mime: v.mime, sha256: v.sha256 });
    }
  }
  const have = await storedUrls();
  const status = { total: wanted.length, stored: 0, bytes: 0 };
  for (const w of wanted) {
    if (!have.has(w.url)) {
      try {
        const blob = await download(w.url, token);
        if (!(await putFile(w.url, blob, w))) continue;
      } catch {
        continue; // offline or refused: the next preload tries again
      }
    }
    status.stored += 1;
    status.bytes += w.size;
    onProgress?.({ ...status });
  }
  onProgress?.({ ...status, done: true });
  return status;
}

export function latestReleased(doc) {
  const released = (doc.versions || []).filter((v) => v.released !== false);
  return released[released.length - 1] || null;
}

// Zoom is relative to the fit (1 = the page fits the box); the steps and the bounds of the
// buttons and of a pinch.
export const ZOOM_MIN = 0.5;
export const ZOOM_MAX = 4;
const ZOOM_STEP = 1.25;
// A canvas above ~16 million pixels is refused or slow on tablets: the device pixel ratio
// gives way first, so a deep zoom stays sharp enough and never blank.
const MAX_PIXELS = 16e6;

export function clampZoom(zoom) {
  return Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, zoom));
}

/** One press of zoom in (dir > 0) or out (dir < 0). */
export function stepZoom(zoom, dir) {
  return clampZoom(Math.round((dir > 0 ? zoom * ZOOM_STEP : zoom / ZOOM_STEP) * 1000) / 1000);
}

/** The zoom a pinch reaches: the zoom it started at, scaled by how far the fingers moved apart. */
export function pinchZoom(startZoom, startDistance, distance) {
  return clampZoom(startZoom * distance / Math.max(1, startDistance));
}

/** The content box of ``el`` (its client size less padding), in CSS px. */
function contentBox(el) {
  const cs = getComputedStyle(el);
  const padX = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
  const padY = parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
  return { width: el.clientWidth - padX, height: el.clientHeight - padY };
}

export class Viewer {
  /** ``fit``: "width" (a reader: the page as wide as the box, scroll down) or "page" (the hall
   * screen and the chair's preview: the whole page inside the box). */
  constructor(container, { token, label, fit = "width" }) {
    this.container = container;
    this.token = token;
    this.label = label;
    this.fit = fit;
    this.zoom = 1;
    this.key = "";
    this.pdf = null;
    this.page = 1;
    this.pages = 0;
    this.rendering = null;
    this.loading = null;
    this.wanted = 1;
    this.pointers = new Map();
    this.pinch = null;
    this.onZoom = null;
  }

  async show(url, mime, page = 1) {
    this.wanted = page;
    if (url !== this.key) {
      this.key = url;
      this.pdf = null;
      this.loading = this.load(url, mime).catch((err) => {
        if (this.key === url) this.key = ""; // the next try fetches again
        throw err;
      });
    }
    // The same document asked for again while it loads (the chair turned the page meanwhile):
    // wait for it, and only the page asked for last is drawn.
    await this.loading;
    if (this.key !== url || !this.pdf || this.wanted !== page) return; // an image is shown already
    await this.render(page);
  }

  async load(key, mime) {
    const { data, mime: kept } = await fetchDocument(key, this.token);
    if (this.key !== key) return; // another document was asked for meanwhile
    mime ||= kept;
    if (mime && mime !== "application/pdf") {
      const img = document.createElement("img");
      img.alt = this.label;
      img.src = URL.createObjectURL(new Blob([data], { type: mime }));
      this.pages = 1;
      this.container.replaceChildren(img);
      this.page = 1;
      return;
    }
    const lib = await loadPdfjs();
    if (this.key !== key) return;
    this.pdf = await lib.getDocument({
      data,
      standardFontDataUrl: new URL("../vendor/pdfjs/standard_fonts/", import.meta.url).href,
      isEvalSupported: false,
    }).promise;
    this.pages = this.pdf.numPages;
  }

  /** Set the zoom (clamped) and draw the page again at it. */
  setZoom(zoom) {
    this.zoom = clampZoom(zoom);
    this.container.dataset.zoom = String(this.zoom);
    this.onZoom?.(this.zoom);
    return this.render(this.page);
  }

  async render(page) {
    if (!this.pdf) return;
    this.page = Math.max(1, Math.min(this.pages, page));
    const p = await this.pdf.getPage(this.page);
    const box = contentBox(this.container);
    const base = p.getViewport({ scale: 1 });
    // A box not laid out yet (hidden) still gets a readable page, redrawn on the next resize.
    let scale = (box.width > 0 ? box.width : 320) / base.width;
    if (this.fit === "page" && box.height > 0) scale = Math.min(scale, box.height / base.height);
    scale *= this.zoom;
    const cssW = Math.floor(base.width * scale);
    const cssH = Math.floor(base.height * scale);
    const ratio = Math.min(window.devicePixelRatio || 1, Math.sqrt(MAX_PIXELS / Math.max(1, cssW * cssH)));
    const viewport = p.getViewport({ scale: scale * ratio });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    // Through the CSSOM: the page's CSP refuses style attributes.
    canvas.style.width = `${cssW}px`;
    canvas.style.height = `${cssH}px`;
    canvas.style.maxWidth = "none";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", this.label);
    canvas.dataset.page = String(this.page);
    this.rendering?.cancel?.();
    this.rendering = p.render({ canvasContext: canvas.getContext("2d"), viewport });
    try {
      await this.rendering.promise;
    } catch {
      return; // cancelled by a newer page
    }
    this.container.replaceChildren(canvas);
  }

  /** Two fingers on the page zoom it (pointer events, so the browser's own page zoom is kept
   * out by ``touch-action`` in app.css): the canvas is stretched while the fingers move and
   * drawn again sharp when they lift. */
  enablePinch() {
    const el = this.container;
    const distance = () => {
      const [a, b] = [...this.pointers.values()];
      return Math.hypot(a.x - b.x, a.y - b.y);
    };
    el.addEventListener("pointerdown", (e) => {
      if (e.pointerType !== "touch") return;
      this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (this.pointers.size === 2) {
        const canvas = el.querySelector("canvas");
        this.pinch = { zoom: this.zoom, distance: distance(), canvas, w: canvas?.offsetWidth, h: canvas?.offsetHeight };
      }
    });
    el.addEventListener("pointermove", (e) => {
      if (!this.pointers.has(e.pointerId)) return;
      this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      const pinch = this.pinch;
      if (!pinch || this.pointers.size !== 2) return;
      e.preventDefault();
      this.zoom = pinchZoom(pinch.zoom, pinch.distance, distance());
      if (pinch.canvas) {
        const k = this.zoom / pinch.zoom;
        pinch.canvas.style.width = `${Math.floor(pinch.w * k)}px`;
        pinch.canvas.style.height = `${Math.floor(pinch.h * k)}px`;
      }
    });
    const lift = (e) => {
      if (!this.pointers.delete(e.pointerId)) return;
      if (this.pinch && this.pointers.size < 2) {
        this.pinch = null;
        this.setZoom(this.zoom);
      }
    };
    for (const kind of ["pointerup", "pointercancel", "pointerleave"]) el.addEventListener(kind, lift);
  }
}
