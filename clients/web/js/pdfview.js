// The document viewer: PDFs rendered in the page with pdf.js (vendored, legacy build), images
// shown as they are. Files are fetched with the participant's token and kept in the Cache
// Storage (where the browser offers it) so that a tablet can read them without the network.

const CACHE = "phonghop-documents-v1";
let pdfjs = null;

async function loadPdfjs() {
  if (!pdfjs) {
    pdfjs = await import("../vendor/pdfjs/pdf.min.mjs");
    pdfjs.GlobalWorkerOptions.workerSrc = new URL("../vendor/pdfjs/pdf.worker.min.mjs", import.meta.url).href;
  }
  return pdfjs;
}

export function versionUrl(meeting, doc, version) {
  return `/api/meetings/${encodeURIComponent(meeting)}/documents/${encodeURIComponent(doc)}/versions/${version}`;
}

/** The file's bytes: from the cache if there, else from the server (then cached). */
export async function fetchDocument(url, token) {
  const cache = globalThis.caches ? await caches.open(CACHE).catch(() => null) : null;
  const hit = cache ? await cache.match(url).catch(() => null) : null;
  if (hit) return new Uint8Array(await hit.arrayBuffer());
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const copy = response.clone();
  // A version's bytes never change (content-addressed), so a cached copy never goes stale.
  if (cache) cache.put(url, copy).catch(() => {});
  return new Uint8Array(await response.arrayBuffer());
}

/** Fetch every released document into the cache in the background (offline reading). */
export async function preload(meeting, documents, token) {
  for (const doc of documents || []) {
    const v = latestReleased(doc);
    if (!v) continue;
    try { await fetchDocument(versionUrl(meeting, doc.id, v.version ?? v.n), token); } catch { /* later */ }
  }
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
      const data = await fetchDocument(url, this.token);
      if (this.key !== key) return; // another document was asked for meanwhile
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
      this.pdf = await lib.getDocument({
        data,
        standardFontDataUrl: new URL("../vendor/pdfjs/standard_fonts/", import.meta.url).href,
        isEvalSupported: false,
      }).promise;
      this.pages = this.pdf.numPages;
    }
    await this.render(page);
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
