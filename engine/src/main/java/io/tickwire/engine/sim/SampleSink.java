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
}
