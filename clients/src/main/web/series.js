// Per-service time series with bounded memory and exact windowed percentiles.
//
// Ticks are folded into levels of buckets: level k's bucket b holds ticks [b·2^k, (b+1)·2^k). A level-k bucket
// closes when both of its level-(k-1) halves have (or when a later bucket starts, after a gap), and its
// percentiles are read then from the MERGE of its ticks' histograms (hdr.js): exact for that window, never an
// average. Each closed bucket's histogram is added into its parent's, so a tick is merged about twice in all,
// whatever the number of levels. Closed buckets are kept (scalars and percentiles, no histogram) in a ring of
// CAPACITY per level, only for the levels a chart may show (those for the shortest range and coarser); a chart of
// range R reads the finest level that shows R in at most MAX_POINTS windows, whatever the tick rate.
//
// Every bucket keeps sums, so rates are per second of the ticks received (a conflated tick is missing, not zero).
import { SparseHistogram } from './hdr.js';

/** Closed buckets kept per level. */
export const CAPACITY = 640;
/** A chart of a range shows at most this many windows: readable lines, cheap redraws. */
export const MAX_POINTS = 200;
/** Levels: up to 2^MAX_LEVEL ticks per bucket. */
const MAX_LEVEL = 24;
/** Percentiles read at every close: p50, p90, p99, p99.9. */
export const PERCENTILES = Object.freeze([50, 90, 99, 99.9]);

/** Columns of a closed bucket. Sums unless said otherwise. */
export const F = Object.freeze({
    ticks: 0,          // ticks received in the bucket
    arrivals: 1,
    completed: 2,
    errors: 3,
    rejected: 4,
    timeouts: 5,
    retries: 6,
    busyNs: 7,         // server-ns busy (time integral)
    capacityNs: 8,     // server-ns available: servers × tick length, per tick
    queueNs: 9,        // request-ns waiting (time integral)
    cost: 10,          // billionths of the currency unit
    queueDepth: 11,    // at the end of the bucket's last tick
    storage: 12,       // bytes, at the end of the bucket's last tick
    max: 13,           // the largest latency, ns
    latencySumNs: 14,
    samples: 15,       // values in the merged histogram
    p50: 16, p90: 17, p99: 18, p999: 19, // ns; NaN = no completions
});
const WIDTH = 20;
const PCT_COLUMNS = [F.p50, F.p90, F.p99, F.p999];

/** One level: its open bucket (sums and merged histogram) and, if kept, a ring of closed buckets. */
class Level {
    constructor(k, keep) {
        this.k = k;
        this.keep = keep;
        this.openBucket = -1;
        this.open = new Float64Array(WIDTH);
        this.hist = new SparseHistogram(32);
        this.ring = keep ? new Float32Array(16 * WIDTH) : null;
        this.buckets = keep ? new Float64Array(16) : null; // bucket numbers of the ring's entries
        this.start = 0;
        this.count = 0;
        this.last = new Float64Array(WIDTH); // the latest closed bucket, kept at every level
        this.lastBucket = -1;
        this.closed = 0; // buckets closed so far: a change counter for renderers
    }

    /** Bucket numbers held, oldest first: `at(i)` is the ring entry's offset into `ring`. */
    offset(i) {
        return ((this.start + i) % (this.buckets.length)) * WIDTH;
    }

    bucketAt(i) {
        return this.buckets[(this.start + i) % this.buckets.length];
    }

    store(bucket, row) {
        this.last.set(row);
        this.lastBucket = bucket;
        this.closed++;
        if (!this.keep) return;
        let cap = this.buckets.length;
        if (this.count === cap && cap < CAPACITY) {
            // Grow (until CAPACITY): unroll the ring into arrays twice as long.
            const n = Math.min(CAPACITY, cap * 2);
            const ring = new Float32Array(n * WIDTH);
            const buckets = new Float64Array(n);
            for (let i = 0; i < this.count; i++) {
                ring.set(this.ring.subarray(this.offset(i), this.offset(i) + WIDTH), i * WIDTH);
                buckets[i] = this.bucketAt(i);
            }
            this.ring = ring;
            this.buckets = buckets;
            this.start = 0;
            cap = n;
        }
        let slot;
        if (this.count < cap) {
            slot = (this.start + this.count) % cap;
            this.count++;
        } else {
            slot = this.start;
            this.start = (this.start + 1) % cap;
        }
        this.ring.set(row, slot * WIDTH);
        this.buckets[slot] = bucket;
    }
}

