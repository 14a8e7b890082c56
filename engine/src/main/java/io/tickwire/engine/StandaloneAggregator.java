package io.tickwire.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.engine.diagram.DatabaseSpec;
import io.tickwire.engine.ring.MetricSlot;
import io.tickwire.engine.ring.OutputSlot;
import org.agrona.concurrent.OffsetEpochNanoClock;

import java.util.stream.IntStream;

/**
 * For benchmarks and tools only: the engine's own {@link TickAggregator}, outside a {@link Simulation}, fed through a
 * metrics ring that the caller publishes to (bench's {@code SamplePathBenchmark} measures the sample path this way).
 * A run builds its aggregator from the diagram in {@link Simulation}; nothing on a run's path uses this class.
 */
public final class StandaloneAggregator {
    /** Ticks the aggregator may stage at once, as a Simulation sizes it for the default command ring. */
    private static final int PENDING_TICKS = Simulation.Context.DEFAULT_COMMAND_RING_SIZE * 2;

    private StandaloneAggregator() {
    }

    /**
     * An aggregator of {@code services} services, all run by one worker (worker 0), with no cost, database or load
     * source, that closes ticks of {@code tickLengthNs} into {@code output} once worker 0 has ended them. Like the
     * engine's, it must run on one thread: the metrics ring's event processor.
     */
    public static EventHandler<MetricSlot> create(final int services, final long tickLengthNs,
                                                  final RingBuffer<OutputSlot> output) {
        final int[][] servicesOfWorker = {IntStream.range(0, services).toArray()};
        return new TickAggregator(() -> false, () -> { }, 1, tickLengthNs, services, servicesOfWorker, 0,
            new int[services], new double[services], new double[services], new double[services],
            new DatabaseSpec[services], new byte[0], PENDING_TICKS,
            output, new OffsetEpochNanoClock());
    }
}
