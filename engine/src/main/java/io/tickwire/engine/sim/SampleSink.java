package io.tickwire.engine.sim;

import io.tickwire.sbe.Outcome;

/**
 * Where a {@link PartitionKernel} reports what happened in a tick. Called on the kernel's thread.
 */
public interface SampleSink {
    /**
     * A request left a service (or was rejected by it, with latency 0). {@link Outcome#TIMEOUT}: one of its sync
     * calls failed because its last attempt timed out.
     */
    void sample(int serviceId, long tick, long simTimeNs, long latencyNs, Outcome outcome);

    /** A request left the system: its latency from entering it (from load source {@code sourceId}). */
    void endToEnd(int sourceId, long tick, long simTimeNs, long latencyNs, Outcome outcome);

    /**
     * A service's state at the end of a tick; once per service per tick, after that tick's samples.
     *
     * @param busyTimeNs  integral of busy servers over the tick window (server-ns).
     * @param queueTimeNs integral of waiting requests over the tick window (request-ns).
     * @param retries     retry attempts of sync calls the service issued during the tick.
     */
    void gauge(int serviceId, long tick, long arrivals, int queueDepth, int busyServers, int servers,
               long busyTimeNs, long queueTimeNs, int retries);

    /**
     * A service's replicas at the end of a tick; once per service per tick, right after its {@link #gauge}.
     *
     * @param replicas      provisioned at tick end: STARTING, READY, DRAINING, and CRASHED ones not yet replaced.
     * @param readyReplicas READY at tick end.
     * @param replicaTimeNs integral of provisioned replicas over the tick (replica-ns): what replicas cost.
     * @param readyTimeNs   integral of READY replicas over the tick (replica-ns).
     */
    default void replicaGauge(int serviceId, long tick, int replicas, int readyReplicas, long replicaTimeNs,
                              long readyTimeNs) {
    }

    /**
     * A replica changed state at {@code simTimeNs} during tick {@code tick} (see {@link ReplicaEvents} for the kinds
     * and what {@code detail} says). Events of one service come in time order; the aggregator orders a tick's events
     * of all services.
     *
     * @param replica the replica's number within its service (from 0, never reused).
     */
    default void replicaEvent(int serviceId, long tick, long simTimeNs, int replica, int kind, int detail) {
    }
}
