// Tickwire live dashboard: one WebSocket, one SBE frame per message, at most one redraw per animation frame.
// Protocol (docs/feed.md): connect to /feed, send Subscribe (the page's ?sim=ID, default the latest), receive
// Subscribed, Catalog, ticks. After a lost connection it resubscribes from the last tick + 1: no gap, no duplicate.
import { decode, encodeSubscribe } from './tickwire-decoder.js';

const HISTORY = 200;            // ticks kept per sparkline
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;
const RESUBSCRIBE_MS = 1_000;   // after an Error (no simulation yet): ask again
const pageSim = (() => {
  const sim = new URLSearchParams(location.search).get('sim');
  return sim === null || sim === 'latest' || !/^\d+$/.test(sim) ? 0 : Number(sim);
})();

const $ = (id) => document.getElementById(id);
const el = {
  name: $('name'), conn: $('conn'), connText: $('connText'), seq: $('seq'), gaps: $('gaps'),
  tickLen: $('tickLen'), lag: $('lag'), message: $('message'), rows: $('rows'), entryRows: $('entryRows'),
  cost: $('cost'),
};

const state = {
  simulationId: null,
  simulationName: '',
  names: new Map(),     // serviceId -> name, from the catalog
  rows: new Map(),      // serviceId -> Row
  entryRows: new Map(), // sourceId -> Row: end-to-end latency per entry point (schema v2)
  sourceNames: new Map(),
  lastTick: null,
  endedAt: null,        // lastSequence of a SimulationEnd, until ticks resume
  gaps: 0,             // unannounced breaks in the sequence
  conflated: 0,        // ticks the server skipped for this slow page, announced by GapNotice
  announcedTo: null,   // toSequence of the last GapNotice, until the tick after it
  tickLengthNs: 0,
  lagMs: null,
  costPerHour: null,    // the last tick's cost, as a rate per simulated hour (schema v2)
  conn: 'connecting',
  connDetail: '',
  message: '',
  messageBad: false,
};

/** Fixed-size ring of the last HISTORY values. */
class Ring {
  constructor() { this.values = new Float64Array(HISTORY); this.size = 0; this.head = 0; }
  push(v) {
    this.values[this.head] = v;
    this.head = (this.head + 1) % HISTORY;
    if (this.size < HISTORY) this.size++;
  }
  /** i-th oldest value. */
  at(i) { return this.values[(this.head - this.size + i + HISTORY) % HISTORY]; }
  clear() { this.size = 0; this.head = 0; }
}

/** One table row: its cells, its two sparklines and the latest values. */
class Row {
  constructor(serviceId) {
    this.tr = document.createElement('tr');
    this.cells = {};
    for (const key of ['name', 'thr', 'p50', 'p99', 'errors', 'rejected', 'queue', 'busy']) {
      const td = document.createElement('td');
      this.tr.appendChild(td);
      this.cells[key] = td;
    }
    this.thrCanvas = this.addCanvas();
    this.p99Canvas = this.addCanvas();
    this.thr = new Ring();
    this.p99 = new Ring();
    this.last = null;
    this.dirty = true;
    this.cells.name.textContent = state.names.get(serviceId) ?? `#${serviceId}`;
  }
  addCanvas() {
    const td = document.createElement('td');
    td.className = 'spark';
    const canvas = document.createElement('canvas');
    td.appendChild(canvas);
    this.tr.appendChild(td);
    return canvas;
  }
}

// ---- feed ---------------------------------------------------------------------------------------------------

let socket = null;
let attempt = 0;
let requestId = 0;
let subscribeRequest = null;  // {requestId, resume}: the Subscribe awaiting its answer

