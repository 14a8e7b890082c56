package io.tickwire.engine;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * The closed-form cases again, through the whole engine (workers, metrics ring, aggregator, tick summaries) with
 * one and with two workers. Single-service cases run as two independent copies — two partitions — so that two
 * workers really split the work; networks (tandem, Jackson feedback, a sync call) run as ONE connected system that
 * the partitioner cuts at its delayed calls, with messages crossing workers in conservative windows. Every case must
 * match theory, and the ticks must be byte-identical (but for the wall-clock stamp) whatever the number of workers.
 */
@Tag("slow")
@Timeout(300)
class WorkersValidationTest {
    private static final long TICK_NS = 50_000_000L;

    @ParameterizedTest(name = "workers {0}")
    @ValueSource(ints = {1, 2})
    void shouldMatchTheoryWithOneOrTwoWorkers(final int workers) throws Exception {
        // M/M/1, lambda = 0.8/ms, mu = 1/ms: W = 5 ms.
        final Run mm1 = run("""
            name: mm1
            seed: 31
            services:
              - name: s
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 800/s }
            """, workers, 20_000);
        for (final int copy : new int[] {0, 1}) {
            assertThat(mm1.meanMs(copy)).isCloseTo(5.0, withPercentage(2));
        }

        // M/M/1/K, K = 5: P(block) = 0.08882.
        final Run mm1k = run("""
            name: mm1k
            seed: 32
            services:
              - name: s
                queue: 4
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 800/s }
            """, workers, 10_000);
        for (final int copy : new int[] {0, 1}) {
            assertThat(mm1k.rejected[copy] / (double)(mm1k.rejected[copy] + mm1k.completed[copy]))
                .isCloseTo(0.08882, offset(0.01));
        }

        // Tandem M/M/1 -> M/M/1, lambda = 1, mu1 = 2, mu2 = 3 (per ms), a 0.5 ms hop: end to end W = 1.5 + 0.5 ms.
        // One connected system, cut at its only call: n1 and n2 run on different workers when there are two.
        final Run tandem = runConnected("""
            name: tandem
            seed: 33
            services:
              - name: n1
                latency: { distribution: exponential, mean: 0.5ms }
                calls: [ { to: n2, delay: 500us } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.333333ms }
            load:
              - { target: n1, rate: 1000/s }
            """, workers, 10_000);
        assertThat(tandem.partitions).isEqualTo(2);
        assertThat(tandem.endToEndMeanMs(0)).isCloseTo(2.0, withPercentage(2));
        assertThat(tandem.meanMs(0)).isCloseTo(1.0, withPercentage(2));
        assertThat(tandem.meanMs(1)).isCloseTo(0.5, withPercentage(2));

        // Jackson feedback: lambda = 1 at n1 (mu1 = 2), n1 -> n2 (mu2 = 3), n2 -> n1 with p = 0.2, 0.5 ms hops each
        // way. W = 2.3810 ms of queueing and service, plus 1.25 + 0.25 = 1.5 hops of 0.5 ms: 3.1310 ms.
        final Run jackson = runConnected("""
            name: jackson
            seed: 36
            services:
              - name: n1
                latency: { distribution: exponential, mean: 0.5ms }
                calls: [ { to: n2, delay: 500us } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.333333ms }
                calls: [ { to: n1, probability: 0.2, delay: 500us } ]
            load:
              - { target: n1, rate: 1000/s }
            """, workers, 10_000);
        assertThat(jackson.partitions).isEqualTo(2);
        assertThat(jackson.endToEndMeanMs(0)).isCloseTo(2.3810 + 0.75, withPercentage(2.5));
        assertThat(jackson.meanMs(0)).isCloseTo(1.0 / 0.75, withPercentage(2.5));
        assertThat(jackson.meanMs(1)).isCloseTo(1.0 / 1.75, withPercentage(2.5));

        // A sync call across workers: the callee never queues, so the caller is an M/G/1 with service time
        // S_caller + 2 delay + S_callee = exp 0.3 + 1 + exp 0.3 ms: E[S] = 1.6, E[S^2] = 0.18 + 2.56 = 2.74 ms^2;
        // lambda = 0.4/ms, rho = 0.64: W = 1.6 + 0.4 x 2.74 / (2 x 0.36) = 3.1222 ms (Pollaczek-Khinchine).
        final Run sync = runConnected("""
            name: sync
            seed: 37
            services:
              - name: caller
                latency: { distribution: exponential, mean: 0.3ms }
                calls: [ { to: callee, mode: sync, delay: 500us } ]
              - name: callee
                replicas: 1000
                latency: { distribution: exponential, mean: 0.3ms }
            load:
              - { target: caller, rate: 400/s }
            """, workers, 20_000);
        assertThat(sync.partitions).isEqualTo(2);
        assertThat(sync.meanMs(0)).isCloseTo(1.6 + 0.4 * 2.74 / (2 * 0.36), withPercentage(2));

        // Closed loop, 2 users, no think time, D1 = 1 ms, D2 = 0.5 ms: X = 0.8571/ms (MVA).
        final Run closed = run("""
            name: closed
            seed: 34
            services:
              - name: n1
                latency: { distribution: exponential, mean: 1ms }
                calls: [ { to: n2, delay: 0 } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.5ms }
            load:
              - { name: users, target: n1, users: 2 }
            """, workers, 10_000);
        for (final int copy : new int[] {0, 1}) {
            assertThat(closed.entryCompleted[copy] / (10_000 * TICK_NS / 1e9)).isCloseTo(857.14, withPercentage(1.5));
        }
    }

