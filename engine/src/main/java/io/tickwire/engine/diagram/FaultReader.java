package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.diagram.FaultSpec.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.tickwire.engine.diagram.DiagramNode.INVALID;

/**
 * Reads {@code faults}: what breaks, where, from {@code at} and for how long ({@code for}; the rest of the run
 * without it). One reader for the diagram's schedule and for a fault added live (where {@code at} may be left out:
 * it starts when applied).
 */
final class FaultReader {
    private static final String[] KINDS = {"crash", "latency", "errors", "partition", "loadSpike", "database"};
    private static final Set<String> COMMON = Set.of("kind", "at", "for");
    private static final String EXAMPLE = "{kind: latency, service: api, factor: 3, at: 60s, for: 30s}";

    private FaultReader() {
    }

    /** @return the faults read without a problem, in order. */
    static List<FaultSpec> read(final DiagramNode listNode, final ServiceIds ids, final int serviceCount,
                                final List<LoadSpec> load) {
        final List<FaultSpec> faults = new ArrayList<>();
        for (final DiagramNode node : listNode.elements(false)) {
            final FaultSpec fault = read(node, ids, serviceCount, load, false);
            if (fault != null) {
                faults.add(fault);
            }
        }
        return faults;
    }

    /**
     * One fault.
     *
     * @param live {@code at} may be left out (0: it starts when applied).
     * @return the fault, or null after reporting its problems.
     */
    static FaultSpec read(final DiagramNode node, final ServiceIds ids, final int serviceCount,
                          final List<LoadSpec> load, final boolean live) {
        if (!node.isObject()) {
            node.problem("must be a mapping such as " + EXAMPLE + " (got " + node + ")");
            return null;
        }
        final int mark = node.problems().mark();
        final String kindName = node.optionalChoice("kind", null, KINDS);
        if (kindName == null) {
            if (!node.has("kind")) {
                node.problem("kind", "is required: one of " + String.join(", ", KINDS));
            }
            return null;
        }
        final long at = live && !node.has("at") ? 0 : node.requireNonNegativeDuration("at",
            "is required: when the fault starts, from the start of the run (e.g. 60s)");
        final long duration = node.has("for") ? node.requirePositiveDuration("for", "") : FaultSpec.UNTIL_END;
        int service = -1;
        int peer = -1;
        int source = -1;
        int count = 0;
        double factor = 1;
        long added = 0;
        double rate = 0;
        int mode = 0;
        Kind kind;
        switch (kindName) {
            case "crash" -> {
                kind = Kind.CRASH;
                node.refuseUnknownFields(fields("service", "count"));
                service = service(node, ids, serviceCount, "crash");
                count = node.requireInt("count", 1, Integer.MAX_VALUE, "is required: how many ready replicas crash");
                if (node.has("for")) {
                    node.problem("for", "a crash is an instant: the health checks find the crashed replicas and "
                        + "replace them (to keep a service down for a while: kind errors, rate 1)");
                }
            }
            case "latency" -> {
                kind = Kind.LATENCY;
                node.refuseUnknownFields(fields("service", "factor", "add"));
                service = service(node, ids, Integer.MAX_VALUE, null);
                factor = AutoscaleReader.positive(node, "factor", 1);
                added = node.optionalNonNegativeDuration("add", 0);
                if (!node.has("factor") && !node.has("add")) {
                    node.problem("factor", "give factor (x service time) and/or add (a duration per request)");
                }
            }
            case "errors" -> {
                kind = Kind.ERRORS;
                node.refuseUnknownFields(fields("service", "rate"));
                service = service(node, ids, Integer.MAX_VALUE, null);
                rate = node.optionalProbability("rate", Double.NaN);
                if (!node.has("rate")) {
                    node.problem("rate", "is required: the probability that a served request fails, in [0, 1]");
                }
            }
            case "partition" -> {
                kind = Kind.PARTITION;
                node.refuseUnknownFields(fields("between", "mode"));
                final int[] pair = between(node, ids);
                service = pair[0];
                peer = pair[1];
                mode = "timeout".equals(node.optionalChoice("mode", "fail", "fail", "timeout"))
                    ? FaultSpec.PARTITION_TIMEOUT : FaultSpec.PARTITION_FAIL;
            }
            case "loadSpike" -> {
                kind = Kind.LOAD_SPIKE;
                node.refuseUnknownFields(fields("source", "factor"));
                source = source(node, load);
                service = source < 0 ? -1 : load.get(source).target(); // the service its load reaches first
                factor = AutoscaleReader.positive(node, "factor", Double.NaN);
            }
            default -> {
                node.refuseUnknownFields(fields("service", "mode", "factor", "add"));
                service = database(node, ids);
                final String m = node.optionalChoice("mode", null, "slow", "down");
                if (m == null && !node.has("mode")) {
                    node.problem("mode", "is required: slow (with factor and/or add) or down (every query fails)");
                }
                if ("down".equals(m)) {
                    kind = Kind.DATABASE_DOWN;
                    rate = 1;
                    for (final String field : List.of("factor", "add")) {
                        if (node.has(field)) {
                            node.problem(field, "a database down takes no " + field);
                        }
                    }
                } else {
                    kind = Kind.DATABASE_SLOW;
                    factor = AutoscaleReader.positive(node, "factor", 1);
                    added = node.optionalNonNegativeDuration("add", 0);
                    if ("slow".equals(m) && !node.has("factor") && !node.has("add")) {
                        node.problem("factor", "give factor (x query time) and/or add (a duration per query)");
                    }
                }
            }
        }
        if (!node.problems().noneSince(mark) || at == INVALID || duration == INVALID) {
            return null;
        }
        return new FaultSpec(kind, service, peer, source, count, factor, added, rate, mode, at, duration);
    }

