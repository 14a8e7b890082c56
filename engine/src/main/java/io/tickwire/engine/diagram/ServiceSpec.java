package io.tickwire.engine.diagram;

import java.util.List;

/**
 * One service: a FIFO queue in front of {@code replicas × concurrency} identical servers.
 *
 * @param id            index in the diagram.
 * @param name          unique name.
 * @param replicas      instances of the service.
 * @param concurrency   requests one replica serves at once.
 * @param latency       distribution of the service time of one request.
 * @param queueCapacity requests that may wait; {@link #UNBOUNDED} for no limit. A request that finds the queue full
 *                      is rejected.
 * @param failureRate   probability that a served request fails (it then leaves the system).
 * @param calls         where a successful request goes next (forward routing), by probability.
 * @param cost          what running the service costs; {@link CostSpec#NONE} when the diagram says nothing.
 */
public record ServiceSpec(int id, String name, int replicas, int concurrency, LatencySpec latency, int queueCapacity,
                          double failureRate, List<CallSpec> calls, CostSpec cost) {
    public static final int UNBOUNDED = -1;

    public ServiceSpec {
        calls = List.copyOf(calls);
    }

    /** A service without cost figures. */
    public ServiceSpec(final int id, final String name, final int replicas, final int concurrency,
                       final LatencySpec latency, final int queueCapacity, final double failureRate,
                       final List<CallSpec> calls) {
        this(id, name, replicas, concurrency, latency, queueCapacity, failureRate, calls, CostSpec.NONE);
    }

    public int servers() {
        return replicas * concurrency;
    }
}
