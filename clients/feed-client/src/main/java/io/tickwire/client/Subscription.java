package io.tickwire.client;

import io.tickwire.sbe.ConflationPolicy;

import java.util.Objects;

/**
 * What a {@code Subscribe} asks for: a simulation ({@code 0} = the latest), where to start ({@code -1} = the latest
 * closed tick, then live; {@code N} = every tick from N, out of the server's journal, then live), which services'
 * rows to receive (empty = all) and what the server does when this reader falls behind (conflate or disconnect).
 * Immutable; the {@code with} methods return a copy.
 * <pre>
 * Subscription.to(3).fromSequence(1_000).services("gateway,orders").policy(ConflationPolicy.DISCONNECT)
 * </pre>
 */
public final class Subscription {
    public static final long LATEST = 0;
    public static final long SNAPSHOT = -1;

    private final long simulationId;
    private final long fromSequence;
    private final String services;
    private final ConflationPolicy policy;

    private Subscription(final long simulationId, final long fromSequence, final String services,
                         final ConflationPolicy policy) {
        if (simulationId < 0) {
            throw new IllegalArgumentException("simulationId must be >= 0 (0 = the latest), got " + simulationId);
        }
        if (fromSequence < -1) {
            throw new IllegalArgumentException("fromSequence must be >= -1 (-1 = snapshot then live), got "
                + fromSequence);
        }
        this.simulationId = simulationId;
        this.fromSequence = fromSequence;
        this.services = Objects.requireNonNull(services, "services");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** The latest tick of {@code simulationId} (0 = the latest simulation), then live, all services, conflated. */
    public static Subscription to(final long simulationId) {
        return new Subscription(simulationId, SNAPSHOT, "", ConflationPolicy.CONFLATE);
    }

    public Subscription simulationId(final long id) {
        return new Subscription(id, fromSequence, services, policy);
    }

    public Subscription fromSequence(final long sequence) {
        return new Subscription(simulationId, sequence, services, policy);
    }

    /** Comma-separated service names, as in the catalog; empty for all. */
    public Subscription services(final String commaSeparated) {
        return new Subscription(simulationId, fromSequence, commaSeparated.strip(), policy);
    }

    public Subscription services(final String... names) {
        return services(String.join(",", names));
    }

    public Subscription policy(final ConflationPolicy p) {
        if (p == ConflationPolicy.NULL_VAL) {
            throw new IllegalArgumentException("policy must be CONFLATE or DISCONNECT");
        }
        return new Subscription(simulationId, fromSequence, services, p);
    }

    public long simulationId() {
        return simulationId;
    }

    public long fromSequence() {
        return fromSequence;
    }

    public String services() {
        return services;
    }

    public ConflationPolicy policy() {
        return policy;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Subscription s && s.simulationId == simulationId && s.fromSequence == fromSequence
            && s.services.equals(services) && s.policy == policy;
    }

    @Override
    public int hashCode() {
        return Objects.hash(simulationId, fromSequence, services, policy);
    }

    @Override
    public String toString() {
        return "Subscription{sim=" + simulationId + ", from=" + fromSequence + ", services='" + services + "', "
            + policy + '}';
    }
}
