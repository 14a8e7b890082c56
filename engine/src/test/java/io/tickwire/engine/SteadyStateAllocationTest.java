package io.tickwire.engine;

import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.sim.KernelAction;
import io.tickwire.engine.sim.KernelActionSource;
import io.tickwire.engine.sim.KernelActions;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers and the aggregator allocate nothing per event once warm: bytes allocated by those threads, measured by
 * the JVM's per-thread allocation counters between two points of a long run, divided by the samples in between.
 */
@Timeout(120)
class SteadyStateAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    @Test
    void shouldNotAllocatePerSampleInWorkersOrAggregator() throws Exception {
        assertSteadyStateAllocatesNothing("""
            name: alloc
            tick: 10ms
            services:
              - name: front
                replicas: 4
                latency: { distribution: lognormal, mean: 1ms, sd: 2ms }
                queue: 100
                failureRate: 0.01
                calls: [ { to: back, probability: 0.5 } ]
              - name: back
                replicas: 2
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: front, rate: 3000/s }
            """, 1, 500_000);
    }

    @Test
    void shouldNotAllocateWithSyncCallsDatabasesAndMessagesBetweenTwoWorkers() throws Exception {
        // Forward and sync calls, a parallel fan-out, timeouts, retries and a database, cut into partitions that
        // exchange messages through the mailboxes and meet at the window barrier every 200 us.
        assertSteadyStateAllocatesNothing("""
            name: alloc-split
            tick: 10ms
            services:
              - name: front
                replicas: 4
                latency: { distribution: lognormal, mean: 0.5ms, sd: 0.5ms }
                queue: 100
                fanout: parallel
                database: { latency: { distribution: exponential, mean: 0.2ms }, connections: 4, delay: 0 }
                calls:
                  - { to: auth, mode: sync, delay: 200us, timeout: 1ms, retry: { attempts: 2, backoff: 100us } }
                  - { to: stock, mode: sync, probability: 0.5, delay: 300us }
              - name: auth
                replicas: 2
                failureRate: 0.05
                latency: { distribution: exponential, mean: 0.3ms }
              - name: stock
                replicas: 2
                latency: { distribution: exponential, mean: 0.3ms }
            load:
              - { target: front, rate: 2000/s }
            """, 2, 200_000);
    }

    @Test
    void shouldNotAllocateWithReplicaLifecycleBalancersAndActions() throws Exception {
        // Per-replica balancers, crashes by the failure models and by action, health checks, replacements, scaling
        // out and in (drains, graces), partitions that hang and heal, load spikes, every 200 ticks (10 s). Bounded
        // queues bound the latencies, so that the histograms stop growing once warm.
        final KernelActions[] cycle = new KernelActions[200];
        cycle[10] = new KernelActions().add(KernelAction.SET_REPLICAS, 0, 6, 0)
            .add(KernelAction.LOAD_FACTOR, 0, 2 * KernelAction.ONE, 0);
        cycle[60] = new KernelActions().add(KernelAction.CRASH_REPLICAS, 1, 1, 0)
            .add(KernelAction.PARTITION, 0, 2, KernelAction.HANG);
        cycle[80] = new KernelActions().add(KernelAction.PARTITION, 0, 2, KernelAction.HEALED)
            .add(KernelAction.LATENCY_FACTOR, 1, 2 * KernelAction.ONE, 0);
        cycle[120] = new KernelActions().add(KernelAction.SET_REPLICAS, 0, 3, 0)
            .add(KernelAction.LOAD_FACTOR, 0, KernelAction.ONE, 0)
            .add(KernelAction.LATENCY_FACTOR, 1, KernelAction.ONE, 0)
            .add(KernelAction.SET_CONCURRENCY, 2, 3, 0);
        cycle[160] = new KernelActions().add(KernelAction.SET_CONCURRENCY, 2, 4, 0)
            .add(KernelAction.PARTITION, 0, 1, KernelAction.FAIL);
        cycle[170] = new KernelActions().add(KernelAction.PARTITION, 0, 1, KernelAction.HEALED);
        assertSteadyStateAllocatesNothing("""
            name: alloc-ops
            tick: 50ms
            services:
              - name: front
                replicas: 3
                concurrency: 4
                queue: 100
                balancer: least-connections
                startup: { distribution: uniform, min: 200ms, max: 800ms }
                terminationGrace: 100ms
                failures: { mtbf: 5s }
                health: { interval: 500ms, timeout: 100ms, unhealthyThreshold: 2 }
                latency: { distribution: exponential, mean: 1ms }
                calls:
                  - { to: auth, mode: sync, delay: 200us, timeout: 20ms, retry: { attempts: 1, backoff: 1ms } }
                  - { to: stock, mode: sync, probability: 0.5, delay: 300us, timeout: 50ms }
              - name: auth
                replicas: 2
                concurrency: 4
                balancer: power-of-two
                queue: 20
                failures: { mtbf: 3s, distribution: weibull, shape: 2 }
                startup: 300ms
                latency: { distribution: exponential, mean: 1ms }
              - name: stock
                replicas: 2
                concurrency: 4
                queue: 20
                balancer: round-robin
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: front, rate: 2000/s }
            """, 2, 200_000, (tick, into) -> {
                final KernelActions actions = cycle[(int)(tick % cycle.length)];
                if (actions != null) {
                    into.addAll(actions);
                }
            });
    }

    private static final String RESILIENCE = """
        name: alloc-resilience
        tick: 50ms
        services:
          - name: front
            concurrency: 32
            queue: 100
            rateLimit: { rate: 1800/s, burst: 40 }
            latency: { distribution: exponential, mean: 1ms }
            calls:
              - to: pay
                mode: sync
                delay: 200us
                timeout: 20ms
                retry: { attempts: 1, backoff: 1ms }
                bulkhead: { maxConcurrent: 8, maxWait: 2ms }
                breaker: { slidingWindowSize: 50, minimumNumberOfCalls: 20, failureRateThreshold: 30,
                           slowCallDurationThreshold: 10ms, slowCallRateThreshold: 50,
                           waitDurationInOpenState: 200ms, permittedNumberOfCallsInHalfOpenState: 5 }
          - name: pay
            concurrency: 8
            queue: 30
            failureRate: 0.2
            latency: { distribution: exponential, mean: 2ms }
        load:
          - { target: front, rate: 2000/s, rateLimit: { rate: 1900/s, burst: 10 } }
        """;

    @Test
    void shouldNotAllocateWithRateLimitsBulkheadsAndBreakers() throws Exception {
        // Breakers that open, half-open and close again all run long (payments fails in bursts of slowness), a
        // bulkhead with waiters, rate limits at the source and the service; bounded queues bound the latencies.
        assertSteadyStateAllocatesNothing(RESILIENCE, 1, 200_000);
    }

    @Test
    void shouldNotAllocateEvaluatingAlertRulesThatChangeStateOften() throws Exception {
        // Rules that flip every few ticks (pay's error rate and latency hover around their thresholds), windows
        // merged from buckets, for and keep_firing_for: an AlertEvent each change, its name encoded once.
        final long events = assertSteadyStateAllocatesNothing(RESILIENCE + """
            alerts:
              - { name: PayErrors, expr: "error_rate(pay) > 20%" }
              - { name: PaySlow, expr: "p99(pay[500ms]) > 8ms", for: 100ms, keep_firing_for: 100ms }
              - { name: FrontLimited, expr: "rate_limited(front[200ms]) > 50/s", for: 50ms }
              - { name: Breaker, expr: "breaker_refused(front) > 0" }
              - { name: Busy, expr: "utilization(pay) >= 0.5" }
            """, 1, 200_000);
        assertThat(events).as("events while measured: breakers' and alerts'").isGreaterThan(5_000);
    }

    /** @return the events published while it was measured. */
    private static long assertSteadyStateAllocatesNothing(final String yaml, final int workers,
                                                          final long minSamples) throws Exception {
        return assertSteadyStateAllocatesNothing(yaml, workers, minSamples, null);
    }

    private static long assertSteadyStateAllocatesNothing(final String yaml, final int workers,
                                                          final long minSamples, final KernelActionSource actions)
        throws Exception {
        final long warmTick = 5_000;
        final long lastTick = 25_000;
        final Map<String, Long> atWarm = new HashMap<>();
        final Map<String, Long> atEnd = new HashMap<>();
        final long[] visits = new long[2];
        final long[] events = new long[1];
        final Simulation[] holder = new Simulation[1];
        final TickListener probe = new TickListener() {
            @Override
            public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
                events[0] += tick > warmTick && tick <= lastTick ? 1 : 0;
            }

            @Override
            public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            }

            @Override
            public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                               final boolean endOfBatch) {
                if (tick == warmTick) {
                    snapshot(atWarm);
                    visits[0] = holder[0].visits();
                } else if (tick == lastTick) {
                    snapshot(atEnd);
                    visits[1] = holder[0].visits();
                }
            }

            @Override
            public void onEnd(final long lastTick, final EndReason reason) {
            }
        };
        try (Simulation sim = Simulation.create(DiagramLoader.parse(yaml), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(lastTick + 10).seed(3).workers(workers)
            .actionSource(actions))) {
            assertThat(sim.workers()).isEqualTo(workers);
            holder[0] = sim;
            sim.addListener(probe).start();
            assertThat(sim.awaitTermination(100, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        final long samples = visits[1] - visits[0];
        assertThat(samples).isGreaterThan(minSamples);
        final List<String> threads = new ArrayList<>(List.of("tw-aggregator"));
        for (int w = 0; w < workers; w++) {
            threads.add("tw-worker-" + w);
        }
        for (final String thread : threads) {
            assertThat(atWarm).containsKey(thread);
            final long bytes = atEnd.get(thread) - atWarm.get(thread);
            // Per-thread counters are exact; allow a fixed few KiB for JIT-time and profiler noise, not per event.
            assertThat(bytes).as("%s allocated %d bytes over %d samples", thread, bytes, samples)
                .isLessThan(64 * 1024);
        }
        return events[0];
    }

    private static void snapshot(final Map<String, Long> into) {
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("tw-")) {
                into.put(t.getName(), THREADS.getThreadAllocatedBytes(t.getId()));
            }
        }
    }
}