function connect() {
  setConn('connecting', '');
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/feed');
  ws.binaryType = 'arraybuffer';
  socket = ws;
  ws.onopen = () => {
    setConn('open', '');
    subscribe(ws, false);
  };
  ws.onmessage = (event) => {
    if (typeof event.data === 'string') return;  // the feed is binary; ignore any text frame
    let msg;
    try {
      msg = decode(event.data);
    } catch (e) {
      showMessage(`bad frame: ${e.message}`, true);
      return;
    }
    attempt = 0;  // only a decodable frame proves the server is healthy
    onMessage(msg);
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt++) * (0.75 + Math.random() * 0.5);
    const reason = event.reason ? ` (${event.code} ${event.reason})` : ` (${event.code})`;
    setConn('closed', `closed${reason}, retry in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(connect, delay);
  };
  // onerror is always followed by onclose, which does the reconnecting.
}

/** Resume the simulation shown (from the tick after the last one) or, fresh, the page's simulation. */
function subscribe(ws, fresh) {
  if (socket !== ws || ws.readyState !== WebSocket.OPEN) return;
  const resume = !fresh && state.simulationId !== null && state.lastTick !== null;
  subscribeRequest = { requestId: ++requestId, resume };
  ws.send(encodeSubscribe({
    requestId,
    simulationId: resume ? state.simulationId : pageSim,
    fromSequence: resume ? state.lastTick + 1 : -1,
  }));
}

function onMessage(msg) {
  switch (msg.type) {
    case 'subscribed': break;
    case 'catalog': onCatalog(msg); break;
    case 'catalogUpdate': onCatalogUpdate(msg); break;
    case 'tick': onTick(msg); break;
    case 'gap':
      state.conflated += msg.toSequence - msg.fromSequence + 1;
      state.announcedTo = msg.toSequence;
      scheduleRender();
      break;
    case 'heartbeat': break;
    case 'end':
      state.endedAt = msg.lastSequence;
      showMessage(`simulation ended: ${msg.reason} after tick ${msg.lastSequence}`, false);
      break;
    case 'error': onError(msg); break;
  }
}

function onError(msg) {
  showMessage(`server error ${msg.codeName}: ${msg.message}`, true);
  if (subscribeRequest && msg.requestId === subscribeRequest.requestId) {
    // A resume the server cannot serve (run or ticks gone) starts afresh at once; no simulation yet: ask again.
    const ws = socket;
    const wasResume = subscribeRequest.resume;
    subscribeRequest = null;
    setTimeout(() => subscribe(ws, true), wasResume ? 0 : RESUBSCRIBE_MS);
  }
}

/** An observed run's new rows (series of sources): named before the first tick that holds them. */
function onCatalogUpdate(u) {
  if (u.simulationId !== state.simulationId) return;
  for (const s of u.series) {
    state.names.set(s.serviceId, s.name);
    rowFor(s.serviceId).cells.name.textContent = s.name;
  }
}

function onCatalog(c) {
  if (c.simulationId !== state.simulationId) {
    // A different simulation: start over. The same one again (a reconnect) keeps history and gap tracking.
    state.simulationId = c.simulationId;
    state.lastTick = null;
    state.gaps = 0;
    state.conflated = 0;
    state.announcedTo = null;
    state.rows.clear();
    el.rows.replaceChildren();
    state.entryRows.clear();
    el.entryRows.replaceChildren();
    showMessage('', false);
  }
  state.simulationName = c.simulationName;
  state.tickLengthNs = c.tickLengthNs;
  state.names.clear();
  for (const s of c.services) state.names.set(s.serviceId, s.name);
  for (const s of c.services) {
    const row = rowFor(s.serviceId);
    row.cells.name.textContent = s.name;
  }
  state.sourceNames.clear();
  for (const l of c.sources ?? []) {
    state.sourceNames.set(l.sourceId, l.name);
    entryRowFor(l.sourceId).cells.name.textContent = `${l.name} → end to end`;
  }
  scheduleRender();
}

function entryRowFor(sourceId) {
  let row = state.entryRows.get(sourceId);
  if (!row) {
    row = new Row(-1);
    row.entry = true;
    row.tr.classList.add('entry');
    row.cells.name.textContent = `${state.sourceNames.get(sourceId) ?? '#' + sourceId} → end to end`;
    state.entryRows.set(sourceId, row);
    el.entryRows.appendChild(row.tr);
  }
  return row;
}

function rowFor(serviceId) {
  let row = state.rows.get(serviceId);
  if (!row) {
    row = new Row(serviceId);
    state.rows.set(serviceId, row);
    // Keep rows in service id order.
    const after = [...state.rows.keys()].filter((id) => id > serviceId).sort((a, b) => a - b)[0];
    el.rows.insertBefore(row.tr, after === undefined ? null : state.rows.get(after).tr);
  }
  return row;
}

function onTick(t) {
  if (t.simulationId !== state.simulationId) return;  // not the simulation shown (a stale subscription)
  if (state.lastTick !== null) {
    if (t.tick <= state.lastTick) return;  // already shown (a resume overlaps): no duplicate
    if (t.tick !== state.lastTick + 1 && !(state.announcedTo !== null && t.tick === state.announcedTo + 1)) {
      state.gaps++;
    }
  }
  state.announcedTo = null;
  if (state.endedAt !== null && t.tick > state.endedAt) {  // ticks again after an end: the notice is stale
    state.endedAt = null;
    showMessage('', false);
  }
  state.lastTick = t.tick;
  state.tickLengthNs = t.tickLengthNs;
  state.lagMs = performance.timeOrigin + performance.now() - t.wallTimeNs / 1e6;  // sub-ms wall clock
  const seconds = t.tickLengthNs / 1e9;
  let costNanos = 0;
  for (const s of t.services) costNanos += s.costNanos ?? 0;
  state.costPerHour = t.services.some((s) => s.costNanos !== null) && seconds > 0
    ? costNanos / 1e9 * 3600 / seconds : null;
  for (const s of t.services) {
    const row = rowFor(s.serviceId);
    const throughput = seconds > 0 ? s.completed / seconds : 0;
    row.thr.push(throughput);
    row.p99.push(s.p99Ns / 1e6);
    row.last = { throughput, s };
    row.dirty = true;
  }
  for (const e of t.entries ?? []) {
    const row = entryRowFor(e.sourceId);
    const throughput = seconds > 0 ? e.completed / seconds : 0;
    row.thr.push(throughput);
    row.p99.push(e.p99Ns / 1e6);
    row.last = { throughput, s: e };
    row.dirty = true;
  }
  scheduleRender();
}

function setConn(conn, detail) {
  state.conn = conn;
  state.connDetail = detail;
  scheduleRender();
}

function showMessage(text, bad) {
  state.message = text;
  state.messageBad = bad;
  scheduleRender();
}

// ---- rendering ----------------------------------------------------------------------------------------------

let renderScheduled = false;

function scheduleRender() {
  if (renderScheduled) return;
  renderScheduled = true;
  requestAnimationFrame(render);
}

function render() {
  renderScheduled = false;
  document.title = state.simulationName ? `${state.simulationName} · Tickwire` : 'Tickwire';
  el.name.textContent = state.simulationName || 'Tickwire';
  el.conn.dataset.state = state.conn;
  el.connText.textContent = state.connDetail || state.conn;
  el.seq.textContent = state.lastTick === null ? '–' : String(state.lastTick);
  el.gaps.textContent = state.conflated > 0 ? `${state.gaps} · ${state.conflated} conflated` : String(state.gaps);
  el.gaps.classList.toggle('bad', state.gaps > 0);
  el.tickLen.textContent = state.tickLengthNs ? `${fmt(state.tickLengthNs / 1e6)} ms` : '–';
  el.cost.textContent = state.costPerHour === null ? '–' : state.costPerHour.toFixed(2);
  el.lag.textContent = state.lagMs === null ? '–' : `${fmt(state.lagMs)} ms`;
  el.message.textContent = state.message;
  el.message.classList.toggle('bad', state.messageBad);

  for (const row of [...state.rows.values(), ...state.entryRows.values()]) {
    if (!row.dirty || !row.last) continue;
    row.dirty = false;
    const { throughput, s } = row.last;
    const c = row.cells;
    c.thr.textContent = fmt(throughput);
    c.p50.textContent = fmt(s.p50Ns / 1e6);
    c.p99.textContent = fmt(s.p99Ns / 1e6);
    c.errors.textContent = String(s.errors);
    c.rejected.textContent = String(s.rejected);
    if (row.entry) {
      c.queue.textContent = '';
      c.busy.textContent = '';
    } else {
      c.queue.textContent = String(s.queueDepth);
      // Utilisation over the whole tick (exact), not the snapshot at its end; unknown before schema v2.
      const util = s.servers > 0 && state.tickLengthNs && s.busyTimeNs !== null
        ? ` · ${(100 * s.busyTimeNs / (s.servers * state.tickLengthNs)).toFixed(0)}%` : '';
      c.busy.textContent = `${s.busyServers}/${s.servers}${util}`;
    }
    spark(row.thrCanvas, row.thr, '#1f6feb');
    spark(row.p99Canvas, row.p99, '#c2410c');
  }
}

/** Three significant figures at most, no exponent. */
function fmt(v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a < 0.005) return '0.00';
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Draws a ring as a line from 0 to its maximum, oldest on the left, with the maximum in the corner. */
function spark(canvas, ring, color) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const n = ring.size;
  if (n === 0) return;
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, ring.at(i));
  const top = 9, bottom = h - 1;
  const x = (i) => (w - 1) * (HISTORY - n + i) / (HISTORY - 1);   // right-aligned: newest at the right edge
  const y = (v) => (max > 0 ? bottom - (bottom - top) * v / max : bottom);

  g.beginPath();
  g.moveTo(x(0), y(ring.at(0)));
  for (let i = 1; i < n; i++) g.lineTo(x(i), y(ring.at(i)));
  g.lineWidth = 1.25;
  g.strokeStyle = color;
  g.stroke();
  g.lineTo(x(n - 1), bottom);
  g.lineTo(x(0), bottom);
  g.closePath();
  g.globalAlpha = 0.12;
  g.fillStyle = color;
  g.fill();
  g.globalAlpha = 1;

  g.font = '9px ui-monospace, Menlo, Consolas, monospace';
  g.fillStyle = '#6a737d';
  g.textAlign = 'right';
  g.textBaseline = 'top';
  g.fillText(`max ${fmt(max)}`, w - 1, 0);
}

connect();
