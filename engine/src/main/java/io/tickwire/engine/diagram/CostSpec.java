package io.tickwire.engine.diagram;

/**
 * What a service costs to run, in the diagram's currency unit (whatever it is: the figures are only added up).
 *
 * @param perReplicaHour     for each replica, per hour of simulated time.
 * @param perMillionRequests per million requests arriving at the service (rejected ones included: they were
 *                           received and answered).
 */
public record CostSpec(double perReplicaHour, double perMillionRequests) {
    public static final CostSpec NONE = new CostSpec(0, 0);

    /** Billionths of the currency unit that {@code replicas} accrue over {@code durationNs} of simulated time. */
    public double replicaNanos(final int replicas, final long durationNs) {
        return replicas * perReplicaHour * 1e9 * (durationNs / 3.6e12);
    }

    /** Billionths of the currency unit per request. */
    public double requestNanos() {
        return perMillionRequests * 1e3;
    }
}
