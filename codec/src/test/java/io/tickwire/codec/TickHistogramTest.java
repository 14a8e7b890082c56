package io.tickwire.codec;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TickHistogram} against the reference implementation, HdrHistogram itself: same percentiles, same V2
 * bytes, over sparse, dense, wide and degenerate inputs, and across resets.
 */
class TickHistogramTest {
    private static final double[] PERCENTILES = {0.0, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0};

    @Test
    void shouldMatchHdrHistogramOnRandomTicks() {
        final SplittableRandom random = new SplittableRandom(2026);
        final TickHistogram fast = new TickHistogram();
        for (int round = 0; round < 300; round++) {
            // Sizes from empty to dense; distributions from narrow to spanning 12 decades.
            final int n = round % 10 == 0 ? 0 : (int)Math.pow(10, random.nextDouble() * 5.3);
            final double spread = random.nextDouble() * 28;
            final long base = random.nextLong(1, 5_000_000);
            final long[] values = new long[n];
            long max = 0;
            for (int i = 0; i < n; i++) {
                values[i] = round % 7 == 3 ? random.nextLong(0, 3) : (long)(base * Math.exp(random.nextDouble() * spread));
                max = Math.max(max, values[i]);
            }
            final Histogram ref = new Histogram(1, Math.max(2, max), 3);
            for (final long v : values) {
                fast.record(v);
                ref.recordValue(v);
            }
            assertSame(fast, ref, "round " + round);
            fast.reset();
        }
    }

    @Test
    void shouldMatchAtBucketEdgesAndExtremes() {
        final TickHistogram fast = new TickHistogram();
        final long[] values = {0, 1, 2047, 2048, 2049, 4095, 4096, 1L << 20, (1L << 20) + 1, 999_999_999L,
            1L << 40, (1L << 50) - 1};
        final Histogram ref = new Histogram(1, (1L << 50) - 1, 3);
        for (final long v : values) {
            fast.record(v);
            ref.recordValue(v);
        }
        assertSame(fast, ref, "edges");
    }

    @Test
    void shouldStartEmptyAfterReset() {
        final TickHistogram fast = new TickHistogram();
        fast.record(5_000_000);
        fast.record(17);
        fast.reset();
        assertThat(fast.totalCount()).isZero();
        assertThat(fast.valueAtPercentile(99)).isZero();
        fast.record(42);
        final Histogram ref = new Histogram(1, 42, 3);
        ref.recordValue(42);
        assertSame(fast, ref, "after reset");
    }

    private static void assertSame(final TickHistogram fast, final Histogram ref, final String what) {
        assertThat(fast.totalCount()).as(what).isEqualTo(ref.getTotalCount());
        for (final double p : PERCENTILES) {
            assertThat(fast.valueAtPercentile(p)).as("%s p%s", what, p).isEqualTo(
                ref.getTotalCount() == 0 ? 0 : ref.getValueAtPercentile(p));
        }
        final ByteBuffer expected = ByteBuffer.allocate(ref.getNeededByteBufferCapacity());
        final int expectedLength = ref.encodeIntoByteBuffer(expected);
        final UnsafeBuffer actual = new UnsafeBuffer(new byte[fast.maxEncodedLength()]);
        final int length = fast.encodeV2(actual, 0);
        final byte[] actualBytes = new byte[length];
        actual.getBytes(0, actualBytes);
        final byte[] expectedBytes = new byte[expectedLength];
        expected.flip();
        expected.get(expectedBytes);
        assertThat(actualBytes).as("%s V2 bytes", what).isEqualTo(expectedBytes);

        try (CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            final int compressed = encoder.encode(fast);
            final Histogram decoded = CompressedHistogramEncoder.decode(encoder.buffer(), 0, compressed);
            assertThat(decoded.getTotalCount()).isEqualTo(ref.getTotalCount());
            assertThat(decoded.getMaxValue()).isEqualTo(ref.getMaxValue());
            assertThat(decoded.getValueAtPercentile(99)).isEqualTo(ref.getValueAtPercentile(99));
        }
    }
}
