package io.tickwire.engine.diagram;

import java.util.List;
import java.util.Objects;

/**
 * One service: {@code replicas} replicas of {@code concurrency} servers each, behind a load balancer: by default one
 * FIFO queue in front of all {@code replicas × concurrency} servers (see {@link ReplicaSpec}).
 *
 * @param id            index in the diagram.
 * @param name          unique name.
 * @param replicas      instances of the service.
 * @param concurrency   requests one replica serves at once.
 * @param latency       distribution of the service time of one request (its own work, without its sync calls).
 * @param queueCapacity requests that may wait; {@link #UNBOUNDED} for no limit. A request that finds the queue full
 *                      is rejected.
 * @param failureRate   probability that a served request fails (drawn when its own work ends).
 * @param calls         its calls: sync calls, made in this order after its own work (the first
 *                      {@code databaseCalls} always one after another), and forward calls, where a successful request
 *                      goes next, by probability.
 * @param cost          what running the service costs; {@link CostSpec#NONE} when the diagram says nothing.
 * @param fanout        whether its sync calls (after the database queries) run one after another or all at once.
 * @param databaseCalls how many of the first sync calls are the queries to its attached database (0 without one).
 * @param storage       for the implicit database service {@code <service>.db}: its storage; null otherwise.
 * @param replicaSpec   how its replicas are balanced, start, drain, are health-checked and crash.
 */
public record ServiceSpec(int id, String name, int replicas, int concurrency, LatencySpec latency, int queueCapacity,
                          double failureRate, List<CallSpec> calls, CostSpec cost, Fanout fanout, int databaseCalls,
                          DatabaseSpec storage, ReplicaSpec replicaSpec) {
    public static final int UNBOUNDED = -1;

    public ServiceSpec {
        calls = List.copyOf(calls);
        Objects.requireNonNull(fanout);
        Objects.requireNonNull(replicaSpec);
    }

    /** A service with the default replica model: one shared queue, no failure model. */
    public ServiceSpec(final int id, final String name, final int replicas, final int concurrency,
                       final LatencySpec latency, final int queueCapacity, final double failureRate,
                       final List<CallSpec> calls, final CostSpec cost, final Fanout fanout, final int databaseCalls,
                       final DatabaseSpec storage) {
        this(id, name, replicas, concurrency, latency, queueCapacity, failureRate, calls, cost, fanout, databaseCalls,
            storage, ReplicaSpec.DEFAULT);
    }

    /** A service without sync calls of any kind. */
    public ServiceSpec(final int id, final String name, final int replicas, final int concurrency,
                       final LatencySpec latency, final int queueCapacity, final double failureRate,
                       final List<CallSpec> calls, final CostSpec cost) {
        this(id, name, replicas, concurrency, latency, queueCapacity, failureRate, calls, cost, Fanout.SEQUENTIAL, 0,
            null);
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

    public List<CallSpec> syncCalls() {
        return calls.stream().filter(CallSpec::isSync).toList();
    }

    public List<CallSpec> forwardCalls() {
        return calls.stream().filter(c -> !c.isSync()).toList();
    }

    public enum Fanout {
        SEQUENTIAL, PARALLEL
    }
}