    @ParameterizedTest(name = "workers {0}")
    @ValueSource(ints = {1, 2})
    void shouldMatchFanOutRetryAndTimeoutTheoryAcrossWorkers(final int workers) throws Exception {
        // Callees never queue (1000 servers); every call is a 0.5 ms hop each way, cut into its own partition.
        // Parallel fan-out to exponential a (1 ms) and b (2 ms): S = 0.1 + 2 x 0.5 + E[max] = 1.1 + 1 + 2 - 1/1.5 ms.
        final Run fanout = runConnected("""
            name: fanout
            seed: 40
            services:
              - name: caller
                replicas: 1000
                fanout: parallel
                latency: { distribution: constant, mean: 0.1ms }
                calls:
                  - { to: a, mode: sync, delay: 500us }
                  - { to: b, mode: sync, delay: 500us }
              - name: a
                replicas: 1000
                latency: { distribution: exponential, mean: 1ms }
              - name: b
                replicas: 1000
                latency: { distribution: exponential, mean: 2ms }
            load:
              - { target: caller, rate: 1000/s }
            """, workers, 4_000);
        assertThat(fanout.partitions).isEqualTo(3);
        assertThat(fanout.meanMs(0)).isCloseTo(1.1 + 1 + 2 - 1 / 1.5, withPercentage(2));

        // Callee failure p = 0.3 with 2 retries: the caller fails with p^3; the callee sees (1 - p^3) / (1 - p) calls
        // per request, of which p + p^2 are retries.
        final Run retries = runConnected("""
            name: retries
            seed: 41
            services:
              - name: caller
                replicas: 1000
                latency: { distribution: constant, mean: 0.1ms }
                calls: [ { to: callee, mode: sync, delay: 500us, retry: { attempts: 2, backoff: 1ms } } ]
              - name: callee
                replicas: 1000
                failureRate: 0.3
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: caller, rate: 1000/s }
            """, workers, 4_000);
        final double p = 0.3;
        assertThat(retries.errors[0] / (double)retries.completed[0]).isCloseTo(p * p * p, offset(0.003));
        assertThat(retries.retries[0] / (double)retries.completed[0]).isCloseTo(p + p * p, withPercentage(1.5));
        assertThat(retries.arrivals[1] / (double)retries.arrivals[0])
            .isCloseTo((1 - p * p * p) / (1 - p), withPercentage(1));

        // Timeout T = 2 ms, round trip 1 ms, exponential callee (1 ms): P(timeout) = P(S > T - 2 delay) = e^-1.
        final Run timeouts = runConnected("""
            name: timeouts
            seed: 42
            services:
              - name: caller
                replicas: 1000
                latency: { distribution: constant, mean: 0.1ms }
                calls: [ { to: callee, mode: sync, delay: 500us, timeout: 2ms } ]
              - name: callee
                replicas: 1000
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: caller, rate: 1000/s }
            """, workers, 4_000);
        assertThat(timeouts.timeouts[0] / (double)timeouts.completed[0]).isCloseTo(Math.exp(-1), offset(0.005));
        assertThat(timeouts.entryTimeouts[0]).isEqualTo(timeouts.timeouts[0]);
    }

    @ParameterizedTest(name = "workers {0}")
    @ValueSource(ints = {2})
    void shouldGiveTheSameTicksWithTwoWorkersAsWithOne(final int workers) throws Exception {
        final String yaml = """
            name: mm1
            seed: 35
            services:
              - name: s
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 800/s }
            """;
        final Run one = run(yaml, 1, 2_000);
        final Run many = run(yaml, workers, 2_000);
        assertThat(many.ticks).hasSameSizeAs(one.ticks);
        for (int i = 0; i < one.ticks.size(); i++) {
            assertThat(many.ticks.get(i)).as("tick %d", i).isEqualTo(one.ticks.get(i));
        }
        // The copies are independent streams, not the same numbers twice.
        assertThat(one.completed[0]).isNotEqualTo(one.completed[1]);
    }

