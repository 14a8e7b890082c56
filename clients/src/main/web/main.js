// Tickwire dashboard: the page's wiring. One feed subscription (feed.js) fills the model (model.js: per-service
// series with merged-histogram percentiles); the REST API (api.js) lists simulations, gives a run's structure and
// takes the controls. Rendering happens at most once per animation frame; the diagram and the table at most 4 times
// a second. URL parameters (docs/dashboard.md): sim, services, focus, range, slo.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api } from './api.js';
import { Charts, RANGES } from './charts.js';
import { Controls } from './controls.js';
import { Operations } from './operations.js';
import { Diagram } from './diagram.js';
import { Events, describeRunEvent } from './events.js';
import { Feed } from './feed.js';
import { bytes, clock, duration, num, parseDuration, percent, perHour, queue, rate } from './format.js';
import { CRITICAL, OK, WINDOW_SECONDS } from './health.js';
import { Model } from './model.js';
import { LagMeter, ReplayBar, lagText } from './replay.js';

/** Ticks of history fetched when a run is opened: at most 15 min, and about this many service rows. */
const BACKFILL_SERVICE_TICKS = 300_000;
const BACKFILL_SECONDS = 900;
const LIST_POLL_MS = 1_000;
const SLOW_RENDER_MS = 250;

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const page = {
    simId: /^\d+$/.test(params.get('sim') ?? '') ? Number(params.get('sim')) : null,
    services: splitNames(params.get('services')),
    focus: params.get('focus'),
    range: RANGES[params.get('range')] !== undefined ? params.get('range') : '5m',
    slo: params.get('slo') ?? '',
    sims: [],           // GET /simulations
    subscribed: null,   // the last Subscribed
    message: null,
};

