package io.tickwire.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.codec.TickHistogram;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's HdrHistogram code ({@code src/main/web/hdr.js}) against HdrHistogram: histograms encoded in Java as
 * a TickSummary carries them (plain V2 from {@link TickHistogram}, Deflate-compressed above 512 bytes) and as
 * HdrHistogram writes them itself, decoded and merged in Node.js; every merged percentile must equal
 * {@link Histogram#getValueAtPercentile} of the same values merged in Java, and an empty window must read as no value.
 */
@Timeout(60)
class JsHistogramInteropTest {
    private static final double[] PERCENTILES = {0, 50, 90, 99, 99.9, 99.99, 100};

    @TempDir
    Path tmp;

    private final CompressedHistogramEncoder encoder = new CompressedHistogramEncoder();
    private final List<List<String>> groups = new ArrayList<>();
    private final List<Histogram> expected = new ArrayList<>();
    private int files;

    @Test
    void shouldMergeTickHistogramsAndReadPercentilesExactlyAsHdrHistogram() throws Exception {
        final SplittableRandom random = new SplittableRandom(7);
        group(List.of(new long[] {1_000_000, 2_000_000, 2_000_100, 5_000_000})); // sparse: plain V2
        group(List.of(lognormal(random, 20_000, 3e6))); // dense: compressed
        final List<long[]> ticks = new ArrayList<>();
        for (int t = 0; t < 60; t++) {
            ticks.add(lognormal(random, t % 7 == 0 ? 0 : random.nextInt(1, 400), 2e6 + 1e5 * t));
        }
        group(ticks); // a window of ticks, some without completions, merged
        group(List.of(new long[] {1, 2, 3, 1023, 1024, 2047, 2048, 4095, 100_000_000_000L, 7}));
        group(List.of(new long[0], new long[0])); // no completions at all
        hdrOwnEncoding(lognormal(random, 5_000, 40e6)); // HdrHistogram's own compressed encoding

        Files.writeString(tmp.resolve("groups.json"), new ObjectMapper().writeValueAsString(groups));
        Files.writeString(tmp.resolve("percentiles.json"), new ObjectMapper().writeValueAsString(PERCENTILES));
        final JsonNode out = new ObjectMapper().readTree(NodeScript.run("hdr-interop.mjs", tmp));

        assertThat(out).hasSize(groups.size());
        for (int g = 0; g < groups.size(); g++) {
            final Histogram merged = expected.get(g);
            final JsonNode result = out.get(g);
            assertThat(result.get("total").asLong()).as("group %d total", g).isEqualTo(merged.getTotalCount());
            for (final double p : PERCENTILES) {
                final JsonNode value = result.get("percentiles").get(js(p));
                if (merged.getTotalCount() == 0) {
                    assertThat(value.isNull()).as("group %d p%s of nothing is no value, not 0", g, p).isTrue();
                } else {
                    assertThat(value.asLong()).as("group %d p%s", g, p).isEqualTo(merged.getValueAtPercentile(p));
                }
            }
        }
    }

    /** One group of tick histograms, written as the aggregator writes them. */
    private void group(final List<long[]> ticks) throws Exception {
        final List<String> names = new ArrayList<>();
        final Histogram merged = new Histogram(3);
        for (final long[] values : ticks) {
            final TickHistogram tick = new TickHistogram();
            for (final long v : values) {
                tick.record(v);
                merged.recordValue(v);
            }
            final int length = encoder.encode(tick);
            final byte[] bytes = new byte[length];
            encoder.buffer().getBytes(0, bytes);
            names.add(write(bytes));
        }
        groups.add(names);
        expected.add(merged);
    }

    private void hdrOwnEncoding(final long[] values) throws Exception {
        final Histogram h = new Histogram(3);
        for (final long v : values) {
            h.recordValue(v);
        }
        final ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        final int length = h.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.get(0, bytes);
        assertThat(CompressedHistogramEncoder.decode(new UnsafeBuffer(bytes), 0, length).getTotalCount())
            .isEqualTo(values.length);
        groups.add(List.of(write(bytes)));
        expected.add(h);
    }

    private String write(final byte[] bytes) throws Exception {
        final String name = "h" + files++ + ".bin";
        Files.write(tmp.resolve(name), bytes);
        return name;
    }

    private static long[] lognormal(final SplittableRandom random, final int n, final double mean) {
        final long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            final double gaussian = Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
                * Math.cos(2 * Math.PI * random.nextDouble());
            values[i] = Math.max(1, (long)(mean * Math.exp(0.6 * gaussian - 0.18)));
        }
        return values;
    }

    /** How JSON.stringify writes a percentile as a key. */
    private static String js(final double p) {
        return p == Math.rint(p) ? Long.toString((long)p) : Double.toString(p);
    }
}
