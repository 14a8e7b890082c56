// The dashboard's windowed series (src/main/web/series.js), with node:test: every window's percentiles are those of
// the merge of its ticks' histograms (here against one histogram of all their values), a window without
// completions has no percentile (NaN: a gap on the chart, never 0), and missing ticks make a missing window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SparseHistogram } from '../../main/web/hdr.js';
import { F, Series, WIDTH, levelFor } from '../../main/web/series.js';

/** A histogram of `values` (ns), bucketed as Tickwire's: the counts index of each value, as HdrHistogram's. */
function histogramOf(values) {
    const counts = new Map();
    for (const v of values) {
        const index = indexOf(v);
        counts.set(index, (counts.get(index) ?? 0) + 1);
    }
    const h = new SparseHistogram();
    for (const index of [...counts.keys()].sort((a, b) => a - b)) h.push(index, counts.get(index));
    return h;
}

/** HdrHistogram's counts index of `value` for 3 significant digits from 1. */
function indexOf(value) {
    const bucket = value < 2048 ? 0 : Math.floor(Math.log2(value)) - 10;
    const sub = Math.floor(value / 2 ** bucket);
    return (bucket + 1) * 1024 + sub - 1024;
}

function tickRow(completed) {
    const row = new Float64Array(WIDTH);
    row[F.completed] = completed;
    row[F.arrivals] = completed;
    return row;
}

test('a window is the merge of its ticks, level by level', () => {
    const series = new Series(0);
    const all = [];
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let tick = 0; tick < 64; tick++) {
        const values = Array.from({ length: 1 + Math.floor(random() * 50) }, () => Math.floor(1e6 * (1 + 9 * random())));
        all.push(values);
        series.add(tick, tickRow(values.length), histogramOf(values));
    }
    for (const k of [1, 3, 5]) {
        const level = series.levels[k];
        assert.equal(level.count, 64 / 2 ** k);
        for (let i = 0; i < level.count; i++) {
            const b = level.bucketAt(i);
            const values = all.slice(b * 2 ** k, (b + 1) * 2 ** k).flat();
            const expected = histogramOf(values).percentiles([50, 90, 99, 99.9], []);
            const o = level.offset(i);
            assert.equal(level.ring[o + F.ticks], 2 ** k);
            assert.equal(level.ring[o + F.completed], values.length);
            assert.deepEqual([level.ring[o + F.p50], level.ring[o + F.p90], level.ring[o + F.p99], level.ring[o + F.p999]],
                expected.map((v) => Math.fround(v)), `level ${k} bucket ${b}`);
        }
    }
});

test('a window without completions has no percentile, and a missing window is missing', () => {
    const series = new Series(0);
    series.add(0, tickRow(0), new SparseHistogram());
    series.add(1, tickRow(0), new SparseHistogram());
    series.add(6, tickRow(2), histogramOf([1000, 2000])); // ticks 2..5 never came (conflated)
    series.add(7, tickRow(1), histogramOf([3000]));
    const l1 = series.levels[1];
    assert.deepEqual([...Array(l1.count).keys()].map((i) => l1.bucketAt(i)), [0, 3]);
    assert.ok(Number.isNaN(l1.ring[l1.offset(0) + F.p99]), 'no completions: NaN, drawn as a gap');
    assert.equal(l1.ring[l1.offset(0) + F.completed], 0);
    assert.equal(l1.ring[l1.offset(1) + F.p99], Math.fround(3001)); // the highest value of 3000's bucket
});

test('the window still filling is the merge of every finer open bucket', () => {
    const series = new Series(0);
    for (let tick = 0; tick < 5; tick++) series.add(tick, tickRow(1), histogramOf([1000 * (tick + 1)]));
    const out = new Float64Array(WIDTH);
    const bucket = series.provisional(3, out, new SparseHistogram());
    assert.equal(bucket, 0);
    assert.equal(out[F.ticks], 5); // ticks 0..3 (level 3, open) and tick 4 (level 1, open)
    assert.equal(out[F.completed], 5);
    assert.equal(out[F.p50], 3001); // the median of 1000..5000
    assert.equal(out[F.max], 0);
});

test('a range of a chart shows at most 200 windows', () => {
    assert.equal(levelFor(60, 0.05, 0), 3);     // 0.4 s windows: 150 of them
    assert.equal(levelFor(900, 0.05, 0), 7);    // 6.4 s windows
    assert.equal(levelFor(60, 0.01, 0), 5);     // 0.32 s windows at 100 ticks/s
});