function splitNames(text) {
    return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

const model = new Model();
for (const part of splitNames(page.slo)) {
    const [name, value] = part.split(':');
    const ns = parseDuration(value);
    if (name && ns) model.slo.set(name, ns);
}
const events = new Events($('events'));
const lagMeter = new LagMeter();
const charts = new Charts($('charts'), events);
charts.range = page.range;
const diagram = new Diagram($('diagram'), (key) => setFocus(key, true));
let focusKey = null;

// ---- the page's context, for controls and the replay bar ----------------------------------------------------------

function current() {
    const id = model.simulationId ?? page.simId;
    const sim = page.sims.find((s) => s.id === id);
    if (!sim) return null;
    return { ...sim, kind: sim.replay ? 'replay' : 'run', journal: sim.replay?.journal };
}

const context = {
    current,
    navigate: (id) => open(id, true),
    message: showMessage,
    refresh: refreshList,
    lagMeter,
    tickLengthNs: () => model.tickLengthNs,
    shownTick: () => model.lastTick,
    event: (kind, text) => addEvent(kind, null, text),
};
const controls = new Controls(context);
const operations = new Operations(controls, context);
const replayBar = new ReplayBar(context);

// ---- feed --------------------------------------------------------------------------------------------------------

const feed = new Feed({
    onState: (state, detail) => {
        $('conn').dataset.state = state;
        $('conn-text').textContent = detail || state;
    },
    onSubscribed: (msg) => {
        page.subscribed = msg;
        if (page.simId !== msg.simulationId) {
            page.simId = msg.simulationId; // 'latest' resolved: keep showing this one
            writeUrl(false);
        }
        lagMeter.reset();
    },
    onCatalog: (c) => {
        const fresh = c.simulationId !== model.simulationId;
        model.catalog(c);
        model.filter(page.services);
        if (fresh) {
            addEvent('run', null, `showing ${c.simulationName} (simulation ${c.simulationId})`);
            loadStructure(c.simulationId);
        }
        fillServiceNames();
        if (!focusKey || !model.nodes.has(focusKey)) setFocus(defaultFocus(), false);
        scheduleRender();
    },
    onCatalogUpdate: (u) => {
        model.catalogUpdate(u);
        model.filter(page.services);
        fillServiceNames();
        scheduleRender();
    },
    onTick: (t) => {
        const started = performance.now();
        onTick(t);
        costs.tickMs[costs.ticks++ % RING] = performance.now() - started;
    },
    onEvent: (msg) => {
        const e = describeRunEvent(msg, (id) => model.nodes.get(`s${id}`)?.name ?? `#${id}`);
        if (!e || msg.simulationId !== model.simulationId) return;
        operations.onEvent(msg, `${e.service ? `${e.service}: ` : ''}${e.text}`);
        events.add(e);
        charts.drawn = -1;
        scheduleRender();
    },
    onGap: (g) => {
        model.gap(g);
        const why = g.reason === 'CONFLATED' ? 'skipped (conflated, or a seek)' : 'skipped';
        addEvent('gap', null, `ticks ${g.fromSequence}–${g.toSequence} ${why}`);
    },
    onEnd: (e) => {
        model.end(e);
        addEvent('run', null, `ended: ${e.reason.toLowerCase()} after tick ${e.lastSequence}`);
        refreshList();
        scheduleRender();
    },
    onHeartbeat: () => scheduleRender(),
    onError: (text) => showMessage(`feed: ${text}`, true),
    onRestart: (from) => {
        clearData();
        addEvent('control', null, `replay moved back to tick ${from}`);
    },
});

function onTick(t) {
    if (t.simulationId !== model.simulationId) return; // before its Catalog (a page switching simulations)
    const before = healthStates();
    model.tick(t);
    if (unstamped.length) {
        const pending = unstamped;
        unstamped = [];
        pending.forEach((e) => addEvent(e.kind, e.service, e.text));
    }
    const sim = current();
    if (sim?.kind === 'replay' && sim.replay.speed !== 'max' && !catchingUp()) {
        lagMeter.onReplayTick(model.simTimeNs, Number(sim.replay.speed));
    }
    healthEvents(before);
    scheduleRender();
}

function catchingUp() {
    return page.subscribed !== null && model.lastTick !== null && model.lastTick < page.subscribed.lastSequence;
}

function healthStates() {
    const states = new Map();
    for (const node of model.nodes.values()) states.set(node.key, node.health.state);
    return states;
}

function healthEvents(before) {
    if (catchingUp()) return; // history: the states of the past, not changes now
    for (const node of model.nodes.values()) {
        const was = before.get(node.key);
        const now = node.health.state;
        if (was === now || was === undefined || was === 'idle' || now === 'idle') continue;
        const kind = now === CRITICAL ? 'critical' : now === OK ? 'recovered' : 'health';
        const why = node.health.reasons.length ? ` (${node.health.reasons.join('; ')})` : '';
        addEvent(kind, node.name, `${was} → ${now}${why}`);
    }
}

let unstamped = []; // events before the first tick: stamped with its time
function addEvent(kind, service, text) {
    if (model.simTimeNs === null) {
        unstamped.push({ kind, service, text });
        return;
    }
    events.add({ timeNs: model.simTimeNs, kind, service, text });
    charts.drawn = -1;
    scheduleRender();
}

// ---- navigation --------------------------------------------------------------------------------------------------

async function refreshList() {
    const result = await api.list();
    if (result.ok && Array.isArray(result.body)) {
        const before = JSON.stringify(current());
        page.sims = result.body;
        fillPicker();
        if (JSON.stringify(current()) !== before) detectReplayChanges(before);
        scheduleRender();
    } else if (result.status === 401) {
        showMessage(result.body.error);
    }
    return result;
}

let lastReplayState = null;
function detectReplayChanges() {
    const sim = current();
    const r = sim?.replay;
    const key = r ? `${r.paused}|${r.speed}` : null;
    if (key !== lastReplayState) lagMeter.reset(); // the pacing changed (by this page or another client)
    lastReplayState = key;
}

function fillPicker() {
    const select = $('sim-picker');
    const groups = [['Running', (s) => !s.replay && s.state === 'RUNNING'],
        ['Replays', (s) => Boolean(s.replay)], ['Ended', (s) => !s.replay && s.state !== 'RUNNING']];
    const frag = document.createDocumentFragment();
    for (const [label, test] of groups) {
        const sims = page.sims.filter(test).sort((a, b) => b.id - a.id);
        if (sims.length === 0) continue;
        const group = document.createElement('optgroup');
        group.label = label;
        for (const s of sims) {
            const o = document.createElement('option');
            o.value = String(s.id);
            const replay = s.state === 'RUNNING' ? (s.replay?.paused ? 'replay, paused' : 'replay') : 'replay ended';
            const run = s.state === 'RUNNING' ? 'running' : (s.endReason ?? s.state).toLowerCase();
            const detail = s.replay ? replay : run;
            o.textContent = `#${s.id} ${s.name} · ${detail}`;
            group.appendChild(o);
        }
        frag.appendChild(group);
    }
    if (page.sims.length === 0) {
        const o = document.createElement('option');
        o.value = '';
        o.textContent = 'no simulation yet';
        frag.appendChild(o);
    }
    const signature = page.sims.map((s) => `${s.id}${s.state}${s.replay?.paused}`).join();
    if (select.dataset.signature !== signature) {
        select.dataset.signature = signature;
        select.replaceChildren(frag);
    }
    const id = model.simulationId ?? page.simId;
    if (id !== null && document.activeElement !== select) select.value = String(id);
}

$('sim-picker').addEventListener('change', (ev) => {
    if (ev.target.value) open(Number(ev.target.value), true);
});
window.addEventListener('popstate', () => {
    const p = new URLSearchParams(location.search);
    const id = /^\d+$/.test(p.get('sim') ?? '') ? Number(p.get('sim')) : null;
    const services = splitNames(p.get('services'));
    const changed = services.join() !== page.services.join();
    page.services = services;
    if (id !== null && (id !== model.simulationId || changed)) open(id, false);
});

function writeUrl(push) {
    const p = new URLSearchParams();
    if (page.simId !== null) p.set('sim', String(page.simId));
    if (page.services.length) p.set('services', page.services.join(','));
    if (focusKey && model.nodes.get(focusKey)) p.set('focus', model.nodes.get(focusKey).name);
    if (page.range !== '5m') p.set('range', page.range);
    if (page.slo) p.set('slo', page.slo);
    const url = `${location.pathname}?${p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')}`;
    if (url === `${location.pathname}${location.search}`) return;
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
}

/** Show simulation `id` (null: the latest): its structure, then its feed with history. */
async function open(id, push) {
    if (push && id !== page.simId) { // another simulation: its own services
        page.services = [];
        page.focus = null;
    }
    page.simId = id;
    page.subscribed = null;
    model.reset(null);
    events.clear();
    unstamped = [];
    focusKey = null;
    charts.key = null;
    $('services-filter').value = page.services.join(',');
    writeUrl(push);
    await refreshList();
    if (id === null && page.sims.length > 0) { // 'latest': the newest simulation, pinned from here on
        id = Math.max(...page.sims.map((s) => s.id));
        page.simId = id;
        writeUrl(false);
    }
    const sim = id === null ? null : page.sims.find((s) => s.id === id);
    let from = -1;
    if (sim) {
        const structure = await api.diagram(id);
        const services = structure.ok ? structure.body.services.length : 20;
        const shown = page.services.length || services;
        const tickS = (structure.ok ? structure.body.tickLengthNs : 50e6) / 1e9;
        const budget = Math.min(Math.floor(BACKFILL_SECONDS / tickS), Math.floor(BACKFILL_SERVICE_TICKS / shown));
        from = sim.replay ? Math.max(sim.replay.firstTick, sim.replay.position - budget)
            : Math.max(0, sim.ticksClosed - budget);
        if (structure.ok) pendingStructure = { id, body: structure.body };
    }
    feed.subscribe(id ?? 0, page.services, from);
}

let pendingStructure = null;
async function loadStructure(id) {
    let body = pendingStructure && pendingStructure.id === id ? pendingStructure.body : null;
    if (!body) {
        const result = await api.diagram(id);
        if (!result.ok) return; // a journaled run without a diagram here: the catalog's nodes only
        body = result.body;
    }
    if (model.simulationId !== id) return;
    model.structure(body);
    model.filter(page.services);
    if (!focusKey || !model.nodes.has(focusKey)) setFocus(defaultFocus(), false);
    scheduleRender();
}

function clearData() {
    const id = model.simulationId;
    model.reset(null);
    page.subscribed = null;
    model.simulationId = id === null ? null : -1; // the Catalog that follows starts afresh
}

// ---- filter, range, focus ----------------------------------------------------------------------------------------

$('filter-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    applyFilter(splitNames($('services-filter').value));
});
$('filter-clear').addEventListener('click', () => {
    $('services-filter').value = '';
    applyFilter([]);
});

