package io.tickwire.bench;

import io.tickwire.codec.EventMessages;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.sim.Kernels;
import io.tickwire.engine.sim.SampleSink;
import io.tickwire.sbe.Outcome;
import io.tickwire.sbe.ScaleDecisionDecoder;
import io.tickwire.transport.RunLauncher;
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

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The simulation kernel's speed, in simulated service visits per second (a visit is one request leaving one
 * service, or being rejected by it), on a 50-service diagram that is ONE connected system: ten chains of five
 * services (zero-delay forward calls inside a chain, so a chain is never cut), each fed by its own Poisson source,
 * and joined into a ring by a forward call from each chain's last service to the next chain's second, with a 500 us
 * hop — lognormal and exponential latencies, bounded queues, failures. With {@code partitions: 2} the partitioner
 * cuts it into two halves of five chains at two of the ring's calls, so two workers share it, in 500 us windows
 * (20 per 10 ms tick).
 * <ul>
 *   <li>{@code kernel}: one thread advancing every partition tick by tick, window by window, into a sink that only
 *       counts — the discrete-event simulation alone; {@code partitions} 1 (one window a tick) or 2 (20 windows a
 *       tick and the messages between the halves), which prices the windows and mailboxes on one thread; and
 *       {@code model} {@code static} (one shared queue per service, as before replicas were entities) or
 *       {@code replicas} (per-replica balancers, crashes, health checks and replacements: see
 *       {@link #withReplicaModel}).</li>
 *   <li>{@code pipeline}: the whole engine at speed max — workers encoding every visit as an SBE sample into the
 *       metrics ring, the aggregator closing ticks — with 1 and 2 workers; each op builds a simulation and runs
 *       {@value #PIPELINE_TICKS} ticks, so set-up (rings, threads) is a small part of it.</li>
 *   <li>{@code windows}: the cost of a window with almost nothing to simulate (two services, a 10 us hop between
 *       them, 1 request/s: 1,000 windows per 10 ms tick), whole engine, 1 worker (no barrier) or 2 (a barrier per
 *       window); the {@code windows} counter is windows per second, so 1 / that is the cost of one window, and the
 *       difference between 2 and 1 workers is the barrier's.</li>
 * </ul>
 * The visits/s figure is the {@code visits} secondary result.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KernelBenchmark {
    static final int PIPELINE_TICKS = 2000;
    static final int WINDOW_TICKS = 200;

    /** Counts visits per second next to JMH's ops. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Visits {
        public long visits;
    }

    /** Counts windows of conservative synchronisation per second next to JMH's ops. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Windows {
        public long windows;
    }

    @State(Scope.Thread)
    public static class KernelState {
        @Param({"1", "2"})
        public int partitions;

        /** {@code static}: today's shared queue per service; {@code replicas}: see {@link #withReplicaModel}. */
        @Param({"static", "replicas"})
        public String model;

        Kernels kernels;
        long tick;
        final CountingSink sink = new CountingSink();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            final String yaml = fiftyServices(partitions);
            final Diagram diagram = DiagramLoader.parse(model.equals("static") ? yaml : withReplicaModel(yaml));
            kernels = new Kernels(diagram, 42);
            if (kernels.count() != partitions) {
                throw new IllegalStateException("expected " + partitions + " partitions, got " + kernels.count());
            }
        }
    }

    @State(Scope.Thread)
    public static class PipelineState {
        @Param({"1", "2"})
        public int workers;

        /**
         * {@code static}: the 50 services as they are; {@code operated}: the replica model of {@link #withReplicaModel}
         * and an HPA on every service ({@link #withAutoscaling}), the autoscalers deciding on the orchestrator's
         * thread and their actions applied by the kernels.
         */
        @Param({"static", "operated"})
        public String model;

        Diagram diagram;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            final String yaml = fiftyServices(2);
            diagram = DiagramLoader.parse(model.equals("static") ? yaml : withAutoscaling(withReplicaModel(yaml)));
        }
    }

    /** Counts the autoscalers' decisions next to JMH's ops: proof that the operated model scaled. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Decisions {
        public long scaleDecisions;
    }

    @State(Scope.Thread)
    public static class WindowState {
        @Param({"1", "2"})
        public int workers;

        Diagram diagram;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            diagram = DiagramLoader.parse("""
                name: windows
                tick: 10ms
                services:
                  - name: a
                    latency: { distribution: exponential, mean: 1ms }
                    calls: [ { to: b, delay: 10us } ]
                  - name: b
                    latency: { distribution: exponential, mean: 1ms }
                load:
                  - { target: a, rate: 1/s }
                """);
        }
    }

    /** One tick of all 50 services on this thread. */
    @Benchmark
    public long kernel(final KernelState state, final Visits visits) {
        final long before = state.sink.visits;
        state.kernels.advanceTick(state.tick++, state.sink);
        visits.visits += state.sink.visits - before;
        return state.sink.visits;
    }

    /** {@value #PIPELINE_TICKS} ticks of the whole engine at speed max with {@code workers} workers. */
    @Benchmark
    @Measurement(iterations = 5, time = 5)
    public long pipeline(final PipelineState state, final Visits visits, final Decisions decisions)
        throws InterruptedException, IOException {
        try (RunLauncher.Run run = run(state.diagram, state.workers, PIPELINE_TICKS, decisions)) {
            visits.visits += run.simulation().visits();
            return run.simulation().ticksClosed();
        }
    }

    /** {@value #WINDOW_TICKS} ticks of 1,000 nearly empty windows each, with {@code workers} workers. */
    @Benchmark
    public long windows(final WindowState state, final Windows windows) throws InterruptedException, IOException {
        try (RunLauncher.Run run = run(state.diagram, state.workers, WINDOW_TICKS, null)) {
            windows.windows += (long)WINDOW_TICKS * run.simulation().windowsPerTick();
            return run.simulation().ticksClosed();
        }
    }

    /** A run of {@code ticks} at speed max, launched as every run is, with one listener that counts ticks. */
    private static RunLauncher.Run run(final Diagram diagram, final int workers, final int ticks,
                                       final Decisions decisions) throws InterruptedException, IOException {
        final long[] closed = new long[1];
        final RunLauncher launcher = new RunLauncher(new RunLauncher.Context().feed(false).listener(sim ->
            new TickListener() {
                @Override
                public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
                }

                @Override
                public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                                   final boolean endOfBatch) {
                    closed[0]++;
                }

                @Override
                public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
                    if (decisions != null && EventMessages.templateId(buffer, offset)
                        == ScaleDecisionDecoder.TEMPLATE_ID) {
                        decisions.scaleDecisions++;
                    }
                }

                @Override
                public void onEnd(final long lastTick, final EndReason reason) {
                }
            }));
        final RunLauncher.Run run = launcher.launch(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).workers(workers).seed(42), 1, null);
        if (run.simulation().workers() != workers) {
            run.close();
            throw new IllegalStateException("expected " + workers + " workers, got " + run.simulation().workers());
        }
        if (!run.awaitTermination(120, TimeUnit.SECONDS) || closed[0] != ticks) {
            run.close();
            throw new IllegalStateException("the run did not complete: " + closed[0] + " ticks");
        }
        run.close();
        return run;
    }

    /** The 50-service connected system, aiming at {@code partitions} partitions. */
    static String fiftyServices(final int partitions) {
        final StringBuilder yaml = new StringBuilder("name: fifty\ntick: 10ms\npartitions: " + partitions
            + "\nservices:\n");
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
                        .append(", probability: 0.8, delay: 0 } ]\n");
                } else {
                    yaml.append("    calls: [ { to: c").append((c + 1) % 10).append("-s1")
                        .append(", probability: 0.1, delay: 500us } ]\n");
                }
            }
        }
        yaml.append("load:\n");
        for (int c = 0; c < 10; c++) {
            yaml.append("  - { target: c").append(c).append("-s0, rate: 2000/s }\n");
        }
        return yaml.toString();
    }

    /**
     * The same system with replicas as entities in use: a per-replica load balancer on every service (power-of-two,
     * least-connections and round-robin in turn), a failure model (exponential, MTBF 10 min: with ~150 replicas, a
     * crash every ~4 simulated seconds, each failing what its replica holds), health checks (5 s, 1 s, 3) that detect
     * it, and a replacement that starts in 20 s.
     */
    static String withReplicaModel(final String yaml) {
        final String[] balancers = {"power-of-two", "least-connections", "round-robin"};
        final StringBuilder out = new StringBuilder();
        int service = 0;
        for (final String line : yaml.split("\n")) {
            out.append(line).append('\n');
            if (line.startsWith("    concurrency: ")) {
                out.append("    balancer: ").append(balancers[service++ % balancers.length]).append('\n')
                    .append("    failures: { mtbf: 10min }\n")
                    .append("    health: { interval: 5s, timeout: 1s, unhealthyThreshold: 3 }\n")
                    .append("    startup: 20s\n");
            }
        }
        return out.toString();
    }

    /**
     * An HPA on every service: utilisation target 40 % of the ready replicas' servers, between 1 and 8 replicas,
     * deciding every simulated second, scaling down without a stabilisation window — so that in the benchmark's 20
     * simulated seconds the replica counts move both ways.
     */
    static String withAutoscaling(final String yaml) {
        final StringBuilder out = new StringBuilder(yaml).append("autoscale:\n");
        for (final String line : yaml.split("\n")) {
            if (line.startsWith("  - name: ")) {
                out.append("  - {service: ").append(line.substring("  - name: ".length()).trim())
                    .append(", minReplicas: 1, maxReplicas: 8, syncPeriod: 1s,")
                    .append(" metrics: [{metric: utilization, averageUtilization: 40}],")
                    .append(" behavior: {scaleDown: {stabilizationWindowSeconds: 0}}}\n");
            }
        }
        return out.toString();
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
