package io.tickwire.codec;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A latency histogram for one tick, bucketed exactly as an HdrHistogram with 3 significant digits and a lowest
 * discernible value of 1 — same percentiles, same V2 encoding, byte for byte — but whose per-tick costs
 * (percentiles, encoding, reset) grow with the number of <i>distinct buckets touched</i>, not with the value range.
 * <p>
 * Why: an HdrHistogram covering nanoseconds to seconds has ~25,000 counts; reading four percentiles, encoding and
 * resetting it scan them all, on every tick, for every service — which, at hundreds of services and ticks a second,
 * is what an aggregator would spend its time on. A tick typically touches a few dozen to a few thousand buckets:
 * this class remembers which, sorts them (in place) when the tick closes and walks only those; a dense tick falls
 * back to a plain scan.
 * <p>
 * Allocates only when a value lands beyond the largest bucket seen so far (the counts grow by doubling) or a tick
 * touches more distinct buckets than any before. <b>Not thread safe.</b>
 */
public final class TickHistogram {
    /** HdrHistogram's V2 encoding cookie for 8-byte words. */
    public static final int V2_COOKIE = 0x1c849313;
    /** Bytes before the counts in the V2 encoding. */
    public static final int V2_HEADER_LENGTH = 40;
    public static final int SIGNIFICANT_DIGITS = 3;

    private static final int SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
    private static final int SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
    private static final long SUB_BUCKET_MASK = (2L * SUB_BUCKET_HALF_COUNT) - 1;
    private static final int LEADING_ZERO_COUNT_BASE = 64 - (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1);
    private static final int INSERTION_SORT_LIMIT = 32;

    private long[] counts = new long[8 * SUB_BUCKET_HALF_COUNT];
    private int[] touched = new int[256];
    private int touchedCount;
    private boolean sorted = true;
    private long totalCount;
    private long maxValue;

    /** Record one value (&ge; 0). */
    public void record(final long value) {
        record(value, 1);
    }

