// The tablet's offline shelf: document files kept as Blobs in IndexedDB, keyed by their
// immutable version URL. IndexedDB works on plain http (hall Wi-Fi on a LAN IP), where Cache
// Storage and service workers do not exist: they need a secure context.
//
// A version's bytes never change (content-addressed on the server), so an entry never goes
// stale; entries of another meeting are simply never asked for.

const DB = "phonghop-offline";
const STORE = "files";
let opening = null;

function openDb() {
  if (!globalThis.indexedDB) return Promise.resolve(null);
  opening ||= new Promise((resolve) => {
    let req;
    try {
      req = indexedDB.open(DB, 1);
    } catch {
      resolve(null);
      return;
    }
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null); // private mode or blocked: work without the shelf
    req.onblocked = () => resolve(null);
  });
  return opening;
}

function request(mode, fn) {
  return openDb().then((db) => new Promise((resolve) => {
    if (!db) { resolve(null); return; }
    let tx;
    try {
      tx = db.transaction(STORE, mode);
    } catch {
      resolve(null);
      return;
    }
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req?.result ?? null);
    tx.onerror = () => resolve(null);
    tx.onabort = () => resolve(null);
  }));
}

/** The stored entry for ``url``: ``{blob, mime, sha256, size, at}`` or null. */
export function getFile(url) {
  return request("readonly", (store) => store.get(url));
}

/** Keep ``blob`` for ``url``. Resolves true when stored (false: no IndexedDB, or quota). */
export async function putFile(url, blob, meta = {}) {
  const value = { blob, mime: blob.type || meta.mime || "", sha256: meta.sha256 || "", size: blob.size, at: Date.now() };
  const done = await request("readwrite", (store) => store.put(value, url));
  return done !== null;
}

/** The URLs already on the shelf. */
export async function storedUrls() {
  const keys = await request("readonly", (store) => store.getAllKeys());
  return new Set(keys || []);
}
