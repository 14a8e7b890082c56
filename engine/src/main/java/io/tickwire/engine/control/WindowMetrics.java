package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec.Metric;

/**
 * A service's figures over a window of closed ticks, as an autoscaler reads them: sums of the ticks' exact integrals
 * and counts, the replicas at the window's end, and percentiles of the ticks' merged latency histograms. Filled by
 * {@link ClosedTickWindow#read}; mutable and reused (one per service on the control plane's thread).
 */
public final class WindowMetrics {
    long firstTick = -1;
    long lastTick = -1;
    long spanNs;
    long arrivals;
    long completed;
    long errors;
    /** Integral of busy servers, server-ns. */
    long busyNs;
    /** Integral of waiting requests, request-ns. */
    long queueNs;
    /** Integral of the ready replicas' servers, server-ns: the capacity utilisation is measured against. */
    long readyServerNs;
    /** Servers of one replica over the window, server-ns: what a replica that is not ready would add. */
    long replicaServerNs;
    /** Ready replicas at the end of the window. */
    int readyReplicas;
    /** Replicas provisioned at the end of the window (starting, ready, draining, crashed). */
    int replicas;
    long p95Ns;
    long p99Ns;

    /** The value of {@code metric} for the whole service (not per replica); NaN when it has none. */
    public double value(final Metric metric) {
        final double seconds = spanNs / 1e9;
        return switch (metric) {
            case UTILIZATION -> readyServerNs > 0 ? (double)busyNs / readyServerNs : Double.NaN;
            case RPS -> spanNs > 0 ? arrivals / seconds : Double.NaN;
            case IN_FLIGHT -> spanNs > 0 ? (double)(busyNs + queueNs) / spanNs : Double.NaN;
            case QUEUE_DEPTH -> spanNs > 0 ? (double)queueNs / spanNs : Double.NaN;
            case P95 -> completed > 0 ? p95Ns : Double.NaN;
            case P99 -> completed > 0 ? p99Ns : Double.NaN;
            case ERROR_RATE -> completed > 0 ? (double)errors / completed : 0;
        };
    }

    public long firstTick() {
        return firstTick;
    }

    public long lastTick() {
        return lastTick;
    }

    public long spanNs() {
        return spanNs;
    }

    public long busyNs() {
        return busyNs;
    }

    public long readyServerNs() {
        return readyServerNs;
    }

    public long replicaServerNs() {
        return replicaServerNs;
    }

    public int readyReplicas() {
        return readyReplicas;
    }

    public int replicas() {
        return replicas;
    }

    /** For tests and tools: set the figures directly. */
    public WindowMetrics set(final long spanNs, final long arrivals, final long completed, final long errors,
                             final long busyNs, final long queueNs, final long readyServerNs,
                             final long replicaServerNs, final int readyReplicas, final int replicas,
                             final long p95Ns, final long p99Ns) {
        this.spanNs = spanNs;
        this.arrivals = arrivals;
        this.completed = completed;
        this.errors = errors;
        this.busyNs = busyNs;
        this.queueNs = queueNs;
        this.readyServerNs = readyServerNs;
        this.replicaServerNs = replicaServerNs;
        this.readyReplicas = readyReplicas;
        this.replicas = replicas;
        this.p95Ns = p95Ns;
        this.p99Ns = p99Ns;
        return this;
    }
}