    @ParameterizedTest(name = "workers {0}")
    @ValueSource(ints = {2})
    void shouldGiveTheSameTicksForOneSystemSplitOverWorkers(final int workers) throws Exception {
        // Forward and sync calls, timeouts and retries all crossing partitions, at equal and different delays.
        final String yaml = """
            name: split
            seed: 38
            tick: 10ms
            services:
              - name: front
                replicas: 2
                latency: { distribution: exponential, mean: 0.2ms }
                calls:
                  - { to: auth, mode: sync, delay: 100us, timeout: 2ms, retry: { attempts: 2, backoff: 1ms } }
                  - { to: back, probability: 0.5, delay: 200us }
              - name: auth
                replicas: 2
                failureRate: 0.05
                latency: { distribution: exponential, mean: 0.4ms }
              - name: back
                replicas: 2
                latency: { distribution: lognormal, mean: 0.5ms, sd: 0.5ms }
                calls: [ { to: front, probability: 0.1, delay: 100us } ]
            load:
              - { target: front, rate: 2000/s }
            """;
        final Run one = runConnected(yaml, 1, 3_000);
        final Run many = runConnected(yaml, workers, 3_000);
        assertThat(one.partitions).isEqualTo(3);
        assertThat(many.ticks).hasSameSizeAs(one.ticks);
        for (int i = 0; i < one.ticks.size(); i++) {
            assertThat(many.ticks.get(i)).as("tick %d", i).isEqualTo(one.ticks.get(i));
        }
        assertThat(one.timeouts[0]).isPositive();
        assertThat(one.retries[0]).isPositive();
    }

    @ParameterizedTest(name = "workers {0}")
    @ValueSource(ints = {1, 2})
    void shouldAccrueDatabaseStorageAndItsCostExactly(final int workers) throws Exception {
        // storage(t) = size + writeBytes x successful queries so far + growth x t, at every tick end; its cost is
        // the integral of storage over time at perGBMonth per GiB per 30 days, each tick's writes counted from the
        // tick's end, plus the database's replica-hours; summed over the run it is exact to the billionth.
        final long tickLengthNs = 10_000_000L;
        final Run run = runConnected("""
            name: storage
            seed: 39
            tick: 10ms
            services:
              - name: api
                replicas: 4
                latency: { distribution: exponential, mean: 0.5ms }
                database:
                  latency: { distribution: exponential, mean: 0.5ms }
                  queries: 2
                  connections: 4
                  failureRate: 0.1
                  size: 1GB
                  writeBytes: 1KB
                  growth: 10GB/day
                  delay: 200us
                  cost: { perGBMonth: 0.10, perReplicaHour: 0.5 }
                calls: [ { to: mail, mode: sync, delay: 300us } ]
              - name: mail
                latency: { distribution: exponential, mean: 0.2ms }
            load:
              - { target: api, rate: 1000/s }
            """, workers, 5_000);
        assertThat(run.partitions).isEqualTo(3);
        final int db = 2;
        final double gib = 1L << 30;
        final double growthPerNs = 10 * gib / 86_400e9;
        final double pricePerByteNs = 0.10 * 1e9 / gib / (30 * 86_400e9);
        long okQueries = 0;
        double byteNs = 0; // the writes' storage time so far, tick by tick
        long costSum = 0;
        for (int t = 0; t < run.ticks.size(); t++) {
            final TickSummaryDecoder.ServicesDecoder row = row(run.ticks.get(t), db);
            final long endNs = (t + 1) * tickLengthNs;
            byteNs += okQueries * 1024.0 * tickLengthNs;
            okQueries += row.completed() - row.errors();
            assertThat(row.storageBytes()).as("tick %d", t)
                .isEqualTo((1L << 30) + 1024 * okQueries + Math.round(growthPerNs * endNs));
            costSum += row.costNanos();
        }
        final double endNs = run.ticks.size() * (double)tickLengthNs;
        final double storageByteNs = gib * endNs + growthPerNs * endNs * endNs / 2 + byteNs;
        final double replicaNanos = 0.5 * 1e9 * endNs / 3.6e12;
        assertThat(costSum).isEqualTo(Math.round(storageByteNs * pricePerByteNs + replicaNanos));
        // Queries run one after another and stop at the first failure: 0.9 + 0.9^2 successful per request.
        assertThat(okQueries).isCloseTo(Math.round(1000 * 50 * (0.9 + 0.81)), withPercentage(2));
    }

    private static TickSummaryDecoder.ServicesDecoder row(final byte[] tick, final int serviceId) {
        final UnsafeBuffer buffer = new UnsafeBuffer(tick);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        final TickSummaryDecoder decoder = new TickSummaryDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
        for (final TickSummaryDecoder.ServicesDecoder s : decoder.services()) {
            if (s.serviceId() == serviceId) {
                return s;
            }
            s.skipHistogram();
        }
        throw new AssertionError("no service " + serviceId);
    }

