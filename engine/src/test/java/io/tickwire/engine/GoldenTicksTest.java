package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.TickSummaryDecoder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Diagrams without operations sections simulate exactly as before replicas became entities (issue 12): the digest
 * of every tick's figures is the one computed on main before that change (commit 8e1d1d6), committed here as test
 * data. So journals written before still {@code verify}.
 * <p>
 * The digest (the first 128 bits of a SHA-256, in hex) covers each tick's fields as schema version 3 has them, in
 * schema order, as little-endian longs (ids and counts too), each histogram's bytes after its row — wallTimeNs left
 * out — so that fields added by later schema versions (replicas, readyReplicas) do not change it: it says the
 * simulation is the same, not the layout. It was produced by running this test on that commit with placeholder
 * expected values and copying the digests the failures printed.
 */
@Timeout(300)
class GoldenTicksTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "../examples/checkout.yaml, 400, 1, 9960c375cd4786203227225d5982a07a",
        "../examples/mm1.yaml, 400, 1, 5d1a9eec92fd6ea45e54367586759bb4",
        "src/test/resources/golden/full-example.yaml, 500, 2, c9ba8d4d2a2ba354d264d143dc73c6e8",
        "src/test/resources/golden/features.yaml, 600, 3, 02c8ce77ef90290b41e362ffed82af4d",
    })
    void shouldSimulateTodaysDiagramsExactlyAsBefore(final String file, final int ticks, final int workers,
                                                      final String expected) throws Exception {
        final Diagram diagram = DiagramLoader.load(Path.of(file));
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).workers(workers))) {
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize(ticks);
        final String digest = digest(collector);
        assertThat(digest).startsWith(expected);
    }

    /** SHA-256 of the version-3 fields of every tick, as the class comment says. */
    static String digest(final TickCollector collector) throws Exception {
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        final ByteBuffer longs = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < collector.ticks.size(); i++) {
            final TickSummaryDecoder t = collector.decode(i);
            put(sha, longs, t.simulationId(), t.tick(), t.simTimeNs(), t.tickLengthNs());
            final TickSummaryDecoder.ServicesDecoder s = t.services();
            put(sha, longs, s.count());
            while (s.hasNext()) {
                s.next();
                put(sha, longs, s.serviceId(), s.servers(), s.queueDepth(), s.busyServers(), s.arrivals(),
                    s.completed(), s.errors(), s.rejected(), s.latencySumNs(), s.meanNs(), s.p50Ns(), s.p90Ns(),
                    s.p99Ns(), s.p999Ns(), s.maxNs(), s.busyTimeNs(), s.queueTimeNs(), s.costNanos(), s.timeouts(),
                    s.retries(), s.storageBytes());
                histogram(sha, s.histogramLength(), (b, n) -> s.getHistogram(b, 0, n));
            }
            final TickSummaryDecoder.EntriesDecoder e = t.entries();
            put(sha, longs, e.count());
            while (e.hasNext()) {
                e.next();
                put(sha, longs, e.sourceId(), e.completed(), e.errors(), e.rejected(), e.latencySumNs(), e.p50Ns(),
                    e.p90Ns(), e.p99Ns(), e.p999Ns(), e.maxNs(), e.timeouts());
                histogram(sha, e.histogramLength(), (b, n) -> e.getHistogram(b, 0, n));
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private interface Bytes {
        void get(byte[] into, int length);
    }

    private static void histogram(final MessageDigest sha, final int length, final Bytes bytes) {
        final byte[] b = new byte[length];
        bytes.get(b, length);
        sha.update(b);
    }

    private static void put(final MessageDigest sha, final ByteBuffer longs, final long... values) {
        for (final long v : values) {
            longs.clear();
            longs.putLong(v);
            sha.update(longs.array());
        }
    }
}
