package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(120)
class SimulationTest {
    private static final String MM1 = """
        name: mm1
        tick: 50ms
        seed: 7
        services:
          - name: server
            latency: { distribution: exponential, mean: 1ms }
        load:
          - { target: server, rate: 800/s }
        """;

    @Test
    void shouldMatchMm1MeanResponseTime() throws Exception {
        final Diagram diagram = DiagramLoader.parse(MM1);
        final TickCollector collector = new TickCollector();
        final long ticks = 40_000; // 2000 s of simulated time, ~1.6 M requests
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks))) {
            sim.addListener(collector);
            sim.start();
            assertThat(sim.awaitTermination(100, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
            assertThat(sim.state()).isEqualTo(Simulation.State.ENDED);
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);
        assertThat(collector.lastTick).isEqualTo(ticks - 1);
        assertThat(collector.reason).isEqualTo(TickListener.EndReason.COMPLETED);

        long completed = 0;
        long sum = 0;
        long arrivals = 0;
        for (int i = 0; i < collector.ticks.size(); i++) {
            final TickSummaryDecoder d = collector.decode(i);
            assertThat(d.tick()).isEqualTo(i);
            assertThat(d.simTimeNs()).isEqualTo((i + 1) * 50_000_000L);
            final TickSummaryDecoder.ServicesDecoder s = d.services();
            assertThat(s.count()).isEqualTo(1);
            s.next();
            completed += s.completed();
            sum += s.latencySumNs();
            arrivals += s.arrivals();
        }
        final double meanMs = sum / (double)completed / 1e6;
        assertThat(arrivals).isBetween(1_580_000L, 1_620_000L);
        assertThat(meanMs).isCloseTo(5.0, org.assertj.core.data.Percentage.withPercentage(3));
    }

    @Test
    void shouldAccrueCostPerTickFromReplicasAndRequests() throws Exception {
        // 2 replicas at 0.36/h over a 50 ms tick: 2 x 0.36 x 50 ms / 1 h = 1e-5, i.e. 10,000 billionths;
        // 2.0 per million requests: 2,000 billionths per arriving request.
        final String yaml = """
            name: costed
            tick: 50ms
            seed: 7
            services:
              - name: server
                replicas: 2
                latency: { distribution: exponential, mean: 1ms }
                cost: { perReplicaHour: 0.36, perMillionRequests: 2.0 }
            load:
              - { target: server, rate: 800/s }
            """;
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(DiagramLoader.parse(yaml), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(200))) {
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        long arrivals = 0;
        for (int i = 0; i < collector.ticks.size(); i++) {
            final TickSummaryDecoder.ServicesDecoder s = collector.decode(i).services();
            s.next();
            assertThat(s.costNanos()).isEqualTo(10_000 + 2_000 * s.arrivals());
            arrivals += s.arrivals();
        }
        assertThat(arrivals).isPositive();
    }

    @Test
    void shouldAddUpCostExactlyOverAnyNumberOfTicks() throws Exception {
        // 1 replica at 0.01/h with 1 ms ticks: 2.78 billionths a tick, which rounded tick by tick would be 3 (+8%).
        // Six simulated minutes must cost exactly 0.001, i.e. 1,000,000 billionths.
        final String yaml = """
            name: cheap
            tick: 1ms
            seed: 7
            services:
              - name: server
                latency: { distribution: constant, mean: 100us }
                cost: { perReplicaHour: 0.01 }
            load:
              - { target: server, rate: 1/s }
            """;
        final long[] total = new long[1];
        final TickListener summer = new TickListener() {
            private final io.tickwire.sbe.MessageHeaderDecoder header = new io.tickwire.sbe.MessageHeaderDecoder();
            private final TickSummaryDecoder tick = new TickSummaryDecoder();

            @Override
            public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            }

            @Override
            public void onTick(final DirectBuffer buffer, final int offset, final int length, final long n,
                               final boolean endOfBatch) {
                header.wrap(buffer, offset);
                tick.wrap(buffer, offset + header.encodedLength(), header.blockLength(), header.version());
                final TickSummaryDecoder.ServicesDecoder s = tick.services();
                s.next();
                total[0] += s.costNanos();
            }

            @Override
            public void onEnd(final long lastTick, final EndReason reason) {
            }
        };
        try (Simulation sim = Simulation.create(DiagramLoader.parse(yaml), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(360_000))) {
            sim.addListener(summer).start();
            assertThat(sim.awaitTermination(100, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(total[0]).isEqualTo(1_000_000L);
    }

    @Test
    void shouldRunWithPinnedWorkers() throws Exception {
        // Through the affinity library; on a 2-core host the second lock comes back unbound, which must not fail.
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(DiagramLoader.parse(MM1), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(500).pinWorkers(true))) {
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.ticks).hasSize(500);
        assertThat(collector.violation).isNull();
    }

    @Test
    void shouldStopOnRequestAndDeliverEveryIssuedTick() throws Exception {
        final TickCollector collector = new TickCollector();
        final long issued;
        try (Simulation sim = Simulation.create(DiagramLoader.parse(MM1), new Simulation.Context().speed(20))) {
            sim.addListener(collector).start();
            while (sim.ticksClosed() < 10) {
                Thread.sleep(5);
            }
            sim.stop();
            assertThat(sim.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.endReason()).isEqualTo(TickListener.EndReason.STOPPED);
            issued = sim.ticksIssued();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.reason).isEqualTo(TickListener.EndReason.STOPPED);
        assertThat(collector.ticks).hasSizeGreaterThanOrEqualTo(10);
        assertThat(collector.lastTick).isEqualTo(collector.ticks.size() - 1);
        // Nothing issued is lost at stop: every tick the orchestrator issued reached the listener.
        assertThat(collector.ticks).hasSize((int)issued);
    }

    @Test
    void shouldFailTheRunAndReleaseEveryThreadWhenAListenerThrows() throws Exception {
        final TickListener faulty = new TickListener() {
            @Override
            public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            }

            @Override
            public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                               final boolean endOfBatch) {
                if (tick == 100) {
                    throw new IllegalStateException("disk full");
                }
            }

            @Override
            public void onEnd(final long lastTick, final EndReason reason) {
            }
        };
        final TickCollector healthy = new TickCollector();
        // A small output ring, so the aggregator fills it behind the dead listener and must give up, not hang.
        try (Simulation sim = Simulation.create(DiagramLoader.parse(MM1), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).outputRingSize(8).closeTimeoutMs(2000))) {
            sim.addListener(faulty).addListener(healthy).start();
            assertThat(sim.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.state()).isEqualTo(Simulation.State.FAILED);
            assertThat(sim.failure()).hasMessage("disk full");
        }
        // The healthy listener is still told how the run ended, after the last tick it got.
        assertThat(healthy.ended.getCount()).isZero();
        assertThat(healthy.reason).isEqualTo(TickListener.EndReason.FAILED);
        assertThat(healthy.lastTick).isEqualTo(healthy.ticks.size() - 1);
        assertThat(healthy.violation).isNull();
        Thread.sleep(200);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("tw-") && t.isAlive());
    }
}
