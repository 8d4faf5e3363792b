// A shared seat tablet: the organiser's tablet lying at a seat of the hall, paired from the
// secretary desk (server/devices.py, purpose "s"). Its own session sends nothing; it only
// says, as the Bearer token of POST /api/badge-login, that a badge was scanned at a seat
// tablet (the meeting setting badge_sign_in "seat_tablets" accepts badges only there).
// Delegates of different sessions sit at the seat in turn: each signs in with their badge
// and gets a session of their own, kept apart from the tablet's, and "Sign out" ends theirs
// (DELETE /api/sessions/current) and leaves the tablet paired for the next delegate.

import { parseToken } from "../lib/phonghop.js";
import { api } from "./api.js";

// localStorage: the tablet stays paired when the browser is closed; the delegate's session is
// kept under the app's own key (app.js), never under this one.
const SEAT_KEY = "phonghop.seat";
// What the browser kept of the delegate: the client's copy of the meeting and its queue
// (clients/js/phonghop.js), ballots waiting offline, receipts and ballot ids (views/ballot.js).
// A receipt reveals no choice, but the next delegate at the seat has no business with it.
const DELEGATE_PREFIXES = ["phonghop.v1.", "phonghop.queuedballots.", "phonghop.receipts.", "phonghop.ballot."];

/** Is ``session`` a seat tablet's device session (uppercase purpose S)? */
export function isSeatSession(session) {
  return parseToken(session)?.purpose === "S";
}

export function keptSeat() {
  try { return localStorage.getItem(SEAT_KEY); } catch { return null; }
}

export function keepSeat(session) {
  try { localStorage.setItem(SEAT_KEY, session); } catch { /* this page keeps it */ }
}

export function forgetSeat() {
  try { localStorage.removeItem(SEAT_KEY); } catch { /* nothing kept */ }
}

/**
 * End the delegate's session on this seat tablet and forget everything of theirs the browser
 * kept (their session, the copy of the meeting, ballots and receipts), so the next
 * delegate at the seat starts from the seat sign-in page. The tablet's own session stays.
 * @param {string} token the delegate's session
 * @param {string} tokenKey where app.js keeps it
 */
export async function signOutDelegate(token, tokenKey) {
  if (!(await endSession(token))) remember(token);
  for (const storage of [sessionStorage, localStorage]) {
    try {
      storage.removeItem(tokenKey);
      for (const key of Object.keys(storage)) {
        if (DELEGATE_PREFIXES.some((prefix) => key.startsWith(prefix))) storage.removeItem(key);
      }
    } catch { /* private mode: nothing kept */ }
  }
}

// Sessions signed out while the tablet was offline (or the server unreachable): the delegate
// has left the seat, so their session must still end, the moment the server can be reached,
// not when it expires. Kept until the server has ended them; the app uses them for nothing
// else.
const SIGNOUTS_KEY = "phonghop.seat.signouts";
const RETRY_MS = 15000;
let retryTimer = null;
let finishing = false;

/** Whether the server ended ``token``'s session, or had ended it already (401). */
async function endSession(token) {
  try {
    await api("/api/sessions/current", { token, method: "DELETE" });
    return true;
  } catch (err) {
    // Network or server trouble, or too many requests: not yet. Any other refusal (401:
    // ended already, signed in elsewhere or reissued) will not change by asking again.
    const status = err?.status ?? 0;
    return status !== 0 && status !== 429 && status < 500;
  }
}

// The list is kept in memory too: where localStorage cannot be read or refuses to write (a
// private window), the page retries while it lives.
let inMemory = [];

function pendingSignOuts() {
  let stored = [];
  try { stored = JSON.parse(localStorage.getItem(SIGNOUTS_KEY) || "[]"); } catch { /* inMemory */ }
  return [...new Set([...stored, ...inMemory])];
}

function keepPending(tokens) {
  inMemory = tokens;
  try {
    if (tokens.length) localStorage.setItem(SIGNOUTS_KEY, JSON.stringify(tokens));
    else localStorage.removeItem(SIGNOUTS_KEY);
  } catch { /* private mode: inMemory holds them */ }
}

function remember(token) {
  const tokens = pendingSignOuts();
  if (!tokens.includes(token)) keepPending([...tokens, token]);
  scheduleRetry();
}

function scheduleRetry() {
  if (retryTimer === null) retryTimer = setTimeout(() => { retryTimer = null; finishSignOuts(); }, RETRY_MS);
}

/** End the sessions signed out while offline; called when the seat tablet starts, when the
 * browser is back online, and every 15 s while any is left. */
export async function finishSignOuts() {
  // The online event and the timer may both call: one pass at a time, so no token is sent twice.
  if (finishing) return;
  finishing = true;
  try {
    const ended = new Set();
    for (const token of pendingSignOuts()) {
      if (await endSession(token)) ended.add(token);
    }
    // Read again: a sign-out meanwhile may have added one.
    keepPending(pendingSignOuts().filter((token) => !ended.has(token)));
  } finally {
    finishing = false;
  }
  if (pendingSignOuts().length) scheduleRetry();
}

let watching = false;

/** On a seat tablet: keep ending the sessions signed out offline, now and whenever the
 * browser says it is back online. */
export function watchSignOuts() {
  if (watching) return;
  watching = true;
  window.addEventListener("online", () => { finishSignOuts(); });
  finishSignOuts();
}
