// What the page knows of the simulation shown: its catalog and structure (services, calls, sources), a Series per
// service and per entry point (series.js), and the figures of the health window derived from them.
import { SparseHistogram, decodeHistogram } from './hdr.js';
import { F, Series, WIDTH, keepFromFor, levelAtLeast } from './series.js';
import { WINDOW_SECONDS, assess } from './health.js';

/** The shortest chart range, in simulated seconds: levels finer than what spans it are not kept. */
export const SHORTEST_RANGE_S = 60;

/** Derived figures of one bucket row (series.js F columns) of ticks of `tickLengthNs`. */
export function figures(row, o, tickLengthNs) {
    const ticks = row[o + F.ticks];
    const seconds = ticks * tickLengthNs / 1e9;
    const completed = row[o + F.completed];
    const errors = row[o + F.errors];
    const arrivals = row[o + F.arrivals];
    const pct = (c) => (Number.isNaN(row[o + c]) ? null : row[o + c]);
    return {
        seconds,
        arrivals,
        completed,
        rps: seconds > 0 ? completed / seconds : null,
        arrivalsPerSec: seconds > 0 ? arrivals / seconds : null,
        errorsPerSec: seconds > 0 ? errors / seconds : null,
        rejectedPerSec: seconds > 0 ? row[o + F.rejected] / seconds : null,
        timeoutsPerSec: seconds > 0 ? row[o + F.timeouts] / seconds : null,
        errorRate: completed + errors > 0 ? errors / (completed + errors) : null,
        rejectionRate: arrivals > 0 ? row[o + F.rejected] / arrivals : null,
        utilisation: row[o + F.capacityNs] > 0 ? row[o + F.busyNs] / row[o + F.capacityNs] : null,
        queueMean: ticks > 0 ? row[o + F.queueNs] / (ticks * tickLengthNs) : null,
        queueDepth: row[o + F.queueDepth],
        costPerHour: seconds > 0 ? row[o + F.cost] / 1e9 / seconds * 3600 : null,
        storage: row[o + F.storage],
        p50Ns: pct(F.p50), p90Ns: pct(F.p90), p99Ns: pct(F.p99), p999Ns: pct(F.p999),
        maxNs: row[o + F.max] > 0 ? row[o + F.max] : null,
        samples: row[o + F.samples],
    };
}

/** One node of the system: a service (or database, or an observed source) or a load source's entry point. */
export class Node {
    constructor(key, name, kind) {
        this.key = key;        // 's<serviceId>' or 'e<sourceId>'
        this.name = name;
        this.kind = kind;      // 'service' | 'database' | 'source' | what a later issue adds
        this.info = {};        // the diagram's figures (servers, queue, ...)
        this.series = null;
        this.window = null;    // figures of the latest health window
        this.health = { state: 'idle', reasons: ['no data yet'] };
        this.filteredOut = false;
        this.latest = null;    // figures of the latest tick
    }
}

export class Model {
    constructor() {
        this.slo = new Map(); // service name -> p99 objective, ns (?slo=)
        this.version = 0;
        this.structureVersion = 0;
        this.reset(null);
    }

    reset(simulationId) {
        this.simulationId = simulationId;
        this.name = '';
        this.tickLengthNs = 0;
        this.nodes = new Map();      // key -> Node
        this.order = [];             // keys in display order
        this.calls = [];             // {from, to, mode, probability, database, ...} service keys
        this.structureLoaded = false;
        this.lastTick = null;
        this.firstTick = null;
        this.simTimeNs = null;
        this.wallTimeNs = null;
        this.receivedAt = null;      // performance.now() of the last tick
        this.costPerHour = null;
        this.ticksReceived = 0;
        this.gaps = 0;
        this.conflated = 0;
        this.announcedTo = null;
        this.ended = null;           // {lastSequence, reason}
        this.keepFrom = 0;
        this.healthLevel = 0;
        this.version++;              // bumps on every change a renderer may want
        this.structureVersion++;     // bumps when nodes or calls change (never goes back: renderers compare it)
        this.scratch = new SparseHistogram(256);
        this.row = new Float64Array(WIDTH);
    }

