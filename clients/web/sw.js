// Service worker (only where the page is a secure context: https or localhost): keeps the app
// shell, so a tablet can reload the page without the network. Network first, so a new version
// of the views is used as soon as it can be fetched; the cache only answers when offline.
// Documents are not cached here: the page keeps them in IndexedDB (js/offline.js), which
// also works over plain http where there is no service worker at all.

const SHELL = "phonghop-shell-v1";
const FILES = [
  "./", "index.html", "css/app.css", "css/screen.css", "i18n/vi.json", "i18n/en.json",
  "js/app.js", "js/client.js", "js/model.js", "js/api.js", "js/i18n.js", "js/dom.js", "js/seat.js",
  "js/pdfview.js", "js/offline.js", "lib/phonghop.js", "lib/errors.js", "lib/platform.js",
  "js/views/common.js", "js/views/reducers.js", "js/views/attendance.js", "js/views/badgescan.js",
  "js/views/speakers.js", "js/views/documents.js", "js/views/documentreader.js",
  "js/views/feedback.js", "js/views/polls.js", "js/views/results.js", "js/views/ballot.js",
  "js/views/fit.js",
  "js/views/questions.js", "js/views/proxies.js",
  "js/views/delegate.js", "js/views/chair.js", "js/views/secretary.js", "js/views/screen.js",
  "js/views/kiosk.js", "js/views/settings.js", "js/views/signing.js", "js/views/signin.js", "js/views/qrcamera.js",
  "vendor/pdfjs/pdf.min.mjs", "vendor/pdfjs/pdf.worker.min.mjs",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).catch(() => {}));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  const scope = new URL(self.registration.scope);
  // Only the shell's own files: API calls, downloads and the WebSocket go straight through.
  if (req.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  event.respondWith((async () => {
    try {
      const response = await fetch(req);
      if (response.ok && response.type === "basic") {
        const copy = response.clone();
        // A page is kept without its query: a join link's token does not go into the cache.
        const key = req.mode === "navigate" ? url.origin + url.pathname : req;
        caches.open(SHELL).then((cache) => cache.put(key, copy)).catch(() => {});
      }
      return response;
    } catch (err) {
      const cache = await caches.open(SHELL);
      const hit = await cache.match(req, { ignoreSearch: req.mode === "navigate" }) ||
        (req.mode === "navigate" ? await cache.match(new URL("index.html", scope).href) : null);
      if (hit) return hit;
      throw err;
    }
  })());
});
