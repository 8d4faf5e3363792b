// phonghop.js — the JavaScript client of the phonghop protocol (docs/protocol.md,
// GET /asyncapi.json). An ES module with no dependencies and no build step; our own web views
// use it (clients/web/js/app.js), and the server serves it at /app/lib/phonghop.js.
//
// JSON frames on the "phonghop.v1.json" subprotocol, hello with the credential, the protocol
// version and the resume position, automatic reconnect with backoff, gap and duplicate
// detection by (epoch, seq, prev), commands with ack/error promises (typed errors carrying the
// contract's ErrorCode), ballot ids kept per (poll, voter), and an offline queue for commands
// that are safe to send again with the same id.
//
// Tablets on hall Wi-Fi drop all the time, so a drop is the normal case: the client keeps
// its position and the queue in sessionStorage and picks up where it was, even after a reload.

import { ClientCode, CloseCode, CommandError, ErrorCode } from "./errors.js";
import { defaultUrl, safeStorage, uuid } from "./platform.js";
export { ClientCode, CloseCode, CommandError, ErrorCode, PhonghopError } from "./errors.js";
export { uuid } from "./platform.js";

export const SUBPROTOCOL = "phonghop.v1.json";
// The protocol version this client speaks, sent in hello (and every frame); the server refuses
// a version it does not speak with `unsupported_version` (docs/protocol.md, "Versioning").
export const PROTOCOL_VERSION = 1;

// Commands that mean the same thing when they arrive late: the server applies a command id
// once, and these do not depend on what happened in between. They are queued while offline.
// Anything else (the chair moving the agenda, opening a poll …) is refused while offline:
// applied minutes later it could do the wrong thing.
const IDEMPOTENT = new Set([
  "ballot.cast", "checkin.self", "feedback.submit", "question.ask",
  "speakers.request", "speakers.withdraw",
]);

export function isIdempotent(kind) {
  return IDEMPOTENT.has(kind);
}

// Heartbeat: a `ping` after 1.5 s without any frame, checked every 0.5 s; no frame at all (not
// even the `pong`) for 3.5 s and the link counts as dead even if TCP has not noticed (Wi-Fi
// gone, a tablet out of range): the indicator says "reconnecting" within 4 s of the loss and
// commands wait in the queue instead of going into a dead socket. An idle tablet sends one
// small frame every 1.5 s; 350 tablets are about 230 frames a second for the server.
const PING_EVERY = 1500;
const CHECK_EVERY = 500;
const DEAD_AFTER = 3500;
// An in-flight command that was not idempotent is re-sent on reconnect (same id: the server
// applies it at most once) only if the link came back quickly; later it is reported unknown.
const RESEND_WINDOW = 20000;
const FATAL_CLOSES = new Set([CloseCode.UNAUTHENTICATED, CloseCode.FORBIDDEN, CloseCode.SESSION_LIMIT]);

/** Parse a token "MEETING~PARTICIPANT~PR~EXPIRY~SIG" (server/auth.py) without trusting it; the
 * kind part may go on after "PR" (a generation, a pairing code's "-NONCE"), read no further. */
export function parseToken(token) {
  const parts = String(token || "").trim().split("~");
  if (parts.length !== 5) return null;
  const roles = { c: "chair", s: "secretary", d: "delegate", h: "screen", o: "observer" };
  return { meeting: parts[0], participant: parts[1], purpose: parts[2][0], role: roles[parts[2][1]] };
}

export class Client extends EventTarget {
  /**
   * @param {object} opts
   * @param {string} opts.token   join token (the credential sent in hello)
   * @param {string} [opts.url]   WebSocket URL (default: this page's host, /ws/{meeting})
   * @param {() => string} [opts.lang]
   * @param {object} [opts.model] has reset(state), apply(event), toJSON(), load(json), and
   *   optionally live(kind, body); default: a StateModel that keeps the snapshot's state
   * @param {Storage} [opts.storage] where the position and the queue are kept (default
   *   sessionStorage; null: nowhere)
   */
  constructor({ token, url, lang, model, storage }) {
    super();
    this.token = token;
    const claims = parseToken(token);
    this.meeting = claims?.meeting || "";
    this.url = url || defaultUrl(this.meeting);
    this.lang = lang || (() => "vi");
    this.model = model || new StateModel();
    this.storage = storage === undefined ? safeStorage("sessionStorage") : storage;
    this.key = `phonghop.v1.${this.meeting}.${claims?.participant || "?"}`;
    this.epoch = null;
    this.pos = 0;
    this.participant = null;
    this.status = "connecting"; // connecting | online | reconnecting | failed | stopped
    this.failure = null;
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.pending = new Map(); // id -> entry, sent and waiting for ack/error
    this.queue = []; // entries waiting for a connection
    this.lastFrame = 0;
    this.droppedAt = 0;
    this.serverOffset = 0;
    this.timers = {};
    this.saveTimer = null;
    this.restore();
  }

