package io.tickwire.engine.diagram;

import java.util.List;
import java.util.Set;

import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_DB_CONNECTIONS;
import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_DB_SIZE;
import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_DB_WRITE_BYTES;

/**
 * Reads {@code services[i].database}: a database attached to its owner, simulated as the implicit service
 * {@code <owner>.db} with its storage. The owner's queries to it ({@code queries}, {@code delay}) are read by
 * {@link ServiceReader}, as they are the owner's calls.
 */
final class DatabaseReader {
    private static final Set<String> FIELDS = Set.of("latency", "queries", "connections", "queue", "failureRate",
        "size", "writeBytes", "growth", "cost", "delay");
    private static final Set<String> COST_FIELDS = Set.of("perGBMonth", "perReplicaHour", "perMillionRequests");

    private DatabaseReader() {
    }

    /** @return the implicit service {@code <owner>.db}, or null when any of its fields was refused. */
    static ServiceSpec read(final DiagramNode node, final int id, final String owner) {
        if (!node.isMappingOf(FIELDS, "such as {latency: {distribution: exponential, mean: 2ms}}")) {
            return null;
        }
        final int mark = node.problems().mark();
        final LatencySpec latency = LatencyReader.read(node.child("latency"));
        final int connections = node.optionalInt("connections", 1, DiagramLimits.MAX_CONNECTIONS,
            DEFAULT_DB_CONNECTIONS);
        final int queueCapacity = node.optionalQueueCapacity("queue");
        final double failureRate = node.optionalProbability("failureRate", 0.0);
        final long size = node.optionalBytes("size", DEFAULT_DB_SIZE);
        final long writeBytes = node.optionalBytes("writeBytes", DEFAULT_DB_WRITE_BYTES);
        final double growth = node.optionalBytesPerDay("growth", 0);
        double perGBMonth = 0;
        CostSpec cost = CostSpec.NONE;
        final DiagramNode costNode = node.child("cost");
        if (costNode.isMappingOf(COST_FIELDS, "{perGBMonth, perReplicaHour, perMillionRequests}")) {
            perGBMonth = costNode.optionalPrice("perGBMonth");
            cost = new CostSpec(costNode.optionalPrice("perReplicaHour"), costNode.optionalPrice("perMillionRequests"));
        }
        if (!node.problems().noneSince(mark)) {
            return null;
        }
        return new ServiceSpec(id, owner + ".db", 1, connections, latency, queueCapacity, failureRate, List.of(), cost,
            ServiceSpec.Fanout.SEQUENTIAL, 0, new DatabaseSpec(size, writeBytes, growth, perGBMonth));
    }
}
