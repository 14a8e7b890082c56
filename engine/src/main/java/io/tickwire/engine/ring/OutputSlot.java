package io.tickwire.engine.ring;

import org.agrona.ExpandableArrayBuffer;

/**
 * Slot of the output ring (multicast to every {@link io.tickwire.engine.TickListener}): a catalog, a closed tick, an
 * event of a closed tick (after its tick, e.g. a {@code ReplicaEvent}), an observed run's catalog update or the end
 * of the run, encoded once by the aggregator. The buffer grows to the largest message seen, then is reused.
 */
public final class OutputSlot {
    public static final int CATALOG = 1;
    public static final int TICK = 2;
    public static final int END = 3;
    /** One SBE message of the event family; {@link #tick} is the tick it belongs to, whose TICK slot precedes it. */
    public static final int EVENT = 4;

    /** An observed run's new rows ({@code CatalogUpdate}), before the first tick that holds them (ingest, 13). */
    public static final int CATALOG_UPDATE = 10;

    public final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
    public int kind;
    public int length;
    public long tick;
}