  // ---- persistence -------------------------------------------------------------------

  restore() {
    const saved = this.read(`${this.key}.state`);
    if (saved && saved.epoch && Number.isInteger(saved.seq) && saved.model) {
      try {
        this.model.load(saved.model);
        this.epoch = saved.epoch;
        this.pos = saved.seq;
      } catch {
        this.epoch = null;
        this.pos = 0;
      }
    }
    const queued = this.read(`${this.key}.queue`);
    if (Array.isArray(queued)) {
      for (const { id, kind, body } of queued) {
        this.queue.push({ id, kind, body, idempotent: true, resolve() {}, reject() {}, restored: true });
      }
    }
  }

  read(key) {
    try {
      const raw = this.storage?.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  }

  write(key, value) {
    try {
      if (value === null) this.storage?.removeItem(key);
      else this.storage?.setItem(key, JSON.stringify(value));
    } catch {
      /* quota or private mode: the client still works, only a reload starts from a snapshot */
    }
  }

  scheduleSave() {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      if (this.epoch) this.write(`${this.key}.state`, { epoch: this.epoch, seq: this.pos, model: this.model.toJSON() });
    }, 250);
  }

  saveQueue() {
    const durable = [...this.queue, ...[...this.pending.values()].filter((e) => e.idempotent)]
      .filter((e) => e.idempotent)
      .map(({ id, kind, body }) => ({ id, kind, body }));
    this.write(`${this.key}.queue`, durable.length ? durable : null);
  }

  // ---- connection --------------------------------------------------------------------

  start() {
    this.stopped = false;
    if (!this.listening && typeof document !== "undefined") {
      this.listening = true;
      globalThis.addEventListener?.("online", () => this.kick());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.kick();
      });
    }
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.ping);
    this.ws?.close(1000, "bye");
    this.setStatus("stopped");
  }

  /** Reconnect now instead of waiting out the backoff (the network is back). */
  kick() {
    if (this.stopped || this.status === "failed") return;
    if (!this.ws || this.ws.readyState === WebSocket.CLOSED) {
      clearTimeout(this.timers.retry);
      this.open();
    }
  }

  open() {
    clearTimeout(this.timers.retry);
    let ws;
    try {
      ws = new WebSocket(this.url, [SUBPROTOCOL]);
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.ready = false;
    ws.onopen = () => {
      this.lastFrame = Date.now();
      ws.send(JSON.stringify(this.helloFrame()));
      clearInterval(this.timers.ping);
      this.timers.ping = setInterval(() => this.heartbeat(ws), CHECK_EVERY);
    };
    ws.onmessage = (msg) => {
      if (ws !== this.ws) return;
      this.lastFrame = Date.now();
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      this.receive(data);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.onClosed(ev.code, ev.reason);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  /** The first frame: the credential, the version this client speaks, where it was. */
  helloFrame() {
    const hello = { v: PROTOCOL_VERSION, type: "hello", token: this.token, lang: this.lang() };
    if (this.epoch) hello.resume = { epoch: this.epoch, seq: this.pos };
    return hello;
  }

  heartbeat(ws) {
    if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
    const quiet = Date.now() - this.lastFrame;
    if (quiet > DEAD_AFTER) {
      this.resync("dead link");
      return;
    }
    if (quiet > PING_EVERY) ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "ping", id: "hb" }));
  }

  onClosed(code, reason) {
    clearInterval(this.timers.ping);
    this.ready = false;
    this.ws = null;
    if (!this.droppedAt) this.droppedAt = Date.now();
    if (this.stopped) return;
    // 4001: the token is not accepted; 4003: not (or no longer) on the roster. Retrying the
    // same token cannot help: say so and stop. 4029: this link is open on more devices than
    // allowed and this one was the oldest; reconnecting would only bump the next one. A
    // server that does not speak our version (unsupported_version, then 1002) will not learn
    // it by a retry either: a newer page (or library) is needed.
    if (FATAL_CLOSES.has(code) || this.lastError?.code === ErrorCode.UNSUPPORTED_VERSION) {
      this.failure = { code, reason: this.lastError?.code || reason };
      this.failAll(ErrorCode.UNAUTHENTICATED);
      this.setStatus("failed");
      return;
    }
    this.setStatus(this.everOnline ? "reconnecting" : "connecting");
    this.scheduleReconnect(code === CloseCode.SLOW_CONSUMER ? 0 : undefined);
  }

  scheduleReconnect(delay) {
    const base = Math.min(10000, 300 * 2 ** Math.min(this.attempt, 6));
    const wait = delay ?? base / 2 + Math.random() * base / 2;
    this.attempt += 1;
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.open(), wait);
  }

  /** Drop the link and reconnect from the last applied position (after a gap). */
  resync(why) {
    this.resyncs = (this.resyncs || 0) + 1;
    this.dispatchEvent(new CustomEvent("resync", { detail: why }));
    const ws = this.ws;
    this.ws = null;
    try { ws?.close(4000, why); } catch { /* already closed */ }
    this.onClosed(4000, why);
    this.attempt = 0;
    this.scheduleReconnect(50);
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  // ---- frames from the server --------------------------------------------------------

  receive(msg) {
    switch (msg.type) {
      case "welcome":
        return this.onWelcome(msg);
      case "snapshot":
        this.epoch = msg.epoch;
        this.pos = msg.seq;
        this.model.reset(msg.state, msg);
        this.scheduleSave();
        this.emit("change", { reason: "snapshot" });
        return this.becomeReady();
      case "event":
        return this.onEvent(msg);
      case "live":
        this.model.live?.(msg.kind, msg.body);
        this.emit("live", msg);
        this.emit("change", { reason: "live", kind: msg.kind });
        return;
      case "ack":
        return this.settle(msg.id, true, msg);
      case "error":
        if (msg.id) return this.settle(msg.id, false, msg);
        this.lastError = msg;
        this.emit("server-error", msg);
        return;
      case "pong":
        return;
      default:
        return;
    }
  }

  onWelcome(msg) {
    this.participant = msg.participant;
    this.lastResume = msg.resume;
    this.serverOffset = (msg.server_time || Date.now()) - Date.now();
    this.emit("welcome", msg);
    if (msg.resume === "replay") {
      // Our model and position stand; the missed events follow in order.
      this.epoch = msg.epoch;
      this.becomeReady();
    }
    // "snapshot": wait for the snapshot frame before sending anything.
  }

  becomeReady() {
    this.ready = true;
    this.attempt = 0;
    this.everOnline = true;
    this.lastError = null;
    const wasDown = this.droppedAt;
    this.droppedAt = 0;
    this.setStatus("online");
    this.flush(wasDown ? Date.now() - wasDown : 0);
  }

  onEvent(ev) {
    if (ev.epoch !== this.epoch) {
      // The log was reset under us: positions from before mean nothing. Start over.
      this.epoch = null;
      this.pos = 0;
      this.resync("epoch");
      return;
    }
    if (ev.seq <= this.pos) return; // a duplicate (replay overlap): already applied
    if (ev.prev > this.pos) {
      // Something our audience could see happened between pos and this event, and we do
      // not have it: reconnect and let the server replay from our position.
      this.resync("gap");
      return;
    }
    this.model.apply(ev);
    this.pos = ev.seq;
    this.scheduleSave();
    this.emit("event", ev);
    this.emit("change", { reason: "event", kind: ev.kind });
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  /** Server time now, corrected by the offset measured at welcome (for timers). */
  now() {
    return Date.now() + this.serverOffset;
  }

  // ---- commands ----------------------------------------------------------------------

  /**
   * Send a command; resolves with the ack, rejects with a CommandError.
   * While offline, idempotent kinds are queued (and kept across a reload) and sent on
   * reconnect with the same id; others are refused at once with code "offline".
   */
  send(kind, body = {}, { idempotent, id } = {}) {
    const idem = idempotent ?? isIdempotent(kind);
    return new Promise((resolve, reject) => {
      const entry = { id: id || uuid(), kind, body, idempotent: idem, resolve, reject, sentAt: 0 };
      if (this.ready && this.ws?.readyState === WebSocket.OPEN) {
        this.transmit(entry);
      } else if (idem && this.status !== "failed") {
        this.queue.push(entry);
        this.saveQueue();
        this.emit("queue", this.queue.length);
      } else {
        reject(new CommandError(ClientCode.OFFLINE, "offline"));
      }
    });
  }

  transmit(entry) {
    entry.sentAt = Date.now();
    this.pending.set(entry.id, entry);
    if (entry.idempotent) this.saveQueue();
    this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "cmd", id: entry.id, kind: entry.kind, body: entry.body }));
  }

  flush(downFor) {
    // Commands that were in flight when the link dropped: we do not know if they arrived.
    const inflight = [...this.pending.values()];
    this.pending.clear();
    for (const entry of inflight) {
      if (entry.idempotent || downFor < RESEND_WINDOW) this.transmit(entry);
      else entry.reject(new CommandError(ClientCode.UNKNOWN_OUTCOME, "unknown_outcome"));
    }
    const queued = this.queue;
    this.queue = [];
    for (const entry of queued) this.transmit(entry);
    this.saveQueue();
    this.emit("queue", 0);
  }

  settle(id, ok, msg) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.idempotent) this.saveQueue();
    this.emit(ok ? "ack" : "nack", { kind: entry.kind, body: entry.body, msg, restored: !!entry.restored });
    if (ok) entry.resolve(msg);
    else entry.reject(new CommandError(msg.code, msg.message, msg.details || {}));
  }

  failAll(code) {
    for (const entry of [...this.pending.values(), ...this.queue]) {
      entry.reject(new CommandError(code, code));
    }
    this.pending.clear();
    this.queue = [];
    this.saveQueue();
  }

  get queued() {
    return this.queue.length;
  }

  /** Whether the command ``id`` still waits in the offline queue (not sent yet). */
  isQueued(id) {
    return this.queue.some((e) => e.id === id);
  }

  /**
   * Take a command that was never sent out of the queue (a delegate changing a queued
   * ballot); its promise is rejected with "withdrawn". False if it has left already.
   */
  unqueue(id) {
    const at = this.queue.findIndex((e) => e.id === id);
    if (at < 0) return false;
    const [entry] = this.queue.splice(at, 1);
    this.saveQueue();
    this.emit("queue", this.queue.length);
    entry.reject(new CommandError(ClientCode.WITHDRAWN, "withdrawn"));
    return true;
  }

  /**
   * The `ballot_id` of `voter`'s ballot in `poll`: made once and kept in localStorage, so a
   * retry (after a drop, a reload, another command id) is the same ballot to the server.
   */
  ballotId(poll, voter) {
    const key = `phonghop.ballot.${this.meeting}.${poll}.${voter}`;
    const kept = safeStorage("localStorage");
    try {
      let id = kept?.getItem(key);
      if (!id) { id = uuid(); kept?.setItem(key, id); }
      return id;
    } catch {
      return uuid();
    }
  }

  /** Cast a ballot (`choice`: an option id, a list of them, or yes/no/abstain). */
  castBallot(poll, choice, { voter, onBehalfOf, id } = {}) {
    const who = onBehalfOf || voter || this.participant?.id || parseToken(this.token)?.participant;
    const body = { poll, choice, ballot_id: this.ballotId(poll, who) };
    if (onBehalfOf) body.on_behalf_of = onBehalfOf;
    return this.send("ballot.cast", body, { id });
  }

  /** Forget the stored position and model (e.g. a different person on this tablet). */
  forget() {
    this.write(`${this.key}.state`, null);
    this.write(`${this.key}.queue`, null);
  }
}

/** A model that keeps the snapshot's state and folds nothing (listen to "event" yourself). */
export class StateModel {
  constructor() { this.state = null; }
  reset(state) { this.state = structuredClone(state || {}); }
  apply() {}
  live() {}
  load(json) { this.state = json; }
  toJSON() { return this.state; }
}
