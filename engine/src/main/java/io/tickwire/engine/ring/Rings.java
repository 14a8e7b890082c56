package io.tickwire.engine.ring;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Claiming ring slots without hanging a thread on a dead consumer.
 */
public final class Rings {
    private Rings() {
    }

    /**
     * Claim the next slot of {@code ring}, waiting while it is full (its consumers are behind), unless
     * {@code abandon} says the consumers will never catch up (the pipeline failed): then throw
     * {@link PipelineFailedException#INSTANCE}. Plain {@link RingBuffer#next()} would wait forever, leaking the thread.
     */
    public static long claim(final RingBuffer<?> ring, final BooleanSupplier abandon) {
        while (true) {
            // Check capacity first, so that waiting costs no exception per retry; tryNext can still lose a race to
            // another producer of a multi-producer ring, and then we wait again.
            if (ring.hasAvailableCapacity(1)) {
                try {
                    return ring.tryNext();
                } catch (final InsufficientCapacityException ex) {
                    // Lost the race: wait below.
                }
            }
            if (abandon.getAsBoolean()) {
                throw PipelineFailedException.INSTANCE;
            }
            LockSupport.parkNanos(1);
        }
    }
}
