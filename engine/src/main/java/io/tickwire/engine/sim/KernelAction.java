package io.tickwire.engine.sim;

/**
 * The kinds of change the control plane makes to a running simulation, applied by every worker to the partitions it
 * runs at the start of a tick, before its first window (see {@link PartitionKernel#apply}). Each is four primitives:
 * a kind, a target (a service id, or a load source id) and two arguments. The values are stable: they may be
 * journaled.
 */
public final class KernelAction {
    /**
     * Service, desired replicas in {@code arg1} (>= 0). Members are the STARTING, READY and CRASHED (not yet
     * replaced) replicas: scale-out starts new ones (ready after their start-up time); scale-in drains STARTING ones
     * first (newest first), then READY or CRASHED ones, newest (highest number) first.
     */
    public static final int SET_REPLICAS = 1;
    /** Service, count in {@code arg1}: crash that many READY replicas now, lowest-numbered first. */
    public static final int CRASH_REPLICAS = 2;
    /**
     * Service: each service time becomes {@code time × arg1 / 1e6 + arg2} ns (arg1 = {@link #ONE} and arg2 = 0:
     * unchanged).
     */
    public static final int LATENCY_FACTOR = 3;
    /** Service, failure probability × 1e9 in {@code arg1}, or {@link #RESTORE} for the diagram's. */
    public static final int FAILURE_RATE = 4;
    /**
     * Caller service, callee service in {@code arg1}, mode in {@code arg2}: {@link #HEALED}, {@link #FAIL} (calls
     * fail at once; forwarded requests leave with an error) or {@link #HANG} (calls hang: their timeout applies;
     * hung calls and forwarded requests are delivered when healed).
     */
    public static final int PARTITION = 5;
    /** Load source id, rate factor × 1e6 in {@code arg1} ({@link #ONE}: none), on whatever rate is in force. */
    public static final int LOAD_FACTOR = 6;
    /** Load source id, new base rate in requests/s × 1e3 in {@code arg1}: a constant rate (replaces a schedule). */
    public static final int LOAD_RATE = 7;
    /** Service, index in {@code arg1} of a distribution in the run's {@link LatencyTable}: its new service time. */
    public static final int SET_LATENCY = 8;
    /** Service, servers per replica in {@code arg1} (>= 1). */
    public static final int SET_CONCURRENCY = 9;

    /** Factors are fixed-point with six decimals: 1,000,000 is × 1. */
    public static final long ONE = 1_000_000L;
    public static final long RESTORE = -1;
    public static final long HEALED = 0;
    public static final long FAIL = 1;
    public static final long HANG = 2;

    private KernelAction() {
    }

    /** The action's name, for messages. */
    public static String name(final int kind) {
        return switch (kind) {
            case SET_REPLICAS -> "SET_REPLICAS";
            case CRASH_REPLICAS -> "CRASH_REPLICAS";
            case LATENCY_FACTOR -> "LATENCY_FACTOR";
            case FAILURE_RATE -> "FAILURE_RATE";
            case PARTITION -> "PARTITION";
            case LOAD_FACTOR -> "LOAD_FACTOR";
            case LOAD_RATE -> "LOAD_RATE";
            case SET_LATENCY -> "SET_LATENCY";
            case SET_CONCURRENCY -> "SET_CONCURRENCY";
            default -> "unknown action " + kind;
        };
    }
}
