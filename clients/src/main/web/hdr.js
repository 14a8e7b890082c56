// HdrHistogram in the browser: decode the V2 encodings a TickSummary carries per service (plain, or Deflate-
// compressed when longer than 512 bytes: codec's CompressedHistogramEncoder), merge them by adding counts bucket by
// bucket, and read percentiles exactly as HdrHistogram's getValueAtPercentile does. A percentile over a window is
// the percentile of the window's merged histogram, never an average of the ticks' percentiles.
//
// V2 layout (big-endian): cookie int32 0x1c849313, payload length int32, normalizing index offset int32,
// significant digits int32, lowest discernible value int64, highest trackable value int64, integer-to-double ratio
// float64, then the counts array as ZigZag LEB128 longs, a negative value being a run of that many zero counts.
// Compressed: cookie 0x1c849314, length int32, then a zlib stream of the V2 encoding.
import { unzlibSync } from 'fflate';

export const V2_COOKIE = 0x1c849313;
export const V2_COMPRESSED_COOKIE = 0x1c849314;
const V2_HEADER_LENGTH = 40;

/** The bucket geometry HdrHistogram derives from (significant digits, lowest discernible value). */
export class Layout {
    constructor(significantDigits, lowestDiscernibleValue) {
        if (significantDigits < 0 || significantDigits > 5) {
            throw new Error(`hdr: ${significantDigits} significant digits (0..5 are valid)`);
        }
        this.significantDigits = significantDigits;
        this.lowest = lowestDiscernibleValue;
        const largestSingleUnit = 2 * 10 ** significantDigits;
        const subBucketCountMagnitude = Math.ceil(Math.log2(largestSingleUnit));
        this.subBucketHalfCountMagnitude = Math.max(subBucketCountMagnitude, 1) - 1;
        this.subBucketHalfCount = 2 ** this.subBucketHalfCountMagnitude;
        this.unitMagnitude = Math.floor(Math.log2(lowestDiscernibleValue));
    }

    /** The lowest value of the counts array's bucket `index`. */
    valueFromIndex(index) {
        let bucket = Math.floor(index / this.subBucketHalfCount) - 1;
        let sub = (index % this.subBucketHalfCount) + this.subBucketHalfCount;
        if (bucket < 0) {
            sub -= this.subBucketHalfCount;
            bucket = 0;
        }
        return sub * 2 ** (bucket + this.unitMagnitude);
    }

    /** How many values bucket `index` holds (its lowest to its highest equivalent value). */
    widthOfIndex(index) {
        return 2 ** (Math.max(0, Math.floor(index / this.subBucketHalfCount) - 1) + this.unitMagnitude);
    }

    same(other) {
        return other.significantDigits === this.significantDigits && other.lowest === this.lowest;
    }
}

const LAYOUTS = new Map();
function layoutOf(digits, lowest) {
    const key = `${digits}/${lowest}`;
    let layout = LAYOUTS.get(key);
    if (!layout) {
        layout = new Layout(digits, lowest);
        LAYOUTS.set(key, layout);
    }
    return layout;
}

/** Tickwire's histograms: 3 significant digits, values in ns from 1 (codec's TickHistogram). */
export const TICKWIRE_LAYOUT = layoutOf(3, 1);

/**
 * A histogram as the non-zero buckets of its counts array: `index[i]` ascending, `count[i]` > 0. Reused: decode and
 * merge write into it, growing its arrays when needed (amortised; no allocation in the steady state).
 */
export class SparseHistogram {
    constructor(capacity = 64) {
        this.index = new Int32Array(capacity);
        this.count = new Float64Array(capacity);
        this.size = 0;
        this.total = 0;
        this.layout = TICKWIRE_LAYOUT;
        this.spareIndex = null;
        this.spareCount = null;
    }

    clear() {
        this.size = 0;
        this.total = 0;
    }

    ensure(capacity) {
        if (capacity <= this.index.length) return;
        let n = this.index.length * 2;
        while (n < capacity) n *= 2;
        const index = new Int32Array(n);
        const count = new Float64Array(n);
        index.set(this.index.subarray(0, this.size));
        count.set(this.count.subarray(0, this.size));
        this.index = index;
        this.count = count;
    }

    /** Appends a bucket above every bucket held. */
    push(index, count) {
        if (this.size === this.index.length) this.ensure(this.size + 1);
        this.index[this.size] = index;
        this.count[this.size] = count;
        this.size++;
        this.total += count;
    }

