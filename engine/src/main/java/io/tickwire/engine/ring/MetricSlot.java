package io.tickwire.engine.ring;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Slot of the metrics ring: one SBE message ({@code MetricSample}, {@code ServiceGauge} or {@code WorkerTickEnd}),
 * header included, encoded in place by its producer. Preallocated and reused.
 */
public final class MetricSlot {
    /** Room for the largest metrics message, rounded up to a cache line. */
    public static final int CAPACITY = 64;

    public final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
    public int length;
}
