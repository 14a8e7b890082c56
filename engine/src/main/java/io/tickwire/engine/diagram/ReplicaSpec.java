package io.tickwire.engine.diagram;

import java.util.Locale;
import java.util.Objects;

/**
 * How a service's replicas are balanced and live: the load balancer in front of them, how long a new replica takes to
 * start, how long a replica being scaled in may drain, its health checks and its failure model. Read from the
 * service's {@code balancer}, {@code startup}, {@code terminationGrace}, {@code health} and {@code failures} fields
 * (documented in {@code docs/diagram.md}); {@link #DEFAULT} when it says none of them.
 *
 * @param balancer           how requests are spread over the replicas.
 * @param startup            the start-up time of a replica started during the run (scale-out, replacement), or null
 *                           for none (ready at once). The replicas of the diagram are ready at time 0.
 * @param terminationGraceNs how long a replica being scaled in may finish its requests before the rest fail.
 * @param health             the health checks that detect a crashed replica.
 * @param failures           the crash model, or null for replicas that crash only when told to.
 */
public record ReplicaSpec(Balancer balancer, LatencySpec startup, long terminationGraceNs, HealthSpec health,
                          FailureSpec failures) {
    /** Kubernetes' default terminationGracePeriodSeconds. */
    public static final long DEFAULT_TERMINATION_GRACE_NS = 30_000_000_000L;
    public static final ReplicaSpec DEFAULT =
        new ReplicaSpec(Balancer.SHARED, null, DEFAULT_TERMINATION_GRACE_NS, HealthSpec.DEFAULT, null);

    public ReplicaSpec {
        Objects.requireNonNull(balancer);
        Objects.requireNonNull(health);
        if (terminationGraceNs < 0) {
            throw new IllegalArgumentException("terminationGrace must be >= 0, got " + terminationGraceNs);
        }
    }

    /** How a service's load balancer spreads requests over its replicas. */
    public enum Balancer {
        /** One FIFO queue that every ready replica's servers take work from (M/M/c); today's model. */
        SHARED,
        /** Each replica its own queue; the replicas in turn. */
        ROUND_ROBIN,
        /** Each replica its own queue; one replica drawn at random. */
        RANDOM,
        /** Each replica its own queue; the one with the fewest requests in service and waiting. */
        LEAST_CONNECTIONS,
        /** Each replica its own queue; two drawn at random, the less loaded of them. */
        POWER_OF_TWO;

        /** The name the diagram uses: {@code least-connections}. */
        public String yamlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public boolean perReplicaQueues() {
            return this != SHARED;
        }
    }
}