function applyFilter(names) {
    page.services = names;
    showMessage(null);
    open(page.simId, true);
}

function fillServiceNames() {
    const list = $('service-names');
    const names = [...model.nodes.values()].filter((n) => n.kind !== 'source').map((n) => n.name);
    if (list.dataset.names === names.join()) return;
    list.dataset.names = names.join();
    list.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n })));
}

for (const button of document.querySelectorAll('.ranges button')) {
    button.addEventListener('click', () => setRange(button.dataset.range));
    button.addEventListener('keydown', (ev) => {
        const all = [...document.querySelectorAll('.ranges button')];
        const i = all.indexOf(button);
        const next = ev.key === 'ArrowRight' ? all[(i + 1) % all.length] : ev.key === 'ArrowLeft'
            ? all[(i + all.length - 1) % all.length] : null;
        if (next) {
            next.focus();
            setRange(next.dataset.range);
        }
    });
}

function setRange(range) {
    page.range = range;
    charts.setRange(range);
    for (const b of document.querySelectorAll('.ranges button')) {
        b.setAttribute('aria-checked', String(b.dataset.range === range));
        b.tabIndex = b.dataset.range === range ? 0 : -1;
    }
    writeUrl(false);
    scheduleRender();
}

function defaultFocus() {
    const byName = [...model.nodes.values()].find((n) => n.name === page.focus);
    if (byName) return byName.key;
    const entry = [...model.nodes.values()].find((n) => n.kind === 'source');
    if (entry?.info.target && model.nodes.has(entry.info.target)) return entry.info.target;
    return model.order.find((k) => k.startsWith('s')) ?? model.order[0] ?? null;
}

