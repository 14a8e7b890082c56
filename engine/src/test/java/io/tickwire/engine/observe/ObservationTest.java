package io.tickwire.engine.observe;

import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.sbe.CatalogUpdateDecoder;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.tickwire.engine.observe.SeriesRegistry.Protocol.EVENTS;
import static io.tickwire.engine.observe.SeriesRegistry.Protocol.PROMETHEUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@Timeout(30)
class ObservationTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldAggregateEachKindIntoTheTickOfItsTimestampAndCountLateAndFutureSamples() throws Exception {
        final ObserveSpec spec = ObserveLoader.parse("name: obs\ntick: 100ms\nlateness: 300ms\n");
        final Observation obs = Observation.create(spec, new Observation.Context().simulationId(7));
        final Recorder ticks = new Recorder();
        obs.addListener(ticks);
        obs.start();
        try {
            final SeriesRegistry reg = obs.registry();
            final int gauge = reg.input("host-a", "load", new TreeMap<>(), null, null, EVENTS);
            final int counter = reg.input("host-a", "requests_total", new TreeMap<>(), null, null, EVENTS);
            final int latency = reg.input("host-a", "request_latency_seconds", new TreeMap<>(), null, null, EVENTS);
            final int[] buckets = {
                reg.input("host-b", "rpc_duration_seconds_bucket", labels("le", "0.1"), null, null, PROMETHEUS),
                reg.input("host-b", "rpc_duration_seconds_bucket", labels("le", "0.5"), null, null, PROMETHEUS),
                reg.input("host-b", "rpc_duration_seconds_bucket", labels("le", "+Inf"), null, null, PROMETHEUS),
            };
            final int hsum = reg.input("host-b", "rpc_duration_seconds_sum", new TreeMap<>(), null, null, PROMETHEUS);
            assertThat(reg.rows()).extracting(r -> r.kind).containsExactly(MetricKind.GAUGE, MetricKind.COUNTER,
                MetricKind.LATENCY, MetricKind.HISTOGRAM);
            assertThat(reg.row(3).name).isEqualTo("host-b/rpc_duration_seconds");

            final long tick = obs.tickOf(obs.clock().nanoTime()) + 3;
            final long start = obs.originNs() + tick * spec.tickLengthNs();
            final SamplePublisher p = obs.newPublisher();
            p.add(gauge, start + MS, 1.0);
            p.add(gauge, start + 3 * MS, 2.0);
            p.add(gauge, start + 2 * MS, 3.0); // out of order: the latest by timestamp stays 2.0
            p.add(counter, start + MS, 10);
            p.add(counter, start + 2 * MS, 15);
            p.add(counter, start + 3 * MS, 4); // a reset: its increase is 4
            for (final double seconds : new double[] {0.001, 0.002, 0.003}) {
                p.add(latency, start + 5 * MS, seconds);
            }
            final double[][] cumulative = {{10, 15, 16}, {14, 21, 23}};
            for (int scrape = 0; scrape < 2; scrape++) {
                final long at = start + (10 + 40 * scrape) * MS;
                for (int b = 0; b < 3; b++) {
                    p.add(buckets[b], at, cumulative[scrape][b]);
                }
                p.add(hsum, at, 2.0 + scrape);
            }
            p.add(gauge, obs.originNs() - 1, 99); // before tick 0: late
            p.add(gauge, obs.clock().nanoTime() + 3_600_000_000_000L, 1); // an hour ahead: refused
            assertThat(p.publish()).isTrue();
            while (obs.ticksClosed() <= tick) {
                Thread.sleep(10);
            }
        } finally {
            obs.stop();
            assertThat(obs.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            obs.close();
        }
        assertThat(ticks.ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ticks.violation).isNull();
        final long tick = ticks.rows.keySet().stream().filter(t -> ticks.rows.get(t).containsKey(0)
            && ticks.rows.get(t).get(0).arrivals == 3).findFirst().orElseThrow();
        final Map<Integer, Row> rows = ticks.rows.get(tick);
        assertThat(rows.keySet()).containsExactly(0, 1, 2, 3);
        final Row g = rows.get(0);
        assertThat(g.value).isEqualTo(2.0);
        assertThat(g.min).isEqualTo(1.0);
        assertThat(g.vmax).isEqualTo(3.0);
        assertThat(g.sum).isEqualTo(6.0);
        final Row c = rows.get(1);
        assertThat(c.arrivals).isEqualTo(3);
        assertThat(c.sum).as("increase: 0 (first), 5, then 4 after the reset").isEqualTo(9.0);
        assertThat(c.value).isEqualTo(4.0);
        final Row l = rows.get(2);
        assertThat(l.completed).isEqualTo(3);
        assertThat(l.latencySum).isEqualTo(6 * MS);
        assertThat(l.max).isEqualTo(3 * MS);
        assertThat(l.p50).isBetween(2 * MS, 2 * MS + 2_000);
        final Row h = rows.get(3);
        assertThat(h.arrivals).isEqualTo(8);
        assertThat(h.completed).as("observations: 4 under 0.1s, 2 under 0.5s, 1 above").isEqualTo(7);
        assertThat(h.latencySum).isEqualTo(1_000 * MS);
        assertThat(h.max).isEqualTo(500 * MS);
        assertThat(h.p50).isCloseTo(100 * MS, within(100 * MS / 1000));
        assertThat(h.p90).isEqualTo(500 * MS);
        assertThat(ticks.rows.values().stream().flatMap(r -> r.values().stream()).mapToLong(r -> r.late).sum())
            .isEqualTo(1);
        assertThat(ticks.updatesBefore.get(tick)).as("rows announced before the tick that holds them")
            .isEqualTo(4);
        assertThat(ticks.endReason).isEqualTo(TickListener.EndReason.STOPPED);
        final SourceStats a = obs.registry().source("host-a");
        assertThat(a.late()).isEqualTo(1);
        assertThat(a.rejected(IngestRejection.FUTURE)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAnUnknownSourceWhenDiscoveryIsOffAndNameTheFieldOfABadConfiguration() throws Exception {
        final ObserveSpec spec = ObserveLoader.parse("""
            name: fixed
            discover: false
            sources: [{name: web-1, rate: 10/s, burst: 5}]
            series: [{source: web-1, metric: up, kind: gauge}]
            """);
        final SeriesRegistry reg = new SeriesRegistry(spec);
        assertThat(reg.rowCount()).isEqualTo(1);
        assertThat(reg.input("web-2", "up", new TreeMap<>(), null, null, EVENTS))
            .isEqualTo(SeriesRegistry.UNKNOWN_SOURCE);
        final SourceStats web = reg.source("web-1");
        assertThat(web.tryAcquire(5, 0)).isZero();
        assertThat(web.tryAcquire(1, 0)).as("the burst is spent: 100 ms until a token").isEqualTo(100 * MS);
        assertThat(web.tryAcquire(6, 0)).isEqualTo(SourceStats.NEVER);
        assertThat(web.tryAcquire(1, 100 * MS)).isZero();

        try {
            ObserveLoader.parse("name: x\ntick: 2min\nsources: [{name: a, rate: fast}]\n");
        } catch (final DiagramException ex) {
            assertThat(ex.problems()).anySatisfy(p -> assertThat(p).startsWith("tick: must be between"))
                .anySatisfy(p -> assertThat(p).startsWith("sources[0].rate: not a rate"));
            return;
        }
        throw new AssertionError("a bad configuration was taken");
    }

    private static TreeMap<String, String> labels(final String name, final String value) {
        final TreeMap<String, String> labels = new TreeMap<>();
        labels.put(name, value);
        return labels;
    }

    record Row(long arrivals, long completed, long latencySum, long p50, long p90, long max, double value,
               double min, double vmax, double sum, long late) {
        Row(final TickSummaryDecoder.ServicesDecoder s) {
            this(s.arrivals(), s.completed(), s.latencySumNs(), s.p50Ns(), s.p90Ns(), s.maxNs(), s.value(),
                s.valueMin(), s.valueMax(), s.valueSum(), s.late());
            s.skipHistogram();
        }
    }

    /** Decodes every tick's rows, and counts the rows announced before each tick. */
    static final class Recorder implements TickListener {
        final Map<Long, Map<Integer, Row>> rows = new HashMap<>();
        final Map<Long, Integer> updatesBefore = new HashMap<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final List<String> order = new ArrayList<>();
        volatile String violation;
        volatile EndReason endReason;
        private int announced;

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            order.add("catalog");
        }

        @Override
        public void onCatalogUpdate(final DirectBuffer buffer, final int offset, final int length) {
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
            final CatalogUpdateDecoder d = new CatalogUpdateDecoder().wrap(buffer,
                offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            for (final CatalogUpdateDecoder.SeriesDecoder s : d.series()) {
                if (s.serviceId() != announced) {
                    violation = "row " + s.serviceId() + " announced as number " + announced;
                }
                announced++;
                s.skipName();
                s.skipSource();
                s.skipMetric();
                s.skipLabels();
                s.skipUnit();
            }
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                           final boolean endOfBatch) {
            final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
            copy.putBytes(0, buffer, offset, length);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(copy, 0);
            final TickSummaryDecoder d = new TickSummaryDecoder().wrap(copy, MessageHeaderDecoder.ENCODED_LENGTH,
                header.blockLength(), header.version());
            if (d.tick() != tick || d.simTimeNs() != (tick + 1) * d.tickLengthNs()) {
                violation = "tick " + tick + " says " + d.tick() + " ending at " + d.simTimeNs();
            }
            final Map<Integer, Row> byId = new HashMap<>();
            for (final TickSummaryDecoder.ServicesDecoder s : d.services()) {
                if (s.serviceId() >= announced) {
                    violation = "row " + s.serviceId() + " in tick " + tick + " before it was announced";
                }
                byId.put(s.serviceId(), new Row(s));
            }
            rows.put(tick, byId);
            updatesBefore.put(tick, announced);
        }

        @Override
        public void onEnd(final long lastTick, final EndReason reason) {
            endReason = reason;
            ended.countDown();
        }
    }
}
