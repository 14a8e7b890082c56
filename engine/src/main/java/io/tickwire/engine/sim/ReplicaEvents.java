package io.tickwire.engine.sim;

/**
 * What {@link SampleSink#replicaEvent} reports: the kinds (the values of the schema's {@code ReplicaEventKind}) and
 * what {@code detail} means for each.
 * <pre>
 *  STARTING            a replica was created; ready after its start-up time    detail: SCALE_OUT or REPLACEMENT
 *  READY               it takes requests                                        0
 *  CRASHED             it stopped: its requests failed                          FAILURE_MODEL or CRASH_ACTION
 *  UNHEALTHY           health checks detected the crash                         failed probes (the threshold)
 *  REPLACED            it was removed and a new replica started in its place   the new replica's number
 *  DRAINING            scaled in: no new requests; its own finish               0
 *  REMOVED             a draining replica left (its requests done)              0
 *  KILLED_AFTER_GRACE  the grace ran out: its remaining requests failed        requests failed (then REMOVED)
 * </pre>
 * A crash goes CRASHED, UNHEALTHY, REPLACED (the replacement: STARTING, READY); a scale-in DRAINING, then REMOVED
 * (KILLED_AFTER_GRACE before it when the grace ran out). The replicas of the diagram exist from time 0 without
 * events. Replica numbers count from 0 per service and are never reused.
 */
public final class ReplicaEvents {
    public static final int STARTING = 1;
    public static final int READY = 2;
    public static final int CRASHED = 3;
    public static final int UNHEALTHY = 4;
    public static final int REPLACED = 5;
    public static final int DRAINING = 6;
    public static final int REMOVED = 7;
    public static final int KILLED_AFTER_GRACE = 8;

    /** STARTING's detail: started by scale-out (SET_REPLICAS). */
    public static final int SCALE_OUT = 1;
    /** STARTING's detail: replacing a replica found unhealthy. */
    public static final int REPLACEMENT = 2;
    /** CRASHED's detail: the service's failure model ({@code failures}). */
    public static final int FAILURE_MODEL = 1;
    /** CRASHED's detail: a CRASH_REPLICAS action (a scheduled or live fault). */
    public static final int CRASH_ACTION = 2;

    private ReplicaEvents() {
    }

    public static String name(final int kind) {
        return switch (kind) {
            case STARTING -> "STARTING";
            case READY -> "READY";
            case CRASHED -> "CRASHED";
            case UNHEALTHY -> "UNHEALTHY";
            case REPLACED -> "REPLACED";
            case DRAINING -> "DRAINING";
            case REMOVED -> "REMOVED";
            case KILLED_AFTER_GRACE -> "KILLED_AFTER_GRACE";
            default -> "unknown replica event " + kind;
        };
    }
}
