package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same diagram and seed give the same ticks — every byte but the wall-clock stamp — whatever the number of
 * workers and whatever the speed.
 */
@Timeout(120)
class DeterminismTest {
    /** Three independent groups of services, so that 1, 2 and 3 workers split them differently. */
    private static final String DIAGRAM = """
        name: three-systems
        tick: 10ms
        services:
          - name: a-front
            replicas: 2
            concurrency: 4
            latency: { distribution: lognormal, mean: 2ms, sd: 1ms }
            queue: 50
            failureRate: 0.01
            calls:
              - { to: a-db, probability: 0.6 }
              - { to: a-cache, probability: 0.3, delay: 50us }
          - name: a-db
            concurrency: 4
            latency: { distribution: exponential, mean: 3ms }
            queue: 20
          - name: a-cache
            latency: { distribution: constant, mean: 200us }
          - name: b-api
            latency: { distribution: exponential, mean: 1ms }
            calls: [ { to: b-api, probability: 0.1, delay: 0 } ]
          - name: c-batch
            replicas: 3
            latency: { distribution: constant, mean: 5ms }
            queue: 10
        load:
          - { target: a-front, rate: 2500/s }
          - { target: b-api, rate: 700/s }
          - { name: c-cron, target: c-batch, rate: 550/s, arrivals: constant }
          - { name: c-burst, target: c-batch, rate: 100/s }
        """;

    @Test
    void shouldProduceIdenticalTicksWithAnyNumberOfWorkers() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final List<byte[]> one = run(diagram, 1, Simulation.Context.SPEED_MAX, 2000);
        final List<byte[]> two = run(diagram, 2, Simulation.Context.SPEED_MAX, 2000);
        final List<byte[]> three = run(diagram, 3, Simulation.Context.SPEED_MAX, 2000);
        assertThat(one).hasSize(2000);
        assertSameTicks(one, two);
        assertSameTicks(one, three);

        long rejected = 0;
        long errors = 0;
        for (final byte[] tick : one) {
            final TickSummaryDecoder.ServicesDecoder s = decode(tick).services();
            while (s.hasNext()) {
                s.next();
                rejected += s.rejected();
                errors += s.errors();
                s.skipHistogram();
            }
        }
        // The diagram exercises rejection and failure, so the comparison covers those paths too.
        assertThat(rejected).isPositive();
        assertThat(errors).isPositive();
    }

    @Test
    void shouldProduceIdenticalTicksAtAnySpeed() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final List<byte[]> max = run(diagram, 2, Simulation.Context.SPEED_MAX, 100);
        final List<byte[]> paced = run(diagram, 2, 10.0, 100); // 1 simulated second in ~0.1 s
        assertSameTicks(max, paced);
    }

    @Test
    void shouldDifferWithAnotherSeed() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final List<byte[]> a = run(diagram, 1, Simulation.Context.SPEED_MAX, 50);
        final List<byte[]> b;
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(50).seed(99))) {
            final TickCollector c = new TickCollector();
            sim.addListener(c).start();
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            b = c.ticks;
        }
        zeroWallTime(a);
        zeroWallTime(b);
        assertThat(b.get(49)).isNotEqualTo(a.get(49));
    }

    private static List<byte[]> run(final Diagram diagram, final int workers, final double speed, final long ticks)
        throws InterruptedException {
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(speed).ticks(ticks).workers(workers).seed(4242))) {
            assertThat(sim.workers()).isEqualTo(Math.min(workers, 3));
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        return collector.ticks;
    }

    private static void assertSameTicks(final List<byte[]> expected, final List<byte[]> actual) {
        zeroWallTime(expected);
        zeroWallTime(actual);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("tick %d", i).isEqualTo(expected.get(i));
        }
    }

    private static void zeroWallTime(final List<byte[]> ticks) {
        for (final byte[] tick : ticks) {
            final UnsafeBuffer buffer = new UnsafeBuffer(tick);
            buffer.putLong(MessageHeaderDecoder.ENCODED_LENGTH + TickSummaryDecoder.wallTimeNsEncodingOffset(), 0);
        }
    }

    private static TickSummaryDecoder decode(final byte[] tick) {
        final UnsafeBuffer buffer = new UnsafeBuffer(tick);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        return new TickSummaryDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }
}