    private static Set<String> fields(final String... own) {
        final Set<String> all = new java.util.HashSet<>(COMMON);
        all.addAll(List.of(own));
        return all;
    }

    /** @param limit ids at or above it are refused (databases, for what only replicas have). */
    private static int service(final DiagramNode node, final ServiceIds ids, final int limit, final String what) {
        final Integer id = ids.target(node, "service", "is required: the name of the service");
        if (id == null) {
            return -1;
        }
        if (id >= limit) {
            node.problem("service", "'" + node.text("service") + "' is a database: a " + what + " takes a service "
                + "of the list (for a database, kind: database)");
            return -1;
        }
        return id;
    }

    /** A database fault names the database's owner ({@code orders}) or the database ({@code orders.db}). */
    private static int database(final DiagramNode node, final ServiceIds ids) {
        final JsonNode value = node.raw("service");
        if (value == null || !value.isTextual()) {
            node.problem("service", "is required: the service whose database it is");
            return -1;
        }
        final String name = value.asText();
        final Integer db = ids.id(name.endsWith(".db") ? name : name + ".db");
        if (db == null) {
            node.problem("service", ids.id(name) != null ? "'" + name + "' has no database"
                : "unknown service '" + name + "'");
            return -1;
        }
        return db;
    }

    private static int[] between(final DiagramNode node, final ServiceIds ids) {
        final JsonNode value = node.raw("between");
        if (value == null || !value.isArray() || value.size() != 2 || !value.get(0).isTextual()
            || !value.get(1).isTextual()) {
            node.problem("between", "is required: the two services, e.g. [checkout, payments] (got " + value + ")");
            return new int[] {-1, -1};
        }
        final int[] pair = new int[2];
        for (int i = 0; i < 2; i++) {
            final Integer id = ids.id(value.get(i).asText());
            if (id == null) {
                node.problem("between", "unknown service '" + value.get(i).asText() + "'");
                return new int[] {-1, -1};
            }
            pair[i] = id;
        }
        if (pair[0] == pair[1]) {
            node.problem("between", "needs two different services (got " + value + ")");
        }
        return pair;
    }

    private static int source(final DiagramNode node, final List<LoadSpec> load) {
        final JsonNode value = node.raw("source");
        if (value == null || !value.isTextual()) {
            node.problem("source", "is required: the name of a load source");
            return -1;
        }
        for (int l = 0; l < load.size(); l++) {
            if (load.get(l) != null && value.asText().equals(load.get(l).name())) {
                return l;
            }
        }
        node.problem("source", "unknown load source '" + value.asText() + "'");
        return -1;
    }
}