    /** Two copies of {@code yaml}'s system side by side: services and loads of copy 1 follow those of copy 0. */
    private static Diagram twoCopies(final String yaml) throws Exception {
        final Diagram d = DiagramLoader.parse(yaml);
        final int n = d.services().size();
        final List<ServiceSpec> services = new ArrayList<>();
        final List<LoadSpec> load = new ArrayList<>();
        for (int copy = 0; copy < 2; copy++) {
            for (final ServiceSpec s : d.services()) {
                final List<CallSpec> calls = new ArrayList<>();
                for (final CallSpec c : s.calls()) {
                    calls.add(new CallSpec(c.target() + copy * n, c.to() + "-" + copy, c.probability(), c.delayNs(),
                        c.mode(), c.timeoutNs(), c.retry()));
                }
                services.add(new ServiceSpec(s.id() + copy * n, s.name() + "-" + copy, s.replicas(), s.concurrency(),
                    s.latency(), s.queueCapacity(), s.failureRate(), calls, s.cost(), s.fanout(), s.databaseCalls(),
                    s.storage()));
            }
            for (final LoadSpec l : d.load()) {
                load.add(new LoadSpec(l.name() + "-" + copy, l.target() + copy * n, l.targetName() + "-" + copy,
                    l.ratePerSec(), l.arrivals(), l.users(), l.thinkNs()));
            }
        }
        return new Diagram(d.name(), d.tickLengthNs(), d.seed(), services, load, yaml, d.partitions());
    }

    private static Run run(final String yaml, final int workers, final long ticks) throws Exception {
        final Diagram diagram = twoCopies(yaml);
        return run(diagram, workers, ticks, diagram.services().size() / 2);
    }

    /** {@code yaml}'s system as it is: one connected system, per service figures indexed by service id. */
    private static Run runConnected(final String yaml, final int workers, final long ticks) throws Exception {
        return run(DiagramLoader.parse(yaml), workers, ticks, 1);
    }

    private static Run run(final Diagram diagram, final int workers, final long ticks, final int servicesPerCopy)
        throws Exception {
        final TickCollector collector = new TickCollector();
        final int partitions;
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).workers(workers))) {
            assertThat(sim.workers()).isEqualTo(workers);
            partitions = sim.partitions();
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(200, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);
        final Run run = new Run(collector.ticks, servicesPerCopy);
        run.partitions = partitions;
        return run;
    }

    /**
     * Per copy: the first service's counts and the first entry point's end-to-end figures, over the run; for one
     * connected system ({@code servicesPerCopy} 1), per service and per entry point.
     */
    private static final class Run {
        final List<byte[]> ticks;
        final long[] completed = new long[8];
        final long[] rejected = new long[8];
        final long[] errors = new long[8];
        final long[] arrivals = new long[8];
        final long[] timeouts = new long[8];
        final long[] entryTimeouts = new long[8];
        final long[] retries = new long[8];
        final long[] latencySum = new long[8];
        final long[] entryCompleted = new long[8];
        final long[] entryLatencySum = new long[8];
        int partitions;

        Run(final List<byte[]> ticks, final int servicesPerCopy) {
            this.ticks = ticks;
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final TickSummaryDecoder tick = new TickSummaryDecoder();
            for (final byte[] bytes : ticks) {
                final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
                header.wrap(buffer, 0);
                // Zero the wall-clock stamp: the only field allowed to differ between runs.
                buffer.putLong(MessageHeaderDecoder.ENCODED_LENGTH + TickSummaryDecoder.wallTimeNsEncodingOffset(), 0);
                tick.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                for (final TickSummaryDecoder.ServicesDecoder s : tick.services()) {
                    if (s.serviceId() % servicesPerCopy == 0) {
                        final int copy = s.serviceId() / servicesPerCopy;
                        completed[copy] += s.completed();
                        rejected[copy] += s.rejected();
                        errors[copy] += s.errors();
                        arrivals[copy] += s.arrivals();
                        timeouts[copy] += s.timeouts();
                        retries[copy] += s.retries();
                        latencySum[copy] += s.latencySumNs();
                    }
                    s.skipHistogram();
                }
                for (final TickSummaryDecoder.EntriesDecoder e : tick.entries()) {
                    entryCompleted[e.sourceId()] += e.completed();
                    entryLatencySum[e.sourceId()] += e.latencySumNs();
                    entryTimeouts[e.sourceId()] += e.timeouts();
                    e.skipHistogram();
                }
            }
        }

        double meanMs(final int copy) {
            return latencySum[copy] / (double)completed[copy] / 1e6;
        }

        double endToEndMeanMs(final int copy) {
            return entryLatencySum[copy] / (double)entryCompleted[copy] / 1e6;
        }
    }
}
