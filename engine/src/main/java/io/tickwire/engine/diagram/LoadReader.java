package io.tickwire.engine.diagram;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code load}: the sources of requests, open (a rate, perhaps scheduled) or closed (users). */
final class LoadReader {
    private static final Set<String> FIELDS =
        Set.of("name", "target", "rate", "arrivals", "users", "think", "schedule", "diurnal",
            "rateLimit");
    /** What only an open load takes: it varies a rate. */
    private static final String[] OPEN_ONLY = {"schedule", "diurnal"};
    /** What only a closed load takes. */
    private static final String[] CLOSED_ONLY = {"users", "think"};

    private LoadReader() {
    }

    /** @return the load sources in order; null for a source refused whole. */
    static List<LoadSpec> read(final DiagramNode loadNode, final ServiceIds ids) {
        final List<DiagramNode> nodes = loadNode.elements(true);
        if (nodes.size() > DiagramLimits.MAX_LOAD_SOURCES) {
            loadNode.problem("at most " + DiagramLimits.MAX_LOAD_SOURCES + " load sources (got " + nodes.size() + ")");
            return List.of();
        }
        final List<LoadSpec> load = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            load.add(read(nodes.get(i), i, ids));
        }
        // Entry points are reported by name: two sources of one name would be one line in a report.
        final Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < load.size(); i++) {
            final LoadSpec l = load.get(i);
            if (l != null && l.name() != null && names.putIfAbsent(l.name(), i) != null) {
                nodes.get(i).problem("name", "duplicate load name '" + l.name() + "' (a load is named after its "
                    + "target unless it has a name: give each load on one service its own)");
            }
        }
        return load;
    }

    private static LoadSpec read(final DiagramNode node, final int i, final ServiceIds ids) {
        if (!node.isObject()) {
            node.problem("must be a mapping with target and rate");
            return null;
        }
        node.refuseUnknownFields(FIELDS);
        final String targetName = node.text("target");
        final Integer target = ids.target(node, "target", "is required: the name of the service the load calls");
        final String name = node.has("name") ? node.requireName("name") : (targetName == null ? "load" + i
            : targetName);
        final String named = node.text("arrivals");
        final String arrivals = named != null ? named : node.has("users") ? "closed" : "poisson";
        LoadSpec.Arrivals kind = LoadSpec.Arrivals.POISSON;
        switch (arrivals) {
            case "poisson" -> kind = LoadSpec.Arrivals.POISSON;
            case "constant" -> kind = LoadSpec.Arrivals.CONSTANT;
            case "closed" -> kind = LoadSpec.Arrivals.CLOSED;
            default -> node.problem("arrivals", "unknown arrivals '" + DiagramLimits.shown(arrivals)
                + "' (poisson, constant, closed)");
        }
        double rate = 0;
        int users = 0;
        long thinkNs = 0;
        List<LoadSpec.Change> schedule = List.of();
        LoadSpec.Diurnal diurnal = LoadSpec.Diurnal.NONE;
        if (kind == LoadSpec.Arrivals.CLOSED) {
            // A closed loop: each user sends a request, waits until it leaves the system, thinks, and sends again.
            if (node.has("rate")) {
                node.problem("rate", "a closed load (users) has no rate: its throughput is an outcome");
            }
            for (final String field : OPEN_ONLY) {
                if (node.has(field)) {
                    node.problem(field, "a closed load (users) has no rate to vary: only open arrivals take "
                        + field);
                }
            }
            users = node.requireInt("users", 1, DiagramLimits.MAX_USERS,
                "is required for closed arrivals: the number of users");
            thinkNs = node.optionalNonNegativeDuration("think", 0);
        } else {
            for (final String field : CLOSED_ONLY) {
                if (node.has(field)) {
                    node.problem(field, "only closed arrivals (users) take " + field);
                }
            }
            rate = node.requireRate("rate", "is required (say 800/s)");
            schedule = ScheduleReader.schedule(node.child("schedule"));
            diurnal = ScheduleReader.diurnal(node.child("diurnal"));
        }
        return new LoadSpec(name, target == null ? -1 : target, targetName, Double.isNaN(rate) ? 0 : rate, kind,
            users, thinkNs, schedule, diurnal, ResilienceReader.rateLimit(node.child("rateLimit")));
    }
}
