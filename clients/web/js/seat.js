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
  try {
    await api("/api/sessions/current", { token, method: "DELETE" });
  } catch { /* ended already (signed in elsewhere, reissued): forgotten here all the same */ }
  for (const storage of [sessionStorage, localStorage]) {
    try {
      storage.removeItem(tokenKey);
      for (const key of Object.keys(storage)) {
        if (DELEGATE_PREFIXES.some((prefix) => key.startsWith(prefix))) storage.removeItem(key);
      }
    } catch { /* private mode: nothing kept */ }
  }
}