    /** The Catalog: names and servers of every service and source. Keeps series of the same simulation. */
    catalog(c) {
        const same = c.simulationId === this.simulationId && this.nodes.size > 0;
        if (!same) this.reset(c.simulationId);
        this.name = c.simulationName;
        this.tickLengthNs = c.tickLengthNs;
        const tickS = this.tickLengthNs / 1e9;
        this.keepFrom = keepFromFor(SHORTEST_RANGE_S, tickS);
        this.healthLevel = levelAtLeast(WINDOW_SECONDS, tickS);
        for (const s of c.services) {
            const node = this.node(`s${s.serviceId}`, s.name, 'service');
            node.info.servers = s.servers;
        }
        for (const l of c.sources ?? []) {
            const node = this.node(`e${l.sourceId}`, l.name, 'source');
            node.info.target = `s${l.targetServiceId}`;
        }
        this.structureVersion++;
        this.version++;
    }

    /** An observed run's CatalogUpdate: a row (a source's series) per new serviceId, named source/metric{labels}. */
    catalogUpdate(u) {
        for (const s of u.series) this.node(`s${s.serviceId}`, s.name, 'service').info.metricKind = s.kind;
        this.version++;
    }

    node(key, name, kind) {
        let node = this.nodes.get(key);
        if (!node) {
            node = new Node(key, name, kind);
            node.series = new Series(this.keepFrom);
            this.nodes.set(key, node);
            this.order.push(key);
            this.structureVersion++;
        }
        node.name = name;
        return node;
    }

    /** GET /simulations/{id}/diagram: kinds, capacities and the calls between services. */
    structure(d) {
        for (const s of d.services) {
            const node = this.nodes.get(`s${s.id}`) ?? this.node(`s${s.id}`, s.name, s.kind);
            node.kind = s.kind;
            Object.assign(node.info, s);
        }
        for (const l of d.sources) {
            const node = this.nodes.get(`e${l.id}`) ?? this.node(`e${l.id}`, l.name, 'source');
            Object.assign(node.info, l, { target: `s${l.target}` });
        }
        // One edge per (caller, callee): a database's several queries are one edge.
        const byPair = new Map();
        for (const c of d.calls) {
            const key = `s${c.from}>s${c.to}`;
            const known = byPair.get(key);
            if (known) {
                known.count++;
                known.probability += c.probability;
            } else {
                byPair.set(key, { ...c, from: `s${c.from}`, to: `s${c.to}`, count: 1 });
            }
        }
        this.calls = [...byPair.values()];
        this.structureLoaded = true;
        this.structureVersion++;
        this.version++;
    }

    /** Which services the feed filters to (names); others keep their place in the diagram, dimmed. */
    filter(names) {
        const wanted = new Set(names);
        for (const node of this.nodes.values()) {
            node.filteredOut = wanted.size > 0 && node.kind !== 'source' && !wanted.has(node.name);
        }
        this.version++;
    }

    tick(t) {
        if (this.lastTick !== null && t.tick !== this.lastTick + 1
            && !(this.announcedTo !== null && t.tick === this.announcedTo + 1)) {
            this.gaps++;
        }
        this.announcedTo = null;
        if (this.firstTick === null) this.firstTick = t.tick;
        this.lastTick = t.tick;
        this.simTimeNs = t.simTimeNs + t.tickLengthNs; // the end of the tick
        this.wallTimeNs = t.wallTimeNs;
        this.receivedAt = performance.now();
        this.tickLengthNs = t.tickLengthNs;
        this.ticksReceived++;
        const row = this.row;
        let cost = 0;
        let costKnown = false;
        for (const s of t.services) {
            const key = `s${s.serviceId}`;
            const node = this.nodes.get(key) ?? this.node(key, `#${s.serviceId}`, 'service');
            row.fill(0);
            row[F.arrivals] = s.arrivals;
            row[F.completed] = s.completed;
            row[F.errors] = s.errors;
            row[F.rejected] = s.rejected;
            row[F.timeouts] = s.timeouts ?? 0;
            row[F.retries] = s.retries ?? 0;
            row[F.busyNs] = s.busyTimeNs ?? s.busyServers * t.tickLengthNs;
            row[F.capacityNs] = s.servers * t.tickLengthNs;
            row[F.queueNs] = s.queueTimeNs ?? s.queueDepth * t.tickLengthNs;
            row[F.cost] = s.costNanos ?? 0;
            row[F.queueDepth] = s.queueDepth;
            row[F.storage] = s.storageBytes ?? 0;
            row[F.max] = s.maxNs;
            row[F.latencySumNs] = s.latencySumNs;
            if (s.costNanos !== null) {
                cost += s.costNanos;
                costKnown = true;
            }
            node.info.servers = s.servers;
            node.info.liveReplicas = s.replicas ?? null; // schema v4: provisioned and ready at the tick's end
            node.info.readyReplicas = s.readyReplicas ?? null;
            this.ingest(node, t.tick, s.histogramBytes);
        }
        for (const e of t.entries ?? []) {
            const node = this.nodes.get(`e${e.sourceId}`) ?? this.node(`e${e.sourceId}`, `#${e.sourceId}`, 'source');
            row.fill(0);
            row[F.completed] = e.completed;
            row[F.errors] = e.errors;
            row[F.rejected] = e.rejected;
            row[F.arrivals] = e.completed + e.errors + e.rejected;
            row[F.timeouts] = e.timeouts ?? 0;
            row[F.max] = e.maxNs;
            row[F.latencySumNs] = e.latencySumNs;
            this.ingest(node, t.tick, e.histogramBytes);
        }
        const seconds = t.tickLengthNs / 1e9;
        this.costPerHour = costKnown && seconds > 0 ? cost / 1e9 / seconds * 3600 : null;
        this.version++;
    }

