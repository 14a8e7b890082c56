package io.tickwire.engine;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;
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
 * one and with two workers. Each diagram runs as two independent copies — two partitions — so that two workers
 * really split the work: both copies must match theory, and the ticks must be byte-identical (but for the
 * wall-clock stamp) whatever the number of workers.
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

        // Tandem M/M/1 -> M/M/1, lambda = 1, mu1 = 2, mu2 = 3 (per ms): end to end W = 1.5 ms.
        final Run tandem = run("""
            name: tandem
            seed: 33
            services:
              - name: n1
                latency: { distribution: exponential, mean: 0.5ms }
                calls: [ { to: n2, delay: 0 } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.333333ms }
            load:
              - { target: n1, rate: 1000/s }
            """, workers, 10_000);
        for (final int copy : new int[] {0, 1}) {
            assertThat(tandem.endToEndMeanMs(copy)).isCloseTo(1.5, withPercentage(2));
        }

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
                    calls.add(new CallSpec(c.target() + copy * n, c.to() + "-" + copy, c.probability(), c.delayNs()));
                }
                services.add(new ServiceSpec(s.id() + copy * n, s.name() + "-" + copy, s.replicas(), s.concurrency(),
                    s.latency(), s.queueCapacity(), s.failureRate(), calls, s.cost()));
            }
            for (final LoadSpec l : d.load()) {
                load.add(new LoadSpec(l.name() + "-" + copy, l.target() + copy * n, l.targetName() + "-" + copy,
                    l.ratePerSec(), l.arrivals(), l.users(), l.thinkNs()));
            }
        }
        return new Diagram(d.name(), d.tickNs(), d.seed(), services, load, yaml);
    }

    private static Run run(final String yaml, final int workers, final long ticks) throws Exception {
        final Diagram diagram = twoCopies(yaml);
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).workers(workers))) {
            assertThat(sim.workers()).isEqualTo(workers);
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(200, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);
        return new Run(collector.ticks, diagram.services().size() / 2);
    }

    /** Per copy: the first service's counts and the first entry point's end-to-end figures, over the run. */
    private static final class Run {
        final List<byte[]> ticks;
        final long[] completed = new long[2];
        final long[] rejected = new long[2];
        final long[] latencySum = new long[2];
        final long[] entryCompleted = new long[2];
        final long[] entryLatencySum = new long[2];

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
                        latencySum[copy] += s.latencySumNs();
                    }
                    s.skipHistogram();
                }
                for (final TickSummaryDecoder.EntriesDecoder e : tick.entries()) {
                    entryCompleted[e.sourceId()] += e.completed();
                    entryLatencySum[e.sourceId()] += e.latencySumNs();
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
