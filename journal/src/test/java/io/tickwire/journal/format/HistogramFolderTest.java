package io.tickwire.journal.format;

import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.codec.TickHistogram;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The folder against its reference, {@code merged.add(CompressedHistogramEncoder.decode(...))}. */
class HistogramFolderTest {
    private static final double[] PERCENTILES = {0, 1, 10, 50, 90, 99, 99.9, 99.99, 100};

    @Test
    void shouldMergeTickHistogramsAsHistogramAddDoes() {
        final SplittableRandom random = new SplittableRandom(42);
        final Histogram folded = new Histogram(3);
        final Histogram reference = new Histogram(3);
        try (HistogramFolder folder = new HistogramFolder();
             CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            for (int tick = 0; tick < 300; tick++) {
                final TickHistogram h = new TickHistogram();
                final int samples = tick % 7 == 0 ? 5_000 : random.nextInt(1, 60);
                // Exponential latencies around 5 ms, with now and then a value near an hour: long runs of empty
                // buckets and multi-byte counts.
                for (int i = 0; i < samples; i++) {
                    final long value = random.nextInt(100) == 0 ? random.nextLong(1, 3_600_000_000_000L) :
                        (long)(-Math.log(1 - random.nextDouble()) * 5_000_000);
                    h.record(value);
                }
                final int length = encoder.encode(h);
                folder.addTo(folded, encoder.buffer(), 0, length);
                reference.add(CompressedHistogramEncoder.decode(encoder.buffer(), 0, length));
            }
        }
        assertSame(folded, reference);
    }

    @Test
    void shouldMergeHdrHistogramsOwnEncodingsAndOtherPrecisions() {
        final Histogram folded = new Histogram(3);
        final Histogram reference = new Histogram(3);
        try (HistogramFolder folder = new HistogramFolder();
             CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            final Histogram same = new Histogram(3);
            final Histogram coarser = new Histogram(2); // not the fast path: decoded and added
            for (long v = 1; v < 10_000_000_000L; v = v * 3 + 1) {
                same.recordValueWithCount(v, v % 11 + 1);
                coarser.recordValue(v);
            }
            for (final Histogram h : new Histogram[] {same, coarser}) {
                final int length = encoder.encode(h);
                folder.addTo(folded, encoder.buffer(), 0, length);
                reference.add(CompressedHistogramEncoder.decode(encoder.buffer(), 0, length));
            }
        }
        assertSame(folded, reference);
    }

    @Test
    void shouldRefuseBytesThatAreNotAHistogram() {
        final UnsafeBuffer junk = new UnsafeBuffer(new byte[] {0x1c, (byte)0x84, (byte)0x93, 0x14, 0, 0, 0, 4, 1, 2,
            3, 4});
        try (HistogramFolder folder = new HistogramFolder()) {
            assertThatThrownBy(() -> folder.addTo(new Histogram(3), junk, 0, junk.capacity()))
                .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldMapIndexesToBucketsAsHdrHistogramDoes() {
        final Histogram h = new Histogram(3);
        for (long v : new long[] {0, 1, 2047, 2048, 2049, 4095, 4096, 1_000_000, 123_456_789_012L}) {
            h.recordValue(v);
            final long lowest = h.lowestEquivalentValue(v);
            // countsArrayIndex is not public: find the index whose bucket starts at the lowest equivalent value.
            final int index = indexOf(lowest);
            assertThat(HistogramFolder.valueFromIndex(index)).as("value %d", v).isEqualTo(lowest);
        }
    }

    private static int indexOf(final long lowest) {
        for (int i = 0; i < 200_000; i++) {
            if (HistogramFolder.valueFromIndex(i) == lowest) {
                return i;
            }
        }
        throw new AssertionError("no index for " + lowest);
    }

    private static void assertSame(final Histogram folded, final Histogram reference) {
        assertThat(folded.getTotalCount()).isEqualTo(reference.getTotalCount()).isPositive();
        assertThat(folded.getMaxValue()).isEqualTo(reference.getMaxValue());
        assertThat(folded.getMinNonZeroValue()).isEqualTo(reference.getMinNonZeroValue());
        for (final double p : PERCENTILES) {
            assertThat(folded.getValueAtPercentile(p)).as("p%s", p).isEqualTo(reference.getValueAtPercentile(p));
        }
        assertThat(folded).isEqualTo(reference);
    }
}
