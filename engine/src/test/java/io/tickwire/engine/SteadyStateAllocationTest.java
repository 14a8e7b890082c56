package io.tickwire.engine;

import io.tickwire.engine.diagram.DiagramLoader;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
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
        final String yaml = """
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
            """;
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
            .speed(Simulation.Context.SPEED_MAX).ticks(lastTick + 10).seed(3))) {
            holder[0] = sim;
            sim.addListener(probe).start();
            assertThat(sim.awaitTermination(100, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        final long samples = visits[1] - visits[0];
        assertThat(samples).isGreaterThan(500_000);
        for (final String thread : new String[] {"tw-worker-0", "tw-aggregator"}) {
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
