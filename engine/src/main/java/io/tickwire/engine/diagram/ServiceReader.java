package io.tickwire.engine.diagram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_CALL_DELAY_NS;

/**
 * Reads {@code services[i]}: a queue in front of servers, with its latency, database, calls and cost sections, and how
 * its replicas are balanced and live (balancer, startup, terminationGrace, health, failures).
 */
final class ServiceReader {
    private static final Set<String> FIELDS = Set.of("name", "replicas", "concurrency", "latency", "queue",
        "failureRate", "calls", "cost", "fanout", "database", "balancer", "startup", "terminationGrace", "health",
        "failures", "rateLimit");
    private static final Set<String> COST_FIELDS = Set.of("perReplicaHour", "perMillionRequests");

    private ServiceReader() {
    }

    /** @return the services in id order, the implicit databases after them; null for a service refused whole. */
    static List<ServiceSpec> read(final List<DiagramNode> nodes, final ServiceIds ids) {
        final List<ServiceSpec> services = new ArrayList<>();
        final List<ServiceSpec> databases = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            services.add(read(nodes.get(i), i, ids, databases));
        }
        services.addAll(databases);
        return services;
    }

    private static ServiceSpec read(final DiagramNode node, final int id, final ServiceIds ids,
                                    final List<ServiceSpec> databases) {
        if (!node.isObject()) {
            node.problem("must be a mapping with name and latency");
            return null;
        }
        node.refuseUnknownFields(FIELDS);
        final String name = node.text("name");
        final int replicas = node.optionalInt("replicas", 1, DiagramLimits.MAX_REPLICAS, 1);
        final int concurrency = node.optionalInt("concurrency", 1, DiagramLimits.MAX_CONCURRENCY, 1);
        if ((long)replicas * concurrency > Integer.MAX_VALUE / 2) {
            node.problem("replicas x concurrency is too large");
        }
        final LatencySpec latency = LatencyReader.read(node.child("latency"));
        final int queueCapacity = node.optionalQueueCapacity("queue");
        final double failureRate = node.optionalProbability("failureRate", 0.0);

        // Its database queries come first among its sync calls.
        final List<CallSpec> calls = new ArrayList<>();
        int databaseCalls = 0;
        final DiagramNode databaseNode = node.child("database");
        final Integer databaseId = ids.databaseOf(id);
        if (databaseNode.isPresent() && databaseId != null) {
            final ServiceSpec database = DatabaseReader.read(databaseNode, databaseId, name);
            if (database != null) {
                databases.add(database);
                final long delay = databaseNode.optionalNonNegativeDuration("delay", DEFAULT_CALL_DELAY_NS);
                databaseCalls = databaseNode.optionalInt("queries", 0, 1000, 1);
                for (int q = 0; q < databaseCalls; q++) {
                    calls.add(new CallSpec(databaseId, database.name(), 1.0, delay, CallSpec.Mode.SYNC,
                        CallSpec.NO_TIMEOUT, RetrySpec.NONE));
                }
            }
        }
        calls.addAll(CallReader.read(node.child("calls"), ids));
        final ServiceSpec.Fanout fanout = ServiceSpec.Fanout.valueOf(
            node.optionalChoice("fanout", "sequential", "sequential", "parallel").toUpperCase(Locale.ROOT));
        final CostSpec cost = cost(node.child("cost"));
        return new ServiceSpec(id, name, replicas, concurrency, latency, queueCapacity, failureRate, calls, cost,
            fanout, databaseCalls, null, replicaSpec(node), ResilienceReader.rateLimit(node.child("rateLimit")));
    }

    /** The balancer, startup, terminationGrace, health and failures fields: how the replicas are balanced and live. */
    private static ReplicaSpec replicaSpec(final DiagramNode node) {
        final ReplicaSpec.Balancer balancer = ReplicaSpec.Balancer.valueOf(node.optionalChoice("balancer", "shared",
            "shared", "round-robin", "random", "least-connections", "power-of-two")
            .toUpperCase(Locale.ROOT).replace('-', '_'));
        final LatencySpec startup = StartupReader.read(node, "startup");
        final long grace = node.optionalNonNegativeDuration("terminationGrace",
            ReplicaSpec.DEFAULT_TERMINATION_GRACE_NS);
        final HealthSpec health = HealthReader.read(node.child("health"));
        final FailureSpec failures = FailuresReader.read(node.child("failures"));
        final ReplicaSpec spec = new ReplicaSpec(balancer, startup, Math.max(0, grace), health, failures);
        return spec.equals(ReplicaSpec.DEFAULT) ? ReplicaSpec.DEFAULT : spec;
    }

    private static CostSpec cost(final DiagramNode node) {
        if (!node.isMappingOf(COST_FIELDS, "{perReplicaHour, perMillionRequests}")) {
            return CostSpec.NONE;
        }
        return new CostSpec(node.optionalPrice("perReplicaHour"), node.optionalPrice("perMillionRequests"));
    }
}