/**
 * The series of one service (or one entry point's end-to-end latency). Single-threaded (the page's main thread).
 * `keepFrom` is the first level whose closed buckets are kept.
 */
export class Series {
    constructor(keepFrom) {
        this.keepFrom = keepFrom;
        this.levels = [];
        this.pct = new Array(PERCENTILES.length);
        this.row = new Float64Array(WIDTH);
        this.lastTick = -1;
    }

    level(k) {
        while (this.levels.length <= k) {
            this.levels.push(new Level(this.levels.length, this.levels.length >= this.keepFrom));
        }
        return this.levels[k];
    }

    /**
     * One tick's figures. `v` holds the sums of a tick (indexed by F, percentiles ignored); `hist` the tick's
     * histogram (read, not kept).
     */
    add(tick, v, hist) {
        this.lastTick = tick;
        const l0 = this.level(0);
        // Level 0 is the tick itself: open and close at once.
        l0.open.set(v);
        l0.open[F.ticks] = 1;
        l0.hist.clear();
        l0.hist.add(hist);
        l0.openBucket = tick;
        this.close(0);
    }

    /**
     * The level-k bucket in progress, as far as it goes (its closed halves and every finer open bucket), into
     * `out` (F columns, percentiles merged from their histograms); the bucket number, or -1 if nothing is open.
     * For the chart's newest point: a window still filling, shown as such, without waiting for it to close.
     */
    provisional(k, out, scratch) {
        out.fill(0);
        scratch.clear();
        let bucket = -1;
        for (let j = 1; j <= k && j < this.levels.length; j++) {
            const level = this.levels[j];
            if (level.openBucket < 0) continue;
            accumulate(out, level.open);
            scratch.add(level.hist);
            bucket = Math.max(bucket, Math.floor(level.openBucket / 2 ** (k - j)));
        }
        if (bucket < 0) return -1;
        scratch.percentiles(PERCENTILES, this.pct);
        for (let i = 0; i < PCT_COLUMNS.length; i++) out[PCT_COLUMNS[i]] = this.pct[i] ?? NaN;
        out[F.samples] = scratch.total;
        return bucket;
    }

    /** Close every open bucket (the end of a run), so the last partial windows show. */
    flush() {
        for (let k = 1; k < this.levels.length; k++) {
            if (this.levels[k].openBucket >= 0) this.close(k);
        }
    }

    close(k) {
        const level = this.levels[k];
        const row = this.row;
        row.set(level.open);
        level.hist.percentiles(PERCENTILES, this.pct);
        for (let i = 0; i < PCT_COLUMNS.length; i++) row[PCT_COLUMNS[i]] = this.pct[i] ?? NaN;
        row[F.samples] = level.hist.total;
        const bucket = level.openBucket;
        level.store(bucket, row);
        if (k < MAX_LEVEL) {
            const up = this.level(k + 1);
            const parent = Math.floor(bucket / 2);
            if (up.openBucket >= 0 && up.openBucket !== parent) this.close(k + 1); // a gap: close what was open
            if (up.openBucket !== parent) {
                up.openBucket = parent;
                up.open.fill(0);
                up.hist.clear();
            }
            accumulate(up.open, level.open);
            up.hist.add(level.hist);
            if (bucket % 2 === 1) this.close(k + 1);
        }
        level.openBucket = -1;
        level.open.fill(0);
        level.hist.clear();
    }
}

/** Adds bucket `b` into `a`: sums add, gauges take the later value, max the larger. */
function accumulate(a, b) {
    for (let i = 0; i <= F.cost; i++) a[i] += b[i];
    a[F.queueDepth] = b[F.queueDepth];
    a[F.storage] = b[F.storage];
    a[F.max] = Math.max(a[F.max], b[F.max]);
    a[F.latencySumNs] += b[F.latencySumNs];
}

/** The first level that shows `seconds` in at most MAX_POINTS windows of ticks of `tickSeconds`. */
export function levelFor(seconds, tickSeconds, keepFrom) {
    let k = keepFrom;
    while (k < MAX_LEVEL && MAX_POINTS * 2 ** k * tickSeconds < seconds) k++;
    return k;
}

/** The first level worth keeping: the one that spans the shortest chart range. */
export function keepFromFor(shortestSeconds, tickSeconds) {
    return levelFor(shortestSeconds, tickSeconds, 0);
}

/** The smallest level whose buckets are at least `seconds` long (the health window). */
export function levelAtLeast(seconds, tickSeconds) {
    let k = 0;
    while (k < MAX_LEVEL && 2 ** k * tickSeconds < seconds) k++;
    return k;
}

export { WIDTH };
