package io.tickwire.engine.diagram;

import java.util.List;
import java.util.Objects;

/**
 * A validated system description: services, the calls between them, the load on them, and how it is operated
 * (autoscalers, scheduled faults).
 * Immutable; built by {@link DiagramLoader}. Service ids are their index in {@link #services()}.
 *
 * @param name    human name of the system.
 * @param tickLengthNs  length of one tick of simulated time, in nanoseconds.
 * @param seed    seed from the diagram, or {@link #NO_SEED} when the run chooses it.
 * @param services the services, indexed by id.
 * @param load    the load sources.
 * @param source  the text the diagram was parsed from, kept so a journal can carry it verbatim.
 * @param partitions how many partitions the simulation aims to split one connected system into (cut only at calls
 *                   with a delay), so that several workers can share it; results never depend on the worker count.
 * @param autoscale  the autoscalers, at most one per service.
 * @param faults     the scheduled faults, in the diagram's order (their ids).
 * @param alerts     the alert rules, in the diagram's order: a rule's index is the {@code rule} of its
 *                   {@code AlertEvent}s (name, labels and annotations for a notifier: {@link AlertSpec}).
 */
public record Diagram(String name, long tickLengthNs, long seed, List<ServiceSpec> services, List<LoadSpec> load,
                      String source, int partitions, List<AutoscaleSpec> autoscale, List<FaultSpec> faults,
                      List<AlertSpec> alerts) {
    public static final long NO_SEED = Long.MIN_VALUE;
    public static final int DEFAULT_PARTITIONS = 4;

    public Diagram(final String name, final long tickLengthNs, final long seed, final List<ServiceSpec> services,
                   final List<LoadSpec> load, final String source) {
        this(name, tickLengthNs, seed, services, load, source, DEFAULT_PARTITIONS);
    }

    /** A diagram that is not operated: no autoscaler, no fault. */
    public Diagram(final String name, final long tickLengthNs, final long seed, final List<ServiceSpec> services,
                   final List<LoadSpec> load, final String source, final int partitions) {
        this(name, tickLengthNs, seed, services, load, source, partitions, List.of(), List.of());
    }

    /** A diagram without alert rules. */
    public Diagram(final String name, final long tickLengthNs, final long seed, final List<ServiceSpec> services,
                   final List<LoadSpec> load, final String source, final int partitions,
                   final List<AutoscaleSpec> autoscale, final List<FaultSpec> faults) {
        this(name, tickLengthNs, seed, services, load, source, partitions, autoscale, faults, List.of());
    }

    public Diagram {
        Objects.requireNonNull(name);
        alerts = List.copyOf(alerts);
        services = List.copyOf(services);
        load = List.copyOf(load);
        autoscale = List.copyOf(autoscale);
        faults = List.copyOf(faults);
    }

    public ServiceSpec service(final int id) {
        return services.get(id);
    }

    /** The autoscaler of service {@code id}, or null. */
    public AutoscaleSpec autoscaleOf(final int id) {
        for (final AutoscaleSpec a : autoscale) {
            if (a.service() == id) {
                return a;
            }
        }
        return null;
    }

    /** Whether anything operates it while it runs: an autoscaler or a scheduled fault. */
    public boolean isOperated() {
        return !autoscale.isEmpty() || !faults.isEmpty();
    }

    public boolean hasSeed() {
        return seed != NO_SEED;
    }
}