    ingest(node, tick, histogramBytes) {
        const hist = decodeHistogram(histogramBytes, this.scratch);
        node.series.add(tick, this.row, hist);
        const l0 = node.series.levels[0];
        node.latest = figures(l0.last, 0, this.tickLengthNs);
        const level = node.series.levels[this.healthLevel];
        if (level && level.lastBucket >= 0 && level.lastBucket !== node.windowBucket) {
            node.windowBucket = level.lastBucket;
            node.window = figures(level.last, 0, this.tickLengthNs);
            node.health = assess(node.window, this.slo.get(node.name) ?? null);
        } else if (!level || level.lastBucket < 0) {
            // Before the first full window: figures of what there is, no judgement on a few requests.
            node.window = node.latest;
            node.health = { state: 'idle', reasons: ['the first health window is not complete yet'] };
        }
    }

    gap(g) {
        this.conflated += g.toSequence - g.fromSequence + 1;
        this.announcedTo = g.toSequence;
        this.version++;
    }

    end(e) {
        this.ended = { lastSequence: e.lastSequence, reason: e.reason };
        for (const node of this.nodes.values()) node.series.flush();
        this.version++;
    }

    /** Calls into a service, for apportioning its arrivals among its callers (docs/dashboard.md, "Edges"). */
    edges() {
        const incoming = new Map();
        const add = (to, edge) => {
            if (!incoming.has(to)) incoming.set(to, []);
            incoming.get(to).push(edge);
        };
        const edges = [];
        for (const c of this.calls) {
            const edge = { from: c.from, to: c.to, mode: c.mode, database: c.database, weight: 0, call: c };
            edges.push(edge);
            add(c.to, edge);
        }
        for (const node of this.nodes.values()) {
            if (node.kind !== 'source' || !node.info.target) continue;
            const edge = { from: node.key, to: node.info.target, mode: 'load', weight: 0 };
            edges.push(edge);
            add(node.info.target, edge);
        }
        for (const [to, list] of incoming) {
            const callee = this.nodes.get(to);
            const w = callee?.window;
            for (const e of list) {
                const from = this.nodes.get(e.from);
                const fw = from?.window;
                if (e.mode === 'load') {
                    e.weight = from?.info.ratePerSec || (fw ? fw.arrivalsPerSec ?? 0 : 0) || 1;
                } else {
                    e.weight = ((fw && fw.rps) || 0) * (e.call.probability || 1) * (e.call.count || 1);
                }
            }
            const total = list.reduce((a, e) => a + e.weight, 0);
            for (const e of list) {
                const share = list.length === 1 ? 1 : total > 0 ? e.weight / total : 1 / list.length;
                e.exact = list.length === 1;
                e.rate = w && w.arrivalsPerSec !== null ? w.arrivalsPerSec * share : null;
                e.failed = w && w.errorsPerSec !== null ? (w.errorsPerSec + w.rejectedPerSec) * share : null;
                e.failedRatio = w && w.arrivalsPerSec > 0 ? (w.errorsPerSec + w.rejectedPerSec) / w.arrivalsPerSec : 0;
            }
        }
        return edges;
    }
}
