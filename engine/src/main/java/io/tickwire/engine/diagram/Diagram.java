package io.tickwire.engine.diagram;

import java.util.List;
import java.util.Objects;

/**
 * A validated system description: services, the calls between them, and the load on them.
 * Immutable; built by {@link DiagramLoader}. Service ids are their index in {@link #services()}.
 *
 * @param name    human name of the system.
 * @param tickNs  length of one tick of simulated time, in nanoseconds.
 * @param seed    seed from the diagram, or {@link #NO_SEED} when the run chooses it.
 * @param services the services, indexed by id.
 * @param load    the load sources.
 * @param source  the text the diagram was parsed from, kept so a journal can carry it verbatim.
 * @param partitions how many partitions the simulation aims to split one connected system into (cut only at calls
 *                   with a delay), so that several workers can share it; results never depend on the worker count.
 */
public record Diagram(String name, long tickNs, long seed, List<ServiceSpec> services, List<LoadSpec> load,
                      String source, int partitions) {
    public static final long NO_SEED = Long.MIN_VALUE;
    public static final int DEFAULT_PARTITIONS = 4;

    public Diagram(final String name, final long tickNs, final long seed, final List<ServiceSpec> services,
                   final List<LoadSpec> load, final String source) {
        this(name, tickNs, seed, services, load, source, DEFAULT_PARTITIONS);
    }

    public Diagram {
        Objects.requireNonNull(name);
        services = List.copyOf(services);
        load = List.copyOf(load);
    }

    public ServiceSpec service(final int id) {
        return services.get(id);
    }

    public boolean hasSeed() {
        return seed != NO_SEED;
    }
}