function setFocus(key, byUser) {
    if (!key) return;
    focusKey = key;
    diagram.focus(key);
    const node = model.nodes.get(key);
    charts.show(key, node?.kind === 'source');
    if (byUser) {
        page.focus = node?.name ?? null;
        writeUrl(false);
    }
    lastSlow = 0;
    scheduleRender();
}

$('diagram-fit').addEventListener('click', () => diagram.fit());

// ---- messages ----------------------------------------------------------------------------------------------------

function showMessage(text, bad = true) {
    const box = $('message');
    box.hidden = !text;
    box.textContent = text ?? '';
    box.dataset.bad = String(bad);
}

// ---- rendering ---------------------------------------------------------------------------------------------------

let scheduled = false;
let lastSlow = 0;

function scheduleRender() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
}

/** What the page spends, for the performance test: the last RING render and tick-handling times (ms). */
const RING = 8192;
const costs = { renders: 0, renderMs: new Float64Array(RING), ticks: 0, tickMs: new Float64Array(RING) };

function render(now) {
    const started = performance.now();
    renderFrame(now);
    costs.renderMs[costs.renders++ % RING] = performance.now() - started;
}

function renderFrame(now) {
    scheduled = false;
    const sim = current();
    document.title = model.name ? `${model.name} · Tickwire` : 'Tickwire';
    renderHeader(sim);
    replayBar.render();
    if (now - lastSlow >= SLOW_RENDER_MS) {
        lastSlow = now;
        diagram.render(model);
        renderTable();
        renderFocus();
        controls.render();
        $('health-window').textContent = model.tickLengthNs
            ? `${num(2 ** model.healthLevel * model.tickLengthNs / 1e9)} s` : `${WINDOW_SECONDS} s`;
    }
    charts.render(model);
    // Keep the lag and the replay position live while ticks flow or a replay is paced.
    if (sim && sim.state === 'RUNNING' && !model.ended) setTimeout(scheduleRender, 100);
}

