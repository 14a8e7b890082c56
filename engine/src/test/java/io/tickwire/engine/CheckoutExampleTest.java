package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.sim.Kernels;
import io.tickwire.engine.sim.SampleSink;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.Outcome;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * The checkout example (what {@code tickwire demo} runs): its hand-worked header is what a simulation of it gives,
 * it spreads over several workers, and the ticks are identical — every byte but the wall-clock stamp — with 1, 2
 * and 4 workers and at speed max or 10.
 */
@Timeout(300)
class CheckoutExampleTest {
    private static final Path CHECKOUT = Path.of("..", "examples", "checkout.yaml");
    private static final String[] NAMES = {"gateway", "auth", "catalog", "orders", "payments", "inventory",
        "catalog.db", "orders.db"};
    /** The arrival rates and utilisations written in the example's header comment. */
    private static final double[] HEADER_LAMBDA = {400.0, 403.6, 279.7, 99.9, 60.7, 99.2, 279.1, 198.8};
    private static final double[] HEADER_RHO = {0.19, 0.25, 0.23, 0.33, 0.57, 0.10, 0.14, 0.15};

    @Test
    void shouldMatchTheHandWorkedHeader() throws Exception {
        final Diagram d = DiagramLoader.load(CHECKOUT);
        assertThat(d.services()).extracting(s -> s.name()).containsExactly(NAMES);
        final Kernels kernels = new Kernels(d, d.seed());
        final int n = d.services().size();
        final long[] arrivals = new long[n];
        final long[] busyNs = new long[n];
        final int[] servers = new int[n];
        final int ticks = 6_000; // 300 s
        final SampleSink sink = new SampleSink() {
            @Override
            public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                               final Outcome outcome) {
            }

            @Override
            public void endToEnd(final int sourceId, final long tick, final long simTimeNs, final long latencyNs,
                                 final Outcome outcome) {
            }

            @Override
            public void gauge(final int serviceId, final long tick, final long arrivals0, final int queueDepth,
                              final int busyServers, final int servers0, final long busyTimeNs,
                              final long queueTimeNs, final int retries) {
                arrivals[serviceId] += arrivals0;
                busyNs[serviceId] += busyTimeNs;
                servers[serviceId] = servers0;
            }
        };
        for (int t = 0; t < ticks; t++) {
            kernels.advanceTick(t, sink);
        }
        final double seconds = ticks * d.tickLengthNs() / 1e9;
        for (int s = 0; s < n; s++) {
            final double rho = busyNs[s] / (double)servers[s] / (ticks * d.tickLengthNs());
            assertThat(arrivals[s] / seconds).as("lambda of %s", NAMES[s]).isCloseTo(HEADER_LAMBDA[s], withPercentage(3));
            assertThat(rho).as("rho of %s", NAMES[s]).isCloseTo(HEADER_RHO[s], offset(0.015)).isLessThan(0.7);
        }
    }

    @Test
    void shouldSpreadOverWorkersAndGiveIdenticalTicksWithAnyNumberAndAtAnySpeed() throws Exception {
        final Diagram d = DiagramLoader.load(CHECKOUT);
        final List<byte[]> one = run(d, 1, Simulation.Context.SPEED_MAX, 400);
        final List<byte[]> two = run(d, 2, Simulation.Context.SPEED_MAX, 400);
        final List<byte[]> four = run(d, 4, Simulation.Context.SPEED_MAX, 400);
        final List<byte[]> paced = run(d, 4, 10.0, 400); // 20 simulated seconds in ~2 s
        assertSameTicks(one, two);
        assertSameTicks(one, four);
        assertSameTicks(one, paced);

        long completed = 0;
        long retries = 0;
        long storage = 0;
        for (final byte[] tick : one) {
            final TickSummaryDecoder.ServicesDecoder s = decode(tick).services();
            while (s.hasNext()) {
                s.next();
                completed += s.completed();
                retries += s.retries();
                storage += s.storageBytes();
                s.skipHistogram();
            }
        }
        // The comparison covers sync calls, retries and databases, not an idle system.
        assertThat(completed).isGreaterThan(20_000);
        assertThat(retries).isPositive();
        assertThat(storage).isPositive();
    }

    private static List<byte[]> run(final Diagram diagram, final int workers, final double speed, final long ticks)
        throws InterruptedException {
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(speed).ticks(ticks).workers(workers))) {
            // Partitions are the diagram's alone; with 4 workers requested the 4 partitions get one each.
            assertThat(sim.partitions()).isEqualTo(4);
            assertThat(sim.workers()).isEqualTo(workers);
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);
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
            new UnsafeBuffer(tick).putLong(
                MessageHeaderDecoder.ENCODED_LENGTH + TickSummaryDecoder.wallTimeNsEncodingOffset(), 0);
        }
    }

    private static TickSummaryDecoder decode(final byte[] tick) {
        final UnsafeBuffer buffer = new UnsafeBuffer(tick);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        return new TickSummaryDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }
}
