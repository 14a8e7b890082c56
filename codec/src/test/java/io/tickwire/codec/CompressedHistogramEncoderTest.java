package io.tickwire.codec;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class CompressedHistogramEncoderTest {
    @Test
    void shouldRoundTripThroughHdrHistogramsOwnDecoder() throws Exception {
        final Histogram histogram = new Histogram(3);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            histogram.recordValue((long)(1e6 * -Math.log(1 - random.nextDouble())));
        }
        try (CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            for (int round = 0; round < 3; round++) { // reuse must not leak state between calls
                final int length = encoder.encode(histogram);
                final byte[] bytes = new byte[length];
                encoder.buffer().getBytes(0, bytes);
                final Histogram decoded = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
                assertThat(decoded).isEqualTo(histogram);
                assertThat(CompressedHistogramEncoder.decode(encoder.buffer(), 0, length)).isEqualTo(histogram);
            }
        }
    }

    @Test
    void shouldEncodeEmptyAndGrowingHistograms() {
        try (CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            final Histogram empty = new Histogram(3);
            final int emptyLength = encoder.encode(empty);
            assertThat(CompressedHistogramEncoder.decode(encoder.buffer(), 0, emptyLength).getTotalCount()).isZero();

            final Histogram wide = new Histogram(3);
            for (long v = 1; v < 1L << 40; v = v * 3 + 1) {
                wide.recordValue(v);
            }
            final int length = encoder.encode(wide);
            final Histogram decoded = CompressedHistogramEncoder.decode(encoder.buffer(), 0, length);
            assertThat(decoded).isEqualTo(wide);
            assertThat(decoded.getMaxValue()).isEqualTo(wide.getMaxValue());
        }
    }

    @Test
    void shouldMatchHdrHistogramsOwnCompressedEncoding() {
        final Histogram histogram = new Histogram(3);
        for (int i = 1; i < 5000; i++) {
            histogram.recordValue(i * 37L);
        }
        final ByteBuffer theirs = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int theirLength = histogram.encodeIntoCompressedByteBuffer(theirs, java.util.zip.Deflater.BEST_SPEED);
        try (CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            final int length = encoder.encode(histogram);
            final byte[] ours = new byte[length];
            encoder.buffer().getBytes(0, ours);
            final byte[] expected = new byte[theirLength];
            theirs.flip();
            theirs.get(expected);
            assertThat(ours).isEqualTo(expected);
        }
    }

    @Test
    void shouldWriteSmallTickHistogramsPlainAndLargeOnesCompressed() {
        try (CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
            final TickHistogram sparse = new TickHistogram();
            final Histogram sparseRef = new Histogram(3);
            for (int i = 1; i <= 20; i++) {
                sparse.record(i * 1_000_003L);
                sparseRef.recordValue(i * 1_000_003L);
            }
            final int small = encoder.encode(sparse);
            assertThat(small).isLessThanOrEqualTo(CompressedHistogramEncoder.DEFLATE_ABOVE_BYTES);
            assertThat(encoder.buffer().getInt(0, java.nio.ByteOrder.BIG_ENDIAN)).isEqualTo(TickHistogram.V2_COOKIE);
            assertThat(CompressedHistogramEncoder.decode(encoder.buffer(), 0, small)).isEqualTo(sparseRef);

            final TickHistogram dense = new TickHistogram();
            final Histogram denseRef = new Histogram(3);
            final SplittableRandom random = new SplittableRandom(3);
            for (int i = 0; i < 50_000; i++) {
                final long v = (long)(1e6 * -Math.log(1 - random.nextDouble()));
                dense.record(v);
                denseRef.recordValue(v);
            }
            final int large = encoder.encode(dense);
            assertThat(encoder.buffer().getInt(0, java.nio.ByteOrder.BIG_ENDIAN))
                .isEqualTo(CompressedHistogramEncoder.V2_COMPRESSED_COOKIE);
            assertThat(CompressedHistogramEncoder.decode(encoder.buffer(), 0, large)).isEqualTo(denseRef);
        }
    }

    @Test
    void shouldRefuseBytesThatAreNotAHistogram() {
        final org.agrona.concurrent.UnsafeBuffer junk = new org.agrona.concurrent.UnsafeBuffer(new byte[16]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompressedHistogramEncoder.decode(junk, 0, 16))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
