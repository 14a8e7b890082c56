package io.tickwire.bench;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.sim.Kernels;
import io.tickwire.engine.sim.SampleSink;
import io.tickwire.sbe.Outcome;
import org.agrona.DirectBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The simulation kernel's speed, in simulated service visits per second (a visit is one request leaving one
 * service, or being rejected by it), on a 50-service diagram: ten independent five-service chains, each fed by its
 * own Poisson source, with lognormal and exponential latencies, bounded queues, failures and forward calls.
 * <ul>
 *   <li>{@code kernel}: one thread advancing every partition tick by tick into a sink that only counts — the
 *       discrete-event simulation alone.</li>
 *   <li>{@code pipeline}: the whole engine at speed max — workers encoding every visit as an SBE sample into the
 *       metrics ring, the aggregator closing ticks — with 1 and 2 workers; each op builds a simulation and runs
 *       {@value #PIPELINE_TICKS} ticks (~1.4 M visits), so set-up (rings, threads) is a small part of it.</li>
 * </ul>
 * The visits/s figure is the {@code visits} secondary result.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KernelBenchmark {
    static final long TICK_NS = 10_000_000L;
    static final int PIPELINE_TICKS = 2000;

    @Param({"1", "2"})
    public int workers;

    private Diagram diagram;
    private Kernels kernels;
    private long tick;
    private final CountingSink sink = new CountingSink();

    /** Counts visits per second next to JMH's ops. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Visits {
        public long visits;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        diagram = DiagramLoader.parse(fiftyServices());
        kernels = new Kernels(diagram, 42);
    }

    /** One tick of all 50 services on this thread (the {@code workers} parameter does not apply). */
    @Benchmark
    public long kernel(final Visits visits) {
        final long before = sink.visits;
        kernels.advanceTick(tick, sink);
        tick++;
        visits.visits += sink.visits - before;
        return sink.visits;
    }

    /** {@value #PIPELINE_TICKS} ticks of the whole engine at speed max with {@code workers} workers. */
    @Benchmark
    @Measurement(iterations = 5, time = 5)
    public long pipeline(final Visits visits) throws InterruptedException {
        final long[] closed = new long[1];
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(PIPELINE_TICKS).workers(workers).seed(42))) {
            sim.addListener(new TickListener() {
                @Override
                public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
                }

                @Override
                public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                                   final boolean endOfBatch) {
                    closed[0]++;
                }

                @Override
                public void onEnd(final long lastTick, final EndReason reason) {
                }
            });
            sim.start();
            if (!sim.awaitTermination(60, TimeUnit.SECONDS) || closed[0] != PIPELINE_TICKS) {
                throw new IllegalStateException("the run did not complete: " + closed[0] + " ticks");
            }
            visits.visits += sim.visits();
        }
        return closed[0];
    }

    static String fiftyServices() {
        final StringBuilder yaml = new StringBuilder("name: fifty\ntick: 10ms\nservices:\n");
        for (int c = 0; c < 10; c++) {
            for (int i = 0; i < 5; i++) {
                yaml.append("  - name: c").append(c).append("-s").append(i).append('\n')
                    .append("    replicas: ").append(2 + i % 3).append('\n')
                    .append("    concurrency: 8\n")
                    .append(i % 2 == 0 ?
                        "    latency: { distribution: lognormal, mean: 2ms, sd: 1ms }\n" :
                        "    latency: { distribution: exponential, mean: 1ms }\n")
                    .append("    queue: 500\n")
                    .append("    failureRate: 0.001\n");
                if (i < 4) {
                    yaml.append("    calls: [ { to: c").append(c).append("-s").append(i + 1)
                        .append(", probability: 0.8 } ]\n");
                }
            }
        }
        yaml.append("load:\n");
        for (int c = 0; c < 10; c++) {
            yaml.append("  - { target: c").append(c).append("-s0, rate: 2000/s }\n");
        }
        return yaml.toString();
    }

    /** Counts and discards: the kernel's own cost, without the ring. */
    static final class CountingSink implements SampleSink {
        long visits;

        @Override
        public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                           final Outcome outcome) {
            visits++;
        }

        @Override
        public void endToEnd(final int sourceId, final long tick, final long simTimeNs, final long latencyNs,
                             final Outcome outcome) {
        }

        @Override
        public void gauge(final int serviceId, final long tick, final long arrivals, final int queueDepth,
                          final int busyServers, final int servers, final long busyTimeNs, final long queueTimeNs,
                          final int retries) {
        }
    }
}
