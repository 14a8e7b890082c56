package io.tickwire.engine.diagram;

/**
 * A service's health checks: each replica is probed every {@code intervalNs} from the moment it became ready; a
 * probe of a crashed replica fails after {@code timeoutNs}; the {@code unhealthyThreshold}-th consecutive failure
 * marks it unhealthy, and it is replaced.
 *
 * @param intervalNs         between probes, > 0.
 * @param timeoutNs          how long a probe waits for its answer, in (0, interval].
 * @param unhealthyThreshold consecutive failed probes that mark a replica unhealthy, >= 1.
 */
public record HealthSpec(long intervalNs, long timeoutNs, int unhealthyThreshold) {
    /** Kubernetes' defaults for a liveness probe: periodSeconds 10, timeoutSeconds 1, failureThreshold 3. */
    public static final HealthSpec DEFAULT = new HealthSpec(10_000_000_000L, 1_000_000_000L, 3);

    public HealthSpec {
        if (intervalNs <= 0 || timeoutNs <= 0 || timeoutNs > intervalNs || unhealthyThreshold < 1) {
            throw new IllegalArgumentException("bad health checks: interval " + intervalNs + " ns, timeout "
                + timeoutNs + " ns, threshold " + unhealthyThreshold);
        }
    }

    /**
     * The time from a crash to its detection, for a replica ready since {@code readyAtNs} that crashes at
     * {@code crashNs}: probes go out at readyAt + k × interval (k >= 1); the first at or after the crash fails after the
     * timeout, and so does each next one, up to the threshold.
     *
     * @return the simulated time at which the replica is marked unhealthy.
     */
    public long detectionNs(final long readyAtNs, final long crashNs) {
        final long since = crashNs - readyAtNs;
        final long k = Math.max(1, (since + intervalNs - 1) / intervalNs);
        return readyAtNs + (k + unhealthyThreshold - 1) * intervalNs + timeoutNs;
    }
}