function renderHeader(sim) {
    const state = !sim ? 'none' : sim.kind === 'replay'
        ? (sim.state !== 'RUNNING' ? 'ENDED' : sim.replay.paused ? 'PAUSED' : 'REPLAY')
        : model.ended ? (model.ended.reason === 'FAILED' ? 'FAILED' : 'ENDED') : sim.state;
    const badge = $('run-state');
    badge.dataset.state = state;
    badge.textContent = state === 'none' ? '–' : state === 'REPLAY' ? `REPLAY ${sim.replay.speed}×`
        : state.toLowerCase() === 'ended' && sim?.endReason ? `ENDED · ${sim.endReason.toLowerCase()}` : state;
    const lag = lagText(sim, model, lagMeter, catchingUp());
    const lagEl = $('lag');
    lagEl.textContent = lag.text;
    lagEl.dataset.state = lag.state;
    $('sim-time').textContent = model.simTimeNs === null ? '–' : clock(model.simTimeNs / 1e9);
    $('tick').textContent = model.lastTick === null ? '–' : String(model.lastTick);
    const gaps = $('gaps');
    gaps.textContent = model.conflated > 0 ? `${model.gaps} · ${model.conflated} skipped` : String(model.gaps);
    gaps.dataset.bad = String(model.gaps > 0);
    $('cost').textContent = perHour(model.costPerHour);
    fillPicker();
}

const FOCUS_STATS = [
    ['Throughput', (w) => rate(w.rps)],
    ['p50', (w) => duration(w.p50Ns)],
    ['p99', (w) => duration(w.p99Ns)],
    ['p99.9', (w) => duration(w.p999Ns)],
    ['Errors', (w) => percent(w.errorRate)],
    ['Rejected', (w) => rate(w.rejectedPerSec)],
    ['Utilisation', (w) => percent(w.utilisation)],
    ['Queue', (w) => queue(w.queueMean)],
    ['Cost', (w) => perHour(w.costPerHour)],
];

function renderFocus() {
    const node = model.nodes.get(focusKey);
    $('focus-title').textContent = node ? node.name : '–';
    $('charts-title').textContent = node ? (node.kind === 'source' ? `${node.name} (end to end)` : node.name) : '–';
    const badge = $('focus-health');
    if (!node) return;
    const state = node.filteredOut ? 'idle' : node.health.state;
    badge.dataset.state = state;
    badge.textContent = node.filteredOut ? 'filtered out' : { ok: 'healthy', warn: 'warning', critical: 'critical',
        idle: 'idle' }[state];
    const i = node.info;
    const slo = model.slo.get(node.name);
    $('focus-detail').textContent = node.kind === 'source'
        ? `load source → ${model.nodes.get(i.target)?.name ?? '?'}`
            + `${i.ratePerSec ? ` · ${rate(i.ratePerSec)} offered` : ''}`
        + (i.users ? ` · ${i.users} users` : '')
        : [node.kind === 'database' ? `database of ${i.owner ?? '?'}` : node.kind,
            replicasText(i),
            i.queue === null ? 'unbounded queue' : i.queue !== undefined ? `queue ${i.queue}` : null,
            i.meanNs ? `mean service ${duration(i.meanNs)}` : null,
            slo ? `SLO p99 ≤ ${duration(slo)}` : null,
            node.latest?.storage ? `storage ${bytes(node.latest.storage)}` : null].filter(Boolean).join(' · ');
    $('focus-reasons').textContent = state === 'ok' || state === 'idle' ? '' : node.health.reasons.join(' · ');
    const w = node.window;
    const stats = node.kind === 'source' ? FOCUS_STATS.slice(0, 5) : FOCUS_STATS;
    const dl = $('focus-stats');
    if (dl.children.length !== stats.length) {
        dl.replaceChildren(...stats.map(([label]) => {
            const div = document.createElement('div');
            div.innerHTML = `<dt>${label}</dt><dd>–</dd>`;
            return div;
        }));
    }
    stats.forEach(([, get], n) => { dl.children[n].lastChild.textContent = w ? get(w) : '–'; });
}

