// The client's copy of the meeting: the starting snapshot, folded forward by each event.
// Each feature area adds its reducers to REDUCERS (event kind -> fn(state, body, event)).
// State is plain JSON so it can be kept in sessionStorage with the resume position.

const REDUCERS = {};
// Live messages that change the model too (kind -> fn(state, body)), besides state.live[kind].
const LIVE = {};

export function liveReducer(kind, fn) {
  LIVE[kind] = fn;
}

export function reducer(kinds, fn) {
  for (const kind of [].concat(kinds)) REDUCERS[kind] = fn;
}

const HISTORY = 60; // recent events kept for the activity list

export class Model {
  constructor() {
    this.state = null;
    this.listeners = new Set();
  }

  reset(snapshot) {
    const s = structuredClone(snapshot || {});
    s.participants = toMap(s.participants);
    s.live = {};
    s.history = [];
    this.state = s;
  }

  load(json) {
    this.state = json;
  }

  toJSON() {
    return this.state;
  }

  apply(ev) {
    const s = this.state;
    if (!s) return;
    const fn = REDUCERS[ev.kind];
    if (fn) fn(s, ev.body || {}, ev);
    s.seq = ev.seq;
    s.history.push({ seq: ev.seq, kind: ev.kind, at: ev.at, body: summarise(ev) });
    if (s.history.length > HISTORY) s.history.splice(0, s.history.length - HISTORY);
  }

  live(kind, body) {
    if (!this.state) return;
    this.state.live[kind] = body;
    LIVE[kind]?.(this.state, body);
  }
}

function toMap(list) {
  if (!list) return null;
  if (!Array.isArray(list)) return list;
  const out = {};
  for (const p of list) out[p.id] = p;
  return out;
}

// Only small, display-worthy parts of an event body go into the history.
function summarise(ev) {
  const b = ev.body || {};
  const out = {};
  // `via`: where a participant signed in (a seat tablet is named in the desk history).
  for (const key of ["reason", "title", "id", "participant", "full_name", "item", "page", "document", "poll", "via"]) {
    if (typeof b[key] === "string" || typeof b[key] === "number") out[key] = b[key];
  }
  if (Array.isArray(b.participants)) out.count = b.participants.length;
  return out;
}

// ---- meeting and roster (foundation) ---------------------------------------------------

const STATUS = {
  "meeting.opened": "open",
  "meeting.adjourned": "adjourned",
  "meeting.resumed": "open",
  "meeting.closed": "closed",
};
reducer(Object.keys(STATUS), (s, body, ev) => {
  s.status = STATUS[ev.kind];
  if (ev.kind === "meeting.adjourned") s.adjourn_reason = body.reason || "";
  else s.adjourn_reason = "";
});

reducer("meeting.updated", (s, body) => {
  const { settings, ...fields } = body;
  s.info = { ...s.info, ...fields, settings: { ...(s.info?.settings || {}), ...(settings || {}) } };
});

function recount(s) {
  if (!s.participants) return;
  const counts = { chair: 0, secretary: 0, delegate: 0, screen: 0, observer: 0 };
  for (const p of Object.values(s.participants)) counts[p.role] = (counts[p.role] || 0) + 1;
  s.counts = counts;
}

reducer("roster.imported", (s, body) => {
  s.participants ||= {};
  for (const p of body.participants || []) s.participants[p.id] = p;
  recount(s);
});
reducer(["participant.added", "participant.updated"], (s, body) => {
  s.participants ||= {};
  s.participants[body.id] = body;
  if (s.me && s.me.id === body.id) s.me = body;
  recount(s);
});
reducer("participant.removed", (s, body) => {
  if (s.participants) delete s.participants[body.id];
  recount(s);
});

// ---- agenda (rooms/agenda.py) ------------------------------------------------------------

function agenda(s) {
  s.agenda ||= { items: [], current: null, timer: null };
  return s.agenda;
}

export function walkItems(items, out = [], depth = 0, parent = null) {
  for (const item of items || []) {
    out.push({ item, depth, parent });
    walkItems(item.items, out, depth + 1, item.id);
  }
  return out;
}

export function findItem(s, id) {
  if (!id) return null;
  return walkItems(s?.agenda?.items).find((x) => x.item.id === id)?.item || null;
}

function mapItems(items, id, fn) {
  const out = [];
  for (const item of items) {
    if (item.id === id) {
      const next = fn(item);
      if (next) out.push(next);
    } else {
      out.push({ ...item, items: mapItems(item.items || [], id, fn) });
    }
  }
  return out;
}

function childrenOf(a, parent) {
  if (parent == null) return a.items;
  return findItem({ agenda: a }, parent)?.items || [];
}

function replaceChildren(a, parent, children) {
  if (parent == null) a.items = children;
  else a.items = mapItems(a.items, parent, (i) => ({ ...i, items: children }));
}

reducer("agenda.imported", (s, body) => {
  const a = agenda(s);
  a.items = body.items || [];
  if (!findItem(s, a.current)) a.current = null;
  a.timer = null;
});
reducer("agenda.item_added", (s, body) => {
  const a = agenda(s);
  const siblings = [...childrenOf(a, body.parent)];
  siblings.splice(body.position ?? siblings.length, 0, body.item);
  replaceChildren(a, body.parent, siblings);
});
reducer("agenda.item_updated", (s, body) => {
  const a = agenda(s);
  a.items = mapItems(a.items, body.id, (i) => ({ ...i, ...body.changes }));
});
reducer("agenda.item_removed", (s, body) => {
  const a = agenda(s);
  a.items = mapItems(a.items, body.id, () => null);
});
reducer("agenda.reordered", (s, body) => {
  const a = agenda(s);
  const byId = Object.fromEntries(childrenOf(a, body.parent).map((i) => [i.id, i]));
  replaceChildren(a, body.parent, body.order.map((id) => byId[id]).filter(Boolean));
});
reducer("agenda.current_changed", (s, body) => {
  agenda(s).current = body.id ?? null;
});
reducer("agenda.timer_started", (s, body) => {
  agenda(s).timer = { item: body.item, started_at: body.started_at, duration_ms: body.duration_ms };
});
reducer("agenda.timer_stopped", (s) => {
  agenda(s).timer = null;
});
