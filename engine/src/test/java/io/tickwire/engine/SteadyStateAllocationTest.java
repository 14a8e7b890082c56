package io.tickwire.engine;

import io.tickwire.engine.diagram.DiagramLoader;
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

    private static void assertSteadyStateAllocatesNothing(final String yaml, final int workers,
                                                          final long minSamples) throws Exception {
        final long warmTick = 5_000;
        final long lastTick = 25_000;
        final Map<String, Long> atWarm = new HashMap<>();
        final Map<String, Long> atEnd = new HashMap<>();
        final long[] visits = new long[2];
        final Simulation[] holder = new Simulation[1];
        final TickListener probe = new TickListener() {
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
            .speed(Simulation.Context.SPEED_MAX).ticks(lastTick + 10).seed(3).workers(workers))) {
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
    }

    private static void snapshot(final Map<String, Long> into) {
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("tw-")) {
                into.put(t.getName(), THREADS.getThreadAllocatedBytes(t.getId()));
            }
        }
    }
}