/** Replicas as the last tick has them (ready of provisioned, schema v4), else as the diagram gives them. */
function replicasText(i) {
    if (i.liveReplicas !== undefined && i.liveReplicas !== null) {
        const servers = i.concurrency ? ` × ${i.concurrency} servers` : '';
        return `${i.readyReplicas} of ${i.liveReplicas} replicas ready${servers}`;
    }
    return i.replicas ? `${i.replicas} × ${i.concurrency} servers` : i.servers ? `${i.servers} servers` : null;
}

let tableVersion = -1;
function renderTable() {
    const body = $('rows');
    if (tableVersion !== model.structureVersion) {
        tableVersion = model.structureVersion;
        body.replaceChildren();
        for (const key of model.order) {
            const node = model.nodes.get(key);
            const tr = document.createElement('tr');
            tr.dataset.key = key;
            tr.tabIndex = 0;
            tr.setAttribute('aria-label', `Focus ${node.name}`);
            tr.innerHTML = '<td><span class="dot"></span><span class="name"></span></td>'
                + '<td></td><td></td><td></td><td></td><td></td><td></td><td></td><td></td>';
            tr.querySelector('.name').textContent = node.kind === 'source' ? `${node.name} → end to end` : node.name;
            tr.addEventListener('click', () => setFocus(key, true));
            tr.addEventListener('keydown', (ev) => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                    ev.preventDefault();
                    setFocus(key, true);
                }
            });
            body.appendChild(tr);
        }
    }
    for (const tr of body.children) {
        const node = model.nodes.get(tr.dataset.key);
        if (!node) continue;
        const w = node.window;
        tr.dataset.health = node.health.state;
        tr.dataset.filtered = String(node.filteredOut);
        tr.classList.toggle('focused', node.key === focusKey);
        const c = tr.children;
        const source = node.kind === 'source';
        c[1].textContent = w ? rate(w.rps) : '–';
        c[2].textContent = w ? duration(w.p50Ns) : '–';
        c[3].textContent = w ? duration(w.p99Ns) : '–';
        c[4].textContent = w ? percent(w.errorRate) : '–';
        c[4].classList.toggle('bad', Boolean(w && w.errorRate >= 0.01));
        c[5].textContent = w ? rate(w.rejectedPerSec) : '–';
        c[5].classList.toggle('bad', Boolean(w && w.rejectedPerSec > 0));
        c[6].textContent = source || !w ? '' : percent(w.utilisation);
        c[6].classList.toggle('bad', Boolean(w && w.utilisation >= 0.9));
        c[7].textContent = source || !w ? '' : queue(w.queueMean);
        c[8].textContent = source || !w ? '' : perHour(w.costPerHour);
    }
}

// ---- start ---------------------------------------------------------------------------------------------------------

setRange(page.range);
$('services-filter').value = page.services.join(',');
feed.connect();
open(page.simId, false);
setInterval(refreshList, LIST_POLL_MS);
window.tickwire = { model, charts, diagram, events, feed, controls, page, costs }; // for tests and the console