    /** Record {@code count} (&ge; 1) occurrences of one value (&ge; 0): HdrHistogram's recordValueWithCount. */
    public void record(final long value, final long count) {
        if (value < 0) {
            throw new IllegalArgumentException("negative value: " + value);
        }
        final int index = countsIndex(value);
        if (index >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(counts.length << 1, index + SUB_BUCKET_HALF_COUNT));
        }
        final long before = counts[index];
        counts[index] = before + count;
        if (before == 0) {
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount << 1);
            }
            touched[touchedCount++] = index;
            sorted = false;
        }
        totalCount += count;
        if (value > maxValue) {
            maxValue = value;
        }
    }

    public long totalCount() {
        return totalCount;
    }

    /** The largest value recorded, exactly (HdrHistogram would give the top of its bucket). */
    public long maxValue() {
        return maxValue;
    }

    /** Distinct buckets touched since the last reset. */
    public int distinctBuckets() {
        return touchedCount;
    }

    /**
     * The value at {@code percentile}, as {@code AbstractHistogram.getValueAtPercentile} computes it: the highest
     * value equivalent to the bucket holding the {@code ceil(p/100 × count)}-th value; 0 when empty.
     */
    public long valueAtPercentile(final double percentile) {
        if (totalCount == 0) {
            return 0;
        }
        sort();
        final double requested = Math.min(Math.max(Math.nextAfter(percentile, Double.NEGATIVE_INFINITY), 0.0), 100.0);
        final long countAtPercentile = Math.max(1, (long)Math.ceil((requested / 100.0) * totalCount));
        long running = 0;
        for (int i = 0; i < touchedCount; i++) {
            final int index = touched[i];
            running += counts[index];
            if (running >= countAtPercentile) {
                final long lowest = valueFromIndex(index);
                return percentile == 0.0 ? lowest : lowest + bucketWidth(index) - 1;
            }
        }
        return 0;
    }

    /**
     * Encode as HdrHistogram's {@code encodeIntoByteBuffer} does (V2: header, then ZigZag LEB128 counts with runs of
     * zeros as negative run lengths), for a histogram whose highest trackable value is {@code max(2, maxValue)}.
     *
     * @return bytes written at {@code offset}.
     */
    public int encodeV2(final MutableDirectBuffer buffer, final int offset) {
        sort();
        buffer.putInt(offset, V2_COOKIE, ByteOrder.BIG_ENDIAN);
        buffer.putInt(offset + 8, 0, ByteOrder.BIG_ENDIAN); // normalizing index offset
        buffer.putInt(offset + 12, SIGNIFICANT_DIGITS, ByteOrder.BIG_ENDIAN);
        buffer.putLong(offset + 16, 1, ByteOrder.BIG_ENDIAN); // lowest discernible value
        buffer.putLong(offset + 24, Math.max(2, maxValue), ByteOrder.BIG_ENDIAN);
        buffer.putDouble(offset + 32, 1.0, ByteOrder.BIG_ENDIAN); // integer-to-double conversion ratio
        int position = offset + V2_HEADER_LENGTH;
        int next = 0;
        for (int i = 0; i < touchedCount; i++) {
            final int index = touched[i];
            final int zeros = index - next;
            if (zeros > 0) {
                position = putZigZag(buffer, position, zeros == 1 ? 0 : -zeros);
            }
            position = putZigZag(buffer, position, counts[index]);
            next = index + 1;
        }
        if (touchedCount == 0) {
            // An empty histogram encodes the single count of bucket 0, as HdrHistogram does.
            position = putZigZag(buffer, position, 0);
        }
        final int payload = position - offset - V2_HEADER_LENGTH;
        buffer.putInt(offset + 4, payload, ByteOrder.BIG_ENDIAN);
        return position - offset;
    }

    /**
     * The {@code i}-th distinct bucket touched since the last reset, {@code 0 <= i < distinctBuckets()}: for merging
     * ticks into a histogram over a window ({@link #countAtIndex}, {@link #highestEquivalentValue}).
     */
    public int touchedIndex(final int i) {
        return touched[i];
    }

    /** The count of bucket {@code index}. */
    public long countAtIndex(final int index) {
        return index < counts.length ? counts[index] : 0;
    }

    /** The bucket of {@code value}, as HdrHistogram indexes it (3 significant digits). */
    public static int indexOf(final long value) {
        return countsIndex(value);
    }

    /** The highest value equivalent to bucket {@code index}: what a percentile falling in it reads as. */
    public static long highestEquivalentValue(final int index) {
        return valueFromIndex(index) + bucketWidth(index) - 1;
    }

    /** Upper bound of {@link #encodeV2}'s length for the current contents. */
    public int maxEncodedLength() {
        return V2_HEADER_LENGTH + 9 * (2 * touchedCount + 1);
    }

    /** Empty the histogram, touching only the buckets that were used. */
    public void reset() {
        for (int i = 0; i < touchedCount; i++) {
            counts[touched[i]] = 0;
        }
        touchedCount = 0;
        sorted = true;
        totalCount = 0;
        maxValue = 0;
    }

    static int countsIndex(final long value) {
        final int bucketIndex = LEADING_ZERO_COUNT_BASE - Long.numberOfLeadingZeros(value | SUB_BUCKET_MASK);
        final int subBucketIndex = (int)(value >>> bucketIndex);
        return ((bucketIndex + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (subBucketIndex - SUB_BUCKET_HALF_COUNT);
    }

    static long valueFromIndex(final int index) {
        int bucketIndex = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
        int subBucketIndex = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
        if (bucketIndex < 0) {
            subBucketIndex -= SUB_BUCKET_HALF_COUNT;
            bucketIndex = 0;
        }
        return ((long)subBucketIndex) << bucketIndex;
    }

    private static long bucketWidth(final int index) {
        return 1L << Math.max(0, (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1);
    }

    private void sort() {
        if (sorted) {
            return;
        }
        final int n = touchedCount;
        final int[] a = touched;
        if (n <= INSERTION_SORT_LIMIT) {
            for (int i = 1; i < n; i++) {
                final int v = a[i];
                int j = i - 1;
                while (j >= 0 && a[j] > v) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
        } else {
            final int highest = countsIndex(maxValue);
            if ((long)n * (32 - Integer.numberOfLeadingZeros(n)) > highest) {
                // Dense: a scan of the counts is cheaper than sorting.
                int k = 0;
                for (int index = 0; index <= highest; index++) {
                    if (counts[index] != 0) {
                        a[k++] = index;
                    }
                }
            } else {
                heapSort(a, n);
            }
        }
        sorted = true;
    }

    private static void heapSort(final int[] a, final int n) {
        for (int i = (n >>> 1) - 1; i >= 0; i--) {
            siftDown(a, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            final int top = a[0];
            a[0] = a[end];
            a[end] = top;
            siftDown(a, 0, end);
        }
    }

    private static void siftDown(final int[] a, final int start, final int n) {
        int i = start;
        final int v = a[i];
        while (true) {
            int child = (i << 1) + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && a[child + 1] > a[child]) {
                child++;
            }
            if (a[child] <= v) {
                break;
            }
            a[i] = a[child];
            i = child;
        }
        a[i] = v;
    }

    private static int putZigZag(final MutableDirectBuffer buffer, final int position, final long value) {
        long v = (value << 1) ^ (value >> 63);
        int p = position;
        for (int i = 0; i < 8; i++) {
            if ((v >>> 7) == 0) {
                buffer.putByte(p++, (byte)v);
                return p;
            }
            buffer.putByte(p++, (byte)((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buffer.putByte(p++, (byte)v);
        return p;
    }
}