    /** Adds `other`'s counts, bucket by bucket (a merge of two sorted runs). */
    add(other) {
        if (other.size === 0) return this;
        if (this.size === 0) {
            this.layout = other.layout;
        } else if (!this.layout.same(other.layout)) {
            throw new Error('hdr: cannot add histograms of different precision');
        }
        const n = this.size + other.size;
        if (!this.spareIndex || this.spareIndex.length < n) {
            let cap = Math.max(64, this.index.length);
            while (cap < n) cap *= 2;
            this.spareIndex = new Int32Array(cap);
            this.spareCount = new Float64Array(cap);
        }
        const ai = this.index, ac = this.count, bi = other.index, bc = other.count;
        const oi = this.spareIndex, oc = this.spareCount;
        let a = 0, b = 0, o = 0;
        const an = this.size, bn = other.size;
        while (a < an && b < bn) {
            const x = ai[a], y = bi[b];
            if (x < y) {
                oi[o] = x; oc[o++] = ac[a++];
            } else if (y < x) {
                oi[o] = y; oc[o++] = bc[b++];
            } else {
                oi[o] = x; oc[o++] = ac[a++] + bc[b++];
            }
        }
        while (a < an) { oi[o] = ai[a]; oc[o++] = ac[a++]; }
        while (b < bn) { oi[o] = bi[b]; oc[o++] = bc[b++]; }
        this.spareIndex = ai;
        this.spareCount = ac;
        this.index = oi;
        this.count = oc;
        this.size = o;
        this.total += other.total;
        return this;
    }

    /** As HdrHistogram's getValueAtPercentile; null when the histogram is empty (no completions: a gap, not 0). */
    valueAtPercentile(percentile) {
        const out = [0];
        this.percentiles([percentile], out);
        return out[0];
    }

    /**
     * Several percentiles in one pass: `percentiles` ascending; `out[i]` gets the value at `percentiles[i]`, null
     * for every one when the histogram is empty.
     */
    percentiles(percentiles, out) {
        if (this.total === 0) {
            for (let i = 0; i < percentiles.length; i++) out[i] = null;
            return out;
        }
        let running = 0;
        let b = 0;
        for (let i = 0; i < percentiles.length; i++) {
            const p = percentiles[i];
            const requested = Math.min(Math.max(nextDown(p), 0), 100);
            const wanted = Math.max(1, Math.ceil((requested / 100) * this.total));
            while (b < this.size && running + this.count[b] < wanted) {
                running += this.count[b++];
            }
            const index = this.index[Math.min(b, this.size - 1)];
            const lowest = this.layout.valueFromIndex(index);
            out[i] = p === 0 ? lowest : lowest + this.layout.widthOfIndex(index) - 1;
        }
        return out;
    }
}

const F64 = new Float64Array(1);
const I64 = new BigInt64Array(F64.buffer);

/** Math.nextAfter(x, -Infinity) for x >= 0, as the Java code that the percentiles must equal uses. */
function nextDown(x) {
    if (x <= 0) return x === 0 ? -Number.MIN_VALUE : x;
    F64[0] = x;
    I64[0] -= 1n;
    return F64[0];
}

/**
 * Decodes one histogram (V2 plain or compressed, by its cookie) into `into` (cleared first).
 * @param {Uint8Array} bytes
 * @param {SparseHistogram} into
 * @returns {SparseHistogram} `into`
 * @throws {Error} on an unknown cookie or a truncated encoding
 */
export function decodeHistogram(bytes, into = new SparseHistogram()) {
    into.clear();
    if (bytes.length === 0) return into;
    if (bytes.length < 8) throw new Error(`hdr: ${bytes.length} bytes is no histogram`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const cookie = view.getInt32(0, false);
    if (cookie === V2_COMPRESSED_COOKIE) {
        const length = view.getInt32(4, false);
        if (8 + length > bytes.length) throw new Error('hdr: truncated compressed histogram');
        return decodePlain(unzlibSync(bytes.subarray(8, 8 + length)), into);
    }
    if (cookie === V2_COOKIE) return decodePlain(bytes, into);
    throw new Error(`hdr: unknown cookie 0x${(cookie >>> 0).toString(16)}`);
}

function decodePlain(bytes, into) {
    if (bytes.length < V2_HEADER_LENGTH) throw new Error('hdr: truncated histogram header');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getInt32(0, false) !== V2_COOKIE) throw new Error('hdr: not a V2 histogram');
    const payload = view.getInt32(4, false);
    if (view.getInt32(8, false) !== 0) throw new Error('hdr: a normalizing index offset is not supported');
    into.layout = layoutOf(view.getInt32(12, false), Number(view.getBigInt64(16, false)));
    const end = V2_HEADER_LENGTH + payload;
    if (end > bytes.length) throw new Error('hdr: truncated histogram counts');
    let p = V2_HEADER_LENGTH;
    let index = 0;
    while (p < end) {
        // ZigZag LEB128, up to 9 bytes for a long (the 9th holds 8 bits); plain arithmetic keeps 53 bits exact.
        let raw = 0;
        let scale = 1;
        let b;
        let n = 0;
        do {
            if (p >= end) throw new Error('hdr: truncated LEB128 value');
            b = bytes[p++];
            raw += (n < 8 ? b & 0x7f : b) * scale;
            scale *= 128;
            n++;
        } while (n < 9 && (b & 0x80) !== 0);
        const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
        if (value < 0) {
            index += -value;
        } else {
            if (value > 0) into.push(index, value);
            index++;
        }
    }
    return into;
}
