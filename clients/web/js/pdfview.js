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

export class Viewer {
  constructor(container, { token, label }) {
    this.container = container;
    this.token = token;
    this.label = label;
    this.key = "";
    this.pdf = null;
    this.page = 1;
    this.pages = 0;
    this.rendering = null;
  }

  async show(url, mime, page = 1) {
    const key = url;
    if (key !== this.key) {
      this.key = key;
      this.pdf = null;
      try {
        await this.load(key, mime);
      } catch (err) {
        if (this.key === key) this.key = ""; // the next try fetches again
        throw err;
      }
      if (this.key !== key) return;
      if (!this.pdf) return; // an image, shown
    }
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

  async render(page) {
    if (!this.pdf) return;
    this.page = Math.max(1, Math.min(this.pages, page));
    const p = await this.pdf.getPage(this.page);
    const width = Math.max(320, this.container.clientWidth - 16);
    const base = p.getViewport({ scale: 1 });
    const scale = width / base.width;
    const ratio = window.devicePixelRatio || 1;
    const viewport = p.getViewport({ scale: scale * ratio });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
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
}
