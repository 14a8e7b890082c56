package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.LatencySpec;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tickwire.engine.sim.ReplicaEvents.CRASHED;
import static io.tickwire.engine.sim.ReplicaEvents.DRAINING;
import static io.tickwire.engine.sim.ReplicaEvents.KILLED_AFTER_GRACE;
import static io.tickwire.engine.sim.ReplicaEvents.READY;
import static io.tickwire.engine.sim.ReplicaEvents.REMOVED;
import static io.tickwire.engine.sim.ReplicaEvents.REPLACED;
import static io.tickwire.engine.sim.ReplicaEvents.STARTING;
import static io.tickwire.engine.sim.ReplicaEvents.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * Replicas as entities, scenario by scenario, on the kernel alone: start-up, scale-in by draining (and the grace that
 * ends it), crashes, health-check detection at the simulated time it implies and replacement, and every
 * {@link KernelAction}. Each run also checks that nothing is lost, tick by tick, for every service (see
 * {@link RecordingSink}).
 */
class ReplicaLifecycleTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldServeOnlyAfterTheStartupTimeAndChargeFromTheStart() throws Exception {
        final RecordingSink sink = run("""
            name: startup
            tick: 10ms
            seed: 1
            services:
              - { name: api, latency: { distribution: constant, mean: 1ms }, startup: 100ms }
            load:
              - { target: api, rate: 100/s }
            """, 20, Map.of(5L, actions().add(KernelAction.SET_REPLICAS, 0, 3, 0)));
        assertThat(sink.events).containsExactly(
            event(1, STARTING, ReplicaEvents.SCALE_OUT, 50), event(2, STARTING, ReplicaEvents.SCALE_OUT, 50),
            event(1, READY, 0, 150), event(2, READY, 0, 150));
        assertThat(sink.tick(0, 4).replicaTimeNs()).isEqualTo(10 * MS);
        assertThat(sink.tick(0, 5).replicaTimeNs()).isEqualTo(30 * MS); // provisioned from the tick's start
        assertThat(sink.tick(0, 5).readyTimeNs()).isEqualTo(10 * MS);
        assertThat(sink.tick(0, 14)).satisfies(t -> {
            assertThat(t.replicas()).isEqualTo(3);
            assertThat(t.ready()).isEqualTo(1);
            assertThat(t.servers()).isEqualTo(1);
        });
        assertThat(sink.tick(0, 15)).satisfies(t -> {
            assertThat(t.ready()).isEqualTo(3);
            assertThat(t.readyTimeNs()).isEqualTo(30 * MS);
            assertThat(t.servers()).isEqualTo(3);
        });
    }

    @Test
    void shouldDrainTheNewestReplicasOnScaleInAndLoseNoRequest() throws Exception {
        for (final String balancer : List.of("shared", "round-robin", "least-connections")) {
            final RecordingSink sink = run("""
                name: drain
                tick: 10ms
                seed: 2
                services:
                  - { name: api, replicas: 4, concurrency: 2, balancer: %s,
                      latency: { distribution: constant, mean: 25ms } }
                load:
                  - { target: api, rate: 250/s }
                """.formatted(balancer), 40, Map.of(10L, actions().add(KernelAction.SET_REPLICAS, 0, 2, 0)));
            assertThat(sink.violation).as(balancer).isNull();
            final List<RecordingSink.Event> draining = sink.events(DRAINING);
            assertThat(draining).as(balancer).extracting(RecordingSink.Event::replica).containsExactly(3, 2);
            assertThat(draining).extracting(RecordingSink.Event::timeNs).containsOnly(100 * MS);
            // Each leaves once its own requests are done: within one service time, never killed.
            assertThat(sink.events(REMOVED)).as(balancer).hasSize(2)
                .allSatisfy(e -> assertThat(e.timeNs()).isBetween(100 * MS, 125 * MS));
            assertThat(sink.events(KILLED_AFTER_GRACE)).isEmpty();
            assertThat(sink.sum(0, RecordingSink.Tick::errors)).isZero();
            assertThat(sink.tick(0, 20).replicas()).isEqualTo(2);
            assertThat(sink.tick(0, 20).servers()).isEqualTo(4);
        }
    }

    @Test
    void shouldFailWhatADrainingReplicaStillHoldsWhenItsGraceRunsOut() throws Exception {
        final RecordingSink sink = run("""
            name: grace
            tick: 10ms
            seed: 3
            services:
              - { name: api, replicas: 2, concurrency: 2, balancer: round-robin, terminationGrace: 5ms,
                  latency: { distribution: constant, mean: 50ms } }
            load:
              - { target: api, rate: 200/s, arrivals: constant }
            """, 30, Map.of(10L, actions().add(KernelAction.SET_REPLICAS, 0, 1, 0)));
        assertThat(sink.violation).isNull();
        final List<RecordingSink.Event> killed = sink.events(KILLED_AFTER_GRACE);
        assertThat(killed).singleElement().satisfies(e -> {
            assertThat(e.replica()).isEqualTo(1);
            assertThat(e.timeNs()).isEqualTo(105 * MS);
            assertThat(e.detail()).isPositive();
        });
        assertThat(sink.events(REMOVED)).singleElement().extracting(RecordingSink.Event::timeNs).isEqualTo(105 * MS);
        // Its requests failed as errors in the tick of the grace's end: counted, not lost.
        assertThat(sink.tick(0, 10).errors()).isEqualTo(killed.get(0).detail());
        assertThat(sink.sum(0, RecordingSink.Tick::errors)).isEqualTo(killed.get(0).detail());
    }

    @Test
    void shouldDetectACrashAtTheTimeTheHealthChecksImplyAndReplaceIt() throws Exception {
        // Replica 0 is ready at 0, so probed at 1s, 2s, ...; it crashes at 1s (tick 10 of 100ms): the probes at 1s,
        // 2s and 3s fail, the third after its 100ms timeout: unhealthy at 3.1s, its replacement ready at 5.1s.
        final String yaml = """
            name: crash
            tick: 100ms
            seed: 4
            services:
              - { name: api, replicas: 2, concurrency: 4, balancer: %s, startup: 2s,
                  health: { interval: 1s, timeout: 100ms, unhealthyThreshold: 3 },
                  latency: { distribution: exponential, mean: 2ms } }
            load:
              - { target: api, rate: 400/s }
            """;
        for (final String balancer : List.of("round-robin", "shared")) {
            final RecordingSink sink = run(yaml.formatted(balancer), 60,
                Map.of(10L, actions().add(KernelAction.CRASH_REPLICAS, 0, 1, 0)));
            assertThat(sink.violation).isNull();
            assertThat(sink.events).as(balancer).containsExactly(
                event(0, CRASHED, ReplicaEvents.CRASH_ACTION, 1000),
                event(0, UNHEALTHY, 3, 3100), event(0, REPLACED, 2, 3100),
                event(2, STARTING, ReplicaEvents.REPLACEMENT, 3100), event(2, READY, 0, 5100));
            assertThat(sink.tick(0, 20).replicas()).isEqualTo(2);
            assertThat(sink.tick(0, 20).ready()).isEqualTo(1);
            assertThat(sink.tick(0, 31).replicas()).isEqualTo(2); // the replacement is provisioned while it starts
            assertThat(sink.tick(0, 31).ready()).isEqualTo(1);
            assertThat(sink.tick(0, 51).ready()).isEqualTo(2);
            final long errorsWhileUndetected = errors(sink, 11, 31);
            final long errorsAfter = errors(sink, 31, 60);
            if (balancer.equals("round-robin")) {
                // Until detected, the balancer sends every other request to the crashed replica: refused at once.
                assertThat(errorsWhileUndetected).isCloseTo(420L, withPercentage(15));
            } else {
                // The shared queue's servers pull work: a crashed replica takes none.
                assertThat(errorsWhileUndetected).isZero();
            }
            assertThat(errorsAfter).isZero();
        }
    }

    @Test
    void shouldFailACrashedReplicasRequestsAtOnceAndLetTheCallersRetry() throws Exception {
        final RecordingSink sink = run("""
            name: crash-calls
            tick: 10ms
            seed: 5
            partitions: 1
            services:
              - name: front
                replicas: 2
                concurrency: 8
                latency: { distribution: exponential, mean: 1ms }
                calls: [ { to: back, mode: sync, delay: 100us, timeout: 50ms, retry: { attempts: 2, backoff: 1ms } } ]
              - { name: back, replicas: 2, concurrency: 4, balancer: least-connections,
                  latency: { distribution: exponential, mean: 8ms } }
            load:
              - { target: front, rate: 600/s }
            """, 200, Map.of(50L, actions().add(KernelAction.CRASH_REPLICAS, 1, 2, 0)));
        assertThat(sink.violation).isNull();
        assertThat(sink.events(CRASHED)).extracting(RecordingSink.Event::replica).containsExactly(0, 1);
        // back's requests failed at the crash (and then, refused by both crashed replicas); front retried them.
        assertThat(sink.tick(1, 50).errors()).isPositive();
        assertThat(sink.tick(0, 50).inFlight() + sink.tick(0, 51).completed()).isPositive();
        final long frontErrors = sink.sum(0, RecordingSink.Tick::errors);
        assertThat(frontErrors).isPositive();
        assertThat(sink.endToEndErrors[0]).isEqualTo(frontErrors);
        // Every request that entered left or is still in flight at front.
        final long in = sink.sum(0, RecordingSink.Tick::arrivals);
        final long out = sink.endToEndCompleted[0] + sink.endToEndRejected[0];
        assertThat(in - out).isEqualTo(sink.tick(0, 199).inFlight());
    }

    @Test
    void shouldCrashByTheFailureModelAndReplaceForEver() throws Exception {
        final RecordingSink sink = run("""
            name: mtbf
            tick: 1s
            seed: 6
            services:
              - { name: api, replicas: 3, startup: 5s, failures: { mtbf: 60s }, latency: { mean: 1ms },
                  health: { interval: 2s, timeout: 1s, unhealthyThreshold: 2 } }
            load:
              - { target: api, rate: 10/s }
            """, 3600, Map.of());
        assertThat(sink.violation).isNull();
        final int crashes = sink.events(CRASHED).size();
        // 3 replicas up ~60/(60 + ~9) of the time: ~156 crashes an hour.
        assertThat(crashes).isBetween(120, 190);
        assertThat(sink.events(CRASHED)).allSatisfy(e -> assertThat(e.detail()).isEqualTo(ReplicaEvents.FAILURE_MODEL));
        assertThat(sink.events(REPLACED)).hasSizeBetween(crashes - 3, crashes);
        assertThat(sink.ticks.get(0)).allSatisfy(t -> assertThat(t.replicas()).isEqualTo(3));
    }

    @Test
    void shouldApplyLatencyFailureRateAndLatencyTableActions() throws Exception {
        final String yaml = """
            name: actions
            tick: 10ms
            seed: 7
            services:
              - { name: api, concurrency: 100, latency: { distribution: constant, mean: 1ms } }
            load:
              - { target: api, rate: 1000/s, arrivals: constant }
            """;
        final Diagram diagram = DiagramLoader.parse(yaml);
        final Kernels kernels = new Kernels(diagram, 7);
        final int slow = kernels.latencyTable().add(new LatencyDistribution(LatencySpec.constant(4 * MS)));
        final Map<Long, KernelActions> at = new HashMap<>();
        at.put(10L, actions().add(KernelAction.LATENCY_FACTOR, 0, 2 * KernelAction.ONE, MS / 2));
        at.put(20L, actions().add(KernelAction.LATENCY_FACTOR, 0, KernelAction.ONE, 0)
            .add(KernelAction.FAILURE_RATE, 0, 500_000_000L, 0));
        at.put(30L, actions().add(KernelAction.FAILURE_RATE, 0, KernelAction.RESTORE, 0)
            .add(KernelAction.SET_LATENCY, 0, slow, 0));
        at.put(40L, actions().add(KernelAction.SET_CONCURRENCY, 0, 3, 0));
        final RecordingSink sink = run(kernels, diagram, 50, at);
        assertThat(sink.violation).isNull();
        assertThat(meanMs(sink, 5)).isEqualTo(1.0);
        assertThat(meanMs(sink, 15)).isEqualTo(2.5); // 1ms x 2 + 0.5ms
        assertThat(meanMs(sink, 25)).isEqualTo(1.0);
        assertThat(errors(sink, 20, 30)).isCloseTo(50, withPercentage(30)); // half of 100
        assertThat(errors(sink, 30, 50)).isZero();
        assertThat(meanMs(sink, 35)).isEqualTo(4.0);
        assertThat(sink.tick(0, 45).servers()).isEqualTo(3);
        assertThat(sink.tick(0, 45).busy()).isLessThanOrEqualTo(3);
        // 4ms on 3 servers at 1000/s: the queue grows.
        assertThat(sink.tick(0, 49).queueDepth()).isPositive();
    }

    @Test
    void shouldChangeLoadRatesAndFactorsFromTheTickStart() throws Exception {
        final RecordingSink sink = run("""
            name: load
            tick: 100ms
            seed: 8
            services:
              - { name: api, concurrency: 1000, latency: { mean: 1ms } }
            load:
              - { name: steady, target: api, rate: 100/s, arrivals: constant }
              - { name: bursty, target: api, rate: 1000/s, schedule: [ { at: 10s, step: 2000/s } ] }
            """, 40, Map.of(
                10L, actions().add(KernelAction.LOAD_RATE, 0, 300_000, 0),
                20L, actions().add(KernelAction.LOAD_FACTOR, 0, 2 * KernelAction.ONE, 0)
                    .add(KernelAction.LOAD_FACTOR, 1, 0, 0),
                30L, actions().add(KernelAction.LOAD_FACTOR, 1, 3 * KernelAction.ONE, 0)));
        // Ticks are 100ms: the constant source sends 10 a tick, 30 at 300/s, 60 at x2; the Poisson one ~100 a tick,
        // paused at x0, ~300 at x3.
        assertThat(arrivals(sink, 0, 10)).isCloseTo(10 * 10 + 1000, withPercentage(12));
        assertThat(arrivals(sink, 10, 20)).isCloseTo(10 * 30 + 1000, withPercentage(12));
        assertThat(arrivals(sink, 21, 30)).isEqualTo(9 * 60);
        assertThat(arrivals(sink, 30, 40)).isCloseTo(10 * 60 + 3000, withPercentage(8));
    }

    @Test
    void shouldCutCallsByPartitionAndDeliverWhatHungWhenHealed() throws Exception {
        final String yaml = """
            name: partition
            tick: 10ms
            seed: 9
            partitions: 1
            services:
              - name: front
                concurrency: 100
                latency: { distribution: constant, mean: 1ms }
                calls:
                  - { to: back, mode: sync, delay: 100us, timeout: %s }
                  - { to: next, delay: 100us }
              - { name: back, concurrency: 100, latency: { distribution: constant, mean: 1ms } }
              - { name: next, concurrency: 100, latency: { distribution: constant, mean: 1ms } }
            load:
              - { target: front, rate: 1000/s, arrivals: constant }
            """;
        // Fail: front's calls to back fail at once, its requests with them; forwards to next leave in error.
        final RecordingSink failing = run(yaml.formatted("20ms"), 40, Map.of(
            10L, actions().add(KernelAction.PARTITION, 0, 1, KernelAction.FAIL)
                .add(KernelAction.PARTITION, 0, 2, KernelAction.FAIL),
            20L, actions().add(KernelAction.PARTITION, 0, 1, KernelAction.HEALED)
                .add(KernelAction.PARTITION, 0, 2, KernelAction.HEALED)));
        assertThat(failing.violation).isNull();
        assertThat(errors(failing, 11, 20)).isEqualTo(90);
        assertThat(arrivals(failing, 1, 11, 20)).isLessThanOrEqualTo(1);
        assertThat(arrivals(failing, 2, 12, 20)).isZero();
        assertThat(errors(failing, 22, 40)).isZero();
        // Hang with a 20ms timeout: calls made during the cut time out; healed, the hung ones reach back.
        final RecordingSink hanging = run(yaml.formatted("20ms"), 40, Map.of(
            10L, actions().add(KernelAction.PARTITION, 0, 1, KernelAction.HANG),
            20L, actions().add(KernelAction.PARTITION, 0, 1, KernelAction.HEALED)));
        assertThat(hanging.violation).isNull();
        assertThat(arrivals(hanging, 1, 11, 20)).isLessThanOrEqualTo(1);
        assertThat(hanging.tick(1, 20).arrivals()).isGreaterThanOrEqualTo(90); // delivered at 200ms + 100us
        assertThat(errors(hanging, 0, 40)).isBetween(80L, 100L);
        // Hang without a timeout: the requests wait, holding front's servers, and all complete once healed.
        final RecordingSink waiting = run(yaml.replace(", timeout: %s", ""), 40, Map.of(
            10L, actions().add(KernelAction.PARTITION, 0, 1, KernelAction.HANG),
            20L, actions().add(KernelAction.PARTITION, 0, 1, KernelAction.HEALED)));
        assertThat(waiting.violation).isNull();
        assertThat(waiting.tick(0, 19).busy()).isGreaterThanOrEqualTo(90);
        assertThat(errors(waiting, 0, 40)).isZero();
        assertThat(waiting.tick(0, 25).busy()).isLessThanOrEqualTo(2);
    }

    @Test
    void shouldRefuseActionsItCannotApply() throws Exception {
        final Diagram diagram = DiagramLoader.parse("""
            name: bad
            services:
              - { name: api, latency: { mean: 1ms } }
            load:
              - { target: api, rate: 1/s }
            """);
        final Kernels kernels = new Kernels(diagram, 1);
        final RecordingSink sink = new RecordingSink(1, 1);
        assertThatThrownBy(() -> kernels.advanceTick(0, actions().add(99, 0, 0, 0), sink))
            .hasMessageContaining("unknown action kind 99");
        assertThatThrownBy(() -> kernels.advanceTick(0, actions().add(KernelAction.SET_REPLICAS, 5, 1, 0), sink))
            .hasMessageContaining("SET_REPLICAS: no service 5");
        assertThatThrownBy(() -> kernels.advanceTick(0, actions().add(KernelAction.SET_REPLICAS, 0, -1, 0), sink))
            .hasMessageContaining("argument -1");
        assertThatThrownBy(() -> kernels.advanceTick(0, actions().add(KernelAction.LOAD_RATE, 3, 1, 0), sink))
            .hasMessageContaining("no load source 3");
        assertThatThrownBy(() -> kernels.advanceTick(0, actions().add(KernelAction.SET_LATENCY, 0, 0, 0), sink))
            .hasMessageContaining("no latency 0");
    }

    // ---------------------------------------------------------------- helpers

    static KernelActions actions() {
        return new KernelActions();
    }

    private static RecordingSink.Event event(final int replica, final int kind, final int detail, final long ms) {
        return new RecordingSink.Event(0, -1, ms * MS, replica, kind, detail);
    }

    static RecordingSink run(final String yaml, final int ticks, final Map<Long, KernelActions> at)
        throws Exception {
        final Diagram diagram = DiagramLoader.parse(yaml);
        return run(new Kernels(diagram, diagram.seed()), diagram, ticks, at);
    }

    static RecordingSink run(final Kernels kernels, final Diagram diagram, final int ticks,
                             final Map<Long, KernelActions> at) {
        final RecordingSink sink = new RecordingSink(diagram.services().size(), diagram.load().size());
        for (long t = 0; t < ticks; t++) {
            kernels.advanceTick(t, at.get(t), sink);
        }
        // Events compare without their tick (tests give times).
        sink.events.replaceAll(e -> new RecordingSink.Event(e.service(), -1, e.timeNs(), e.replica(), e.kind(),
            e.detail()));
        return sink;
    }

    private static long errors(final RecordingSink sink, final int from, final int to) {
        long n = 0;
        for (int t = from; t < to; t++) {
            n += sink.tick(0, t).errors();
        }
        return n;
    }

    private static long arrivals(final RecordingSink sink, final int from, final int to) {
        return arrivals(sink, 0, from, to);
    }

    private static long arrivals(final RecordingSink sink, final int service, final int from, final int to) {
        long n = 0;
        for (int t = from; t < to; t++) {
            n += sink.tick(service, t).arrivals();
        }
        return n;
    }

    private static double meanMs(final RecordingSink sink, final int tick) {
        final RecordingSink.Tick t = sink.tick(0, tick);
        return t.latencySumNs() / (double)t.completed() / MS;
    }
}
