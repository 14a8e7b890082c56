package io.tickwire.engine.control;

import io.tickwire.codec.TickHistogram;

import java.util.Arrays;

/**
 * The latency buckets of several closed ticks added up, for percentiles over a window: what an autoscaler's window
 * ({@link ClosedTickWindow}) and an alert rule's ({@link AlertEvaluator}) read, as a report's window merge gives them;
 * percentiles are never averaged. Add each tick's touched buckets, read, then {@link #clear}.
 * <p>
 * <b>One thread.</b> Grows to the highest bucket index seen, then allocates nothing.
 */
final class MergedBuckets {
    private long[] counts = new long[1 << 13];
    private int highest = -1;
    private long count;

    /** Add one tick's {@code n} touched buckets: {@code index[i]} holds {@code count[i]} values. */
    void add(final int[] index, final long[] count, final int n) {
        for (int i = 0; i < n; i++) {
            final int at = index[i];
            if (at >= counts.length) {
                counts = Arrays.copyOf(counts, Math.max(counts.length << 1, at + 1));
            }
            counts[at] += count[i];
            this.count += count[i];
            highest = Math.max(highest, at);
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    /**
     * As {@link TickHistogram#valueAtPercentile} over the merged buckets, capped at the exact {@code max}; 0 when
     * empty.
     */
    long percentile(final double percentile, final long max) {
        if (count == 0) {
            return 0;
        }
        final double requested = Math.min(Math.max(Math.nextAfter(percentile, Double.NEGATIVE_INFINITY), 0.0),
            100.0);
        final long wanted = Math.max(1, (long)Math.ceil((requested / 100.0) * count));
        long running = 0;
        for (int index = 0; index <= highest; index++) {
            running += counts[index];
            if (running >= wanted) {
                return Math.min(TickHistogram.highestEquivalentValue(index), max);
            }
        }
        return max;
    }

    /** Empty again, for the next window. */
    void clear() {
        if (highest >= 0) {
            Arrays.fill(counts, 0, highest + 1, 0);
        }
        highest = -1;
        count = 0;
    }
}
