// The dashboard's HdrHistogram decoder and merge against HdrHistogram itself. Used by JsHistogramInteropTest.
// Usage: node hdr-interop.mjs DIR
// DIR/groups.json is [[file, ...], ...]: each group's histograms (DIR/FILE, V2 plain or compressed, written by Java)
// are decoded and merged here; prints one JSON array, per group {total, percentiles: {p: value}} for the
// percentiles of DIR/percentiles.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SparseHistogram, decodeHistogram } from '../../main/web/hdr.js';

const dir = process.argv[2];
const groups = JSON.parse(readFileSync(join(dir, 'groups.json'), 'utf8'));
const percentiles = JSON.parse(readFileSync(join(dir, 'percentiles.json'), 'utf8'));
const one = new SparseHistogram();
const results = groups.map((files) => {
    const merged = new SparseHistogram();
    for (const file of files) merged.add(decodeHistogram(new Uint8Array(readFileSync(join(dir, file))), one));
    const values = merged.percentiles(percentiles, []);
    return { total: merged.total, percentiles: Object.fromEntries(percentiles.map((p, i) => [String(p), values[i]])) };
});
console.log(JSON.stringify(results));
