package io.tickwire.engine.diagram;

import java.util.Objects;

/**
 * A fault ({@code faults[i]}, or one added live): what breaks, where, from when and for how long. It takes effect at
 * the first tick boundary at or after {@code atNs}, and ends at the first at or after {@code atNs + durationNs}.
 *
 * @param kind        what breaks.
 * @param service     the service (for a database fault, the implicit {@code <owner>.db}; for a load spike, the
 *                    service its source sends to).
 * @param peerService a partition's other service; -1 otherwise.
 * @param source      a load spike's load source; -1 otherwise.
 * @param count       a crash's replicas; 0 otherwise.
 * @param factor      latency, database-slow or load factor; 1 otherwise.
 * @param addedNs     latency added to each service time (latency, database slow); 0 otherwise.
 * @param rate        an error fault's failure probability; 1 for a database down; 0 otherwise.
 * @param mode        a partition's {@link #PARTITION_FAIL} or {@link #PARTITION_TIMEOUT}; 0 otherwise.
 * @param atNs        when it starts, simulated ns from the start of the run.
 * @param durationNs  how long it lasts; {@link #UNTIL_END} for the rest of the run.
 */
public record FaultSpec(Kind kind, int service, int peerService, int source, int count, double factor, long addedNs,
                        double rate, int mode, long atNs, long durationNs) {
    public static final long UNTIL_END = Long.MAX_VALUE;
    public static final int PARTITION_FAIL = 1;
    public static final int PARTITION_TIMEOUT = 2;

    public FaultSpec {
        Objects.requireNonNull(kind);
    }

    /** The order is the schema's {@code FaultKind}. */
    public enum Kind {
        CRASH, LATENCY, ERRORS, PARTITION, LOAD_SPIKE, DATABASE_SLOW, DATABASE_DOWN
    }

    public boolean endless() {
        return durationNs == UNTIL_END;
    }
}
