package io.tickwire.engine.diagram;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a diagram from YAML (or JSON, which YAML contains) and validates it. Every problem is reported with the
 * path of the field at fault ({@code services[1].latency.mean: must be > 0 (got -5ms)}); unknown fields are
 * refused so that a typo never silently falls back to a default. The format is documented in {@code docs/diagram.md}.
 */
public final class DiagramLoader {
    public static final long DEFAULT_TICK_NS = 50_000_000L;
    public static final long MIN_TICK_NS = 1_000_000L;
    public static final long MAX_TICK_NS = 1_000_000_000L;
    public static final long DEFAULT_CALL_DELAY_NS = 100_000L;
    /** The feed and the journal carry service ids as uint16. */
    public static final int MAX_SERVICES = 4096;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}");
    private static final Set<String> TOP_FIELDS = Set.of("name", "tick", "seed", "services", "load", "partitions");
    private static final Set<String> SERVICE_FIELDS = Set.of("name", "replicas", "concurrency", "latency", "queue",
        "failureRate", "calls", "cost", "fanout", "database");
    private static final Set<String> DATABASE_FIELDS = Set.of("latency", "queries", "connections", "queue",
        "failureRate", "size", "writeBytes", "growth", "cost", "delay");
    private static final Set<String> DATABASE_COST_FIELDS = Set.of("perGBMonth", "perReplicaHour",
        "perMillionRequests");
    private static final Set<String> RETRY_FIELDS = Set.of("attempts", "backoff", "maxBackoff", "jitter");
    public static final int MAX_PARTITIONS = 64;
    public static final long DEFAULT_BACKOFF_NS = 10_000_000L;
    public static final long DEFAULT_MAX_BACKOFF_NS = 1_000_000_000L;
    public static final int DEFAULT_DB_CONNECTIONS = 10;
    public static final long DEFAULT_DB_SIZE = 10L << 30;
    public static final long DEFAULT_DB_WRITE_BYTES = 2L << 10;
    private static final Set<String> COST_FIELDS = Set.of("perReplicaHour", "perMillionRequests");
    private static final Set<String> LATENCY_FIELDS =
        Set.of("distribution", "mean", "sd", "k", "cv", "min", "max", "p50", "p99", "scale", "shape", "points");
    private static final Set<String> CALL_FIELDS = Set.of("to", "probability", "delay", "mode", "timeout", "retry");
    private static final Set<String> LOAD_FIELDS =
        Set.of("name", "target", "rate", "arrivals", "users", "think", "schedule", "diurnal");
    private static final Set<String> CHANGE_FIELDS = Set.of("at", "step", "ramp", "over", "spike", "for");
    /** A schedule change's shapes: the field that names each, in the order the messages list them. */
    private static final List<String> CHANGE_SHAPES = List.of("step", "ramp", "spike");
    private static final Set<String> DIURNAL_FIELDS = Set.of("period", "amplitude", "peak");
    private static final String CHANGE_EXAMPLE = "{at: 60s, step: 800/s}";
    private static final String DIURNAL_EXAMPLE = "{period: 24h, amplitude: 0.5, peak: 14h}";
    /** The diagram's distribution names, in the order the messages list them. */
    private static final Map<String, LatencySpec.Kind> DISTRIBUTIONS = new LinkedHashMap<>();
    /** The fields each family takes besides {@code distribution}, in the order the messages list them. */
    private static final Map<LatencySpec.Kind, List<String>> FAMILY_FIELDS = new EnumMap<>(LatencySpec.Kind.class);
    private static final Pattern PERCENTILE = Pattern.compile("p(\\d{1,3}(?:\\.\\d+)?)");
    private static final String POINTS_EXAMPLE = "{p50: 2ms, p99: 20ms, p100: 60ms}";

    static {
        for (final LatencySpec.Kind kind : LatencySpec.Kind.values()) {
            DISTRIBUTIONS.put(kind.yamlName(), kind);
        }
        FAMILY_FIELDS.put(LatencySpec.Kind.CONSTANT, List.of("mean"));
        FAMILY_FIELDS.put(LatencySpec.Kind.EXPONENTIAL, List.of("mean"));
        FAMILY_FIELDS.put(LatencySpec.Kind.ERLANG, List.of("mean", "k"));
        FAMILY_FIELDS.put(LatencySpec.Kind.HYPEREXPONENTIAL, List.of("mean", "cv"));
        FAMILY_FIELDS.put(LatencySpec.Kind.UNIFORM, List.of("min", "max"));
        FAMILY_FIELDS.put(LatencySpec.Kind.LOGNORMAL, List.of("mean", "sd", "p50", "p99"));
        FAMILY_FIELDS.put(LatencySpec.Kind.PARETO, List.of("scale", "mean", "shape"));
        FAMILY_FIELDS.put(LatencySpec.Kind.EMPIRICAL, List.of("points"));
    }

    /** Returned by {@link #duration} when the field was present but refused (already reported). */
    private static final long INVALID = Long.MIN_VALUE;

    private static final YAMLMapper MAPPER = YAMLMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
    /** JSON is read as JSON: YAML 1.1 refuses the tab indentation that JSON allows. */
    private static final JsonMapper JSON = JsonMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    private final List<String> problems = new ArrayList<>();

    private DiagramLoader() {
    }

    public static Diagram load(final Path path) throws DiagramException, IOException {
        return parse(Files.readString(path, StandardCharsets.UTF_8));
    }

    public static Diagram parse(final String text) throws DiagramException {
        final JsonNode root;
        try {
            root = readTree(text);
        } catch (final JsonProcessingException ex) {
            throw new DiagramException("", "not valid YAML or JSON: " + syntaxError(ex));
        }
        if (root == null || !root.isObject()) {
            throw new DiagramException("", "a diagram is a mapping with name, services and load");
        }
        return new DiagramLoader().read((ObjectNode)root, text);
    }

    /** Text that opens with '{' is tried as JSON first, then as YAML (flow style); the JSON error wins. */
    private static JsonNode readTree(final String text) throws JsonProcessingException {
        final String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (!body.stripLeading().startsWith("{")) {
            return MAPPER.readTree(body);
        }
        try {
            return JSON.readTree(body);
        } catch (final JsonProcessingException jsonEx) {
            try {
                return MAPPER.readTree(body);
            } catch (final JsonProcessingException yamlEx) {
                throw jsonEx;
            }
        }
    }

    /** One line: the parser's own message spans several, with an excerpt of the source. */
    private static String syntaxError(final JsonProcessingException ex) {
        if (ex.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            return yaml.getProblem() + " at line " + (yaml.getProblemMark().getLine() + 1)
                + ", column " + (yaml.getProblemMark().getColumn() + 1);
        }
        final String what = String.valueOf(ex.getOriginalMessage()).replaceAll("\\s+", " ").trim();
        return what + (ex.getLocation() != null
            ? " at line " + ex.getLocation().getLineNr() + ", column " + ex.getLocation().getColumnNr() : "");
    }

    private Diagram read(final ObjectNode root, final String source) throws DiagramException {
        unknownFields(root, "", TOP_FIELDS);
        final String name = name(root, "name", "");
        final long tickNs = duration(root, "tick", "tick", DEFAULT_TICK_NS);
        if (tickNs < MIN_TICK_NS || tickNs > MAX_TICK_NS) {
            problem("tick", "must be between 1ms and 1s (got " + Units.formatNs(tickNs) + ")");
        }
        long seed = Diagram.NO_SEED;
        final JsonNode seedNode = root.get("seed");
        if (seedNode != null) {
            if (seedNode.isIntegralNumber() && seedNode.canConvertToLong()) {
                seed = seedNode.asLong();
            } else {
                problem("seed", "must be an integer");
            }
        }

        int partitions = Diagram.DEFAULT_PARTITIONS;
        final JsonNode partitionsNode = root.get("partitions");
        if (partitionsNode != null) {
            if (partitionsNode.isIntegralNumber() && partitionsNode.canConvertToInt() && partitionsNode.asInt() >= 1
                && partitionsNode.asInt() <= MAX_PARTITIONS) {
                partitions = partitionsNode.asInt();
            } else {
                problem("partitions", "must be an integer in [1, " + MAX_PARTITIONS + "] (got " + partitionsNode + ")");
            }
        }

        final JsonNode servicesNode = root.get("services");
        final List<JsonNode> serviceNodes = list(servicesNode, "services", true);
        if (serviceNodes.size() > MAX_SERVICES) {
            problem("services", "at most " + MAX_SERVICES + " services (got " + serviceNodes.size() + ")");
        }
        final Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < serviceNodes.size(); i++) {
            final JsonNode node = serviceNodes.get(i);
            final String sName = node.isObject() ? name(node, "name", "services[" + i + "]") : null;
            if (sName != null && ids.putIfAbsent(sName, i) != null) {
                problem("services[" + i + "].name", "duplicate service name '" + sName + "'");
            }
        }

        // Attached databases are implicit services '<service>.db', numbered after the diagram's own services so that
        // their ids do not move.
        final Map<Integer, Integer> databaseOf = new HashMap<>();
        for (int i = 0; i < serviceNodes.size(); i++) {
            final JsonNode node = serviceNodes.get(i);
            final String sName = node.isObject() ? node.path("name").asText(null) : null;
            if (sName != null && node.has("database") && ids.get(sName) == i) {
                final String dbName = sName + ".db";
                final int dbId = serviceNodes.size() + databaseOf.size();
                if (ids.putIfAbsent(dbName, dbId) != null) {
                    problem("services[" + i + "].database", "its implicit service '" + dbName
                        + "' clashes with a service of that name");
                } else {
                    databaseOf.put(i, dbId);
                }
            }
        }
        if (serviceNodes.size() + databaseOf.size() > MAX_SERVICES) {
            problem("services", "at most " + MAX_SERVICES + " services, databases included (got "
                + (serviceNodes.size() + databaseOf.size()) + ")");
        }

        final List<ServiceSpec> services = new ArrayList<>();
        final List<ServiceSpec> databases = new ArrayList<>();
        for (int i = 0; i < serviceNodes.size(); i++) {
            services.add(service(serviceNodes.get(i), i, "services[" + i + "]", ids, databaseOf.get(i), databases));
        }
        services.addAll(databases);

        final List<LoadSpec> load = new ArrayList<>();
        final List<JsonNode> loadNodes = list(root.get("load"), "load", true);
        for (int i = 0; i < loadNodes.size(); i++) {
            load.add(load(loadNodes.get(i), i, "load[" + i + "]", ids));
        }
        // Entry points are reported by name: two sources of one name would be one line in a report.
        final Map<String, Integer> loadNames = new HashMap<>();
        for (int i = 0; i < load.size(); i++) {
            final LoadSpec l = load.get(i);
            if (l != null && l.name() != null && loadNames.putIfAbsent(l.name(), i) != null) {
                problem("load[" + i + "].name", "duplicate load name '" + l.name() + "' (a load is named after its "
                    + "target unless it has a name: give each load on one service its own)");
            }
        }

        if (!problems.isEmpty()) {
            throw new DiagramException(problems);
        }
        checkSyncCalls(services);
        if (!problems.isEmpty()) {
            throw new DiagramException(problems);
        }
        checkEveryRequestCanLeave(services, load);
        checkClosedLoadsCanBeRefused(services, load);
        if (!problems.isEmpty()) {
            throw new DiagramException(problems);
        }
        return new Diagram(name, tickNs, seed, services, load, source, partitions);
    }

    /**
     * A service reached by a sync call answers its caller when done, so it may not also send the request on (no
     * forward calls); and sync calls may not form a cycle (a caller would wait, server held, on itself).
     */
    private void checkSyncCalls(final List<ServiceSpec> services) {
        final int n = services.size();
        final String[] syncCaller = new String[n];
        for (final ServiceSpec s : services) {
            for (final CallSpec c : s.calls()) {
                if (c.isSync() && syncCaller[c.target()] == null) {
                    syncCaller[c.target()] = s.name();
                }
            }
        }
        for (final ServiceSpec s : services) {
            if (syncCaller[s.id()] == null) {
                continue;
            }
            for (int c = 0; c < s.calls().size(); c++) {
                if (!s.calls().get(c).isSync()) {
                    problem(pathOfCall(s, c) + ".mode", "'" + s.name() + "' answers sync calls (from '"
                        + syncCaller[s.id()] + "'), so it cannot forward the request: make this call sync");
                    break;
                }
            }
        }
        // Depth-first over sync calls; a call to a service on the current path closes a cycle.
        final int[] state = new int[n]; // 0 new, 1 on the path, 2 done
        final int[] via = new int[n];
        for (int root = 0; root < n; root++) {
            if (state[root] == 0 && syncCycle(services, root, state, via)) {
                return;
            }
        }
    }

    private boolean syncCycle(final List<ServiceSpec> services, final int s, final int[] state, final int[] via) {
        state[s] = 1;
        final List<CallSpec> calls = services.get(s).calls();
        for (int c = 0; c < calls.size(); c++) {
            final CallSpec call = calls.get(c);
            if (!call.isSync()) {
                continue;
            }
            final int t = call.target();
            if (state[t] == 1) {
                final List<String> cycle = new ArrayList<>();
                cycle.add(services.get(t).name());
                for (int u = s; u != t; u = via[u]) {
                    cycle.add(1, services.get(u).name());
                }
                cycle.add(services.get(t).name());
                problem(pathOfCall(services.get(s), c), "sync calls form a cycle: " + String.join(" -> ", cycle)
                    + " (each caller would wait on itself)");
                return true;
            }
            if (state[t] == 0) {
                via[t] = s;
                if (syncCycle(services, t, state, via)) {
                    return true;
                }
            }
        }
        state[s] = 2;
        return false;
    }

    /** The field path of a service's call {@code c} (a database's implicit calls are its owner's database). */
    private static String pathOfCall(final ServiceSpec s, final int c) {
        if (c < s.databaseCalls()) {
            return "services[" + s.id() + "].database";
        }
        return "services[" + s.id() + "].calls[" + (c - s.databaseCalls()) + "]";
    }

    /**
     * A request leaves the system when a service's calls leave it probability to go nowhere, or when it fails. A
     * service from which no chain of calls reaches such an exit sends every request round a cycle for ever (the
     * routing matrix has spectral radius 1): refuse it, naming the first such service that load reaches.
     */
    /**
     * A closed user whose request is rejected thinks, then sends again: with no think time that is a new request at
     * the same instant, rejected again, for ever (simulated time would stop). Refuse a closed load with {@code think: 0}
     * that can reach a bounded queue.
     */
    private void checkClosedLoadsCanBeRefused(final List<ServiceSpec> services, final List<LoadSpec> load) {
        for (int i = 0; i < load.size(); i++) {
            final LoadSpec l = load.get(i);
            if (l.arrivals() != LoadSpec.Arrivals.CLOSED || l.thinkNs() > 0) {
                continue;
            }
            final boolean[] seen = new boolean[services.size()];
            final java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
            work.add(l.target());
            while (!work.isEmpty()) {
                final int s = work.poll();
                if (seen[s]) {
                    continue;
                }
                seen[s] = true;
                if (services.get(s).queueCapacity() != ServiceSpec.UNBOUNDED) {
                    problem("load[" + i + "].think", "must be > 0: '" + services.get(s).name() + "' has a bounded "
                        + "queue, and a user rejected there would retry at the same instant for ever");
                    break;
                }
                for (final CallSpec c : services.get(s).calls()) {
                    work.add(c.target());
                }
            }
        }
    }

    private void checkEveryRequestCanLeave(final List<ServiceSpec> services, final List<LoadSpec> load) {
        final int n = services.size();
        final boolean[] canLeave = new boolean[n];
        final java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        for (final ServiceSpec s : services) {
            double sum = 0;
            for (final CallSpec c : s.forwardCalls()) {
                sum += c.probability();
            }
            if (sum < 1.0 - 1e-9 || s.failureRate() > 0) {
                canLeave[s.id()] = true;
                work.add(s.id());
            }
        }
        // Backwards along calls: a service that may call one that can leave can leave too.
        while (!work.isEmpty()) {
            final int exit = work.poll();
            for (final ServiceSpec s : services) {
                if (!canLeave[s.id()]) {
                    for (final CallSpec c : s.forwardCalls()) {
                        if (c.target() == exit) {
                            canLeave[s.id()] = true;
                            work.add(s.id());
                            break;
                        }
                    }
                }
            }
        }
        final boolean[] reached = new boolean[n];
        for (final LoadSpec l : load) {
            work.add(l.target());
        }
        while (!work.isEmpty()) {
            final int s = work.poll();
            if (reached[s]) {
                continue;
            }
            reached[s] = true;
            if (!canLeave[s]) {
                problem("services[" + s + "].calls", "every request reaching '" + services.get(s).name()
                    + "' cycles through calls for ever: no call chain from it ends (add probability to leave, "
                    + "calls summing below 1, or a failureRate)");
                return;
            }
            for (final CallSpec c : services.get(s).forwardCalls()) {
                work.add(c.target());
            }
        }
    }

    private ServiceSpec service(final JsonNode node, final int id, final String path, final Map<String, Integer> ids,
                                final Integer databaseId, final List<ServiceSpec> databases) {
        if (!node.isObject()) {
            problem(path, "must be a mapping with name and latency");
            return null;
        }
        unknownFields(node, path, SERVICE_FIELDS);
        final String name = node.path("name").asText(null);
        final int replicas = positiveInt(node, "replicas", path, 1);
        final int concurrency = positiveInt(node, "concurrency", path, 1);
        if ((long)replicas * concurrency > Integer.MAX_VALUE / 2) {
            problem(path, "replicas x concurrency is too large");
        }
        final LatencySpec latency = latency(node.get("latency"), path + ".latency");

        int queueCapacity = ServiceSpec.UNBOUNDED;
        final JsonNode queue = node.get("queue");
        if (queue != null) {
            if (queue.isTextual() && "unbounded".equals(queue.asText())) {
                queueCapacity = ServiceSpec.UNBOUNDED;
            } else if (queue.isIntegralNumber() && queue.canConvertToInt() && queue.asInt() >= 0) {
                queueCapacity = queue.asInt();
            } else {
                problem(path + ".queue", "must be a capacity >= 0 or 'unbounded' (got " + queue + ")");
            }
        }

        final double failureRate = probability(node, "failureRate", path, 0.0, true);

        final List<CallSpec> calls = new ArrayList<>();
        int databaseCalls = 0;
        final JsonNode dbNode = node.get("database");
        if (dbNode != null && databaseId != null) {
            final ServiceSpec db = database(dbNode, databaseId, name, path + ".database");
            if (db != null) {
                databases.add(db);
                final long delay = duration(dbNode, "delay", path + ".database.delay", DEFAULT_CALL_DELAY_NS);
                if (delay < 0) {
                    problem(path + ".database.delay", "must be >= 0 (got " + Units.formatNs(delay) + ")");
                }
                databaseCalls = queries(dbNode, path + ".database");
                for (int q = 0; q < databaseCalls; q++) {
                    calls.add(new CallSpec(databaseId, db.name(), 1.0, delay, CallSpec.Mode.SYNC, CallSpec.NO_TIMEOUT,
                        RetrySpec.NONE));
                }
            }
        }
        final List<JsonNode> callNodes = list(node.get("calls"), path + ".calls", false);
        double sum = 0;
        for (int c = 0; c < callNodes.size(); c++) {
            final String cPath = path + ".calls[" + c + "]";
            final JsonNode call = callNodes.get(c);
            if (!call.isObject()) {
                problem(cPath, "must be a mapping with 'to'");
                continue;
            }
            unknownFields(call, cPath, CALL_FIELDS);
            final String to = call.path("to").asText(null);
            Integer target = null;
            if (to == null || !call.get("to").isTextual()) {
                problem(cPath + ".to", "is required: the name of the called service");
            } else if ((target = ids.get(to)) == null) {
                problem(cPath + ".to", "unknown service '" + to + "'");
            }
            CallSpec.Mode mode = CallSpec.Mode.FORWARD;
            final JsonNode modeNode = call.get("mode");
            if (modeNode != null) {
                switch (modeNode.asText()) {
                    case "forward" -> mode = CallSpec.Mode.FORWARD;
                    case "sync" -> mode = CallSpec.Mode.SYNC;
                    default -> problem(cPath + ".mode", "must be forward or sync (got " + modeNode + ")");
                }
            }
            final int before = problems.size();
            final double p = probability(call, "probability", cPath, 1.0, false);
            if (problems.size() == before && mode == CallSpec.Mode.FORWARD) {
                sum += p;
            }
            final long delay = duration(call, "delay", cPath + ".delay", DEFAULT_CALL_DELAY_NS);
            if (delay < 0) {
                problem(cPath + ".delay", "must be >= 0 (got " + Units.formatNs(delay) + ")");
            }
            long timeout = CallSpec.NO_TIMEOUT;
            RetrySpec retry = RetrySpec.NONE;
            if (mode == CallSpec.Mode.SYNC) {
                if (call.has("timeout")) {
                    timeout = positiveDuration(call, "timeout", cPath, "");
                }
                retry = retry(call.get("retry"), cPath + ".retry");
            } else {
                for (final String field : new String[] {"timeout", "retry"}) {
                    if (call.has(field)) {
                        problem(cPath + "." + field, "only a sync call takes " + field
                            + ": a forward call does not wait for an answer");
                    }
                }
            }
            if (target != null) {
                calls.add(new CallSpec(target, to, p, delay, mode, timeout == INVALID ? CallSpec.NO_TIMEOUT : timeout,
                    retry));
            }
        }
        if (sum > 1.0 + 1e-9) {
            problem(path + ".calls", "forward probabilities sum to " + Math.round(sum * 1e9) / 1e9
                + ", more than 1");
        }
        ServiceSpec.Fanout fanout = ServiceSpec.Fanout.SEQUENTIAL;
        final JsonNode fanoutNode = node.get("fanout");
        if (fanoutNode != null) {
            switch (fanoutNode.asText()) {
                case "sequential" -> fanout = ServiceSpec.Fanout.SEQUENTIAL;
                case "parallel" -> fanout = ServiceSpec.Fanout.PARALLEL;
                default -> problem(path + ".fanout", "must be sequential or parallel (got " + fanoutNode + ")");
            }
        }
        final CostSpec cost = cost(node.get("cost"), path + ".cost");
        return new ServiceSpec(id, name, replicas, concurrency, latency, queueCapacity, failureRate, calls, cost,
            fanout, databaseCalls, null);
    }

    private int queries(final JsonNode node, final String path) {
        final JsonNode value = node.get("queries");
        if (value == null) {
            return 1;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 0 || value.asInt() > 1000) {
            problem(path + ".queries", "must be an integer in [0, 1000] (got " + value + ")");
            return 0;
        }
        return value.asInt();
    }

    /** A sync call's retry policy; {@link RetrySpec#NONE} when absent or refused. */
    private RetrySpec retry(final JsonNode node, final String path) {
        if (node == null) {
            return RetrySpec.NONE;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping such as {attempts: 2, backoff: 10ms} (got " + node + ")");
            return RetrySpec.NONE;
        }
        unknownFields(node, path, RETRY_FIELDS);
        final int before = problems.size();
        final JsonNode attemptsNode = node.get("attempts");
        int attempts = 0;
        if (attemptsNode == null) {
            problem(path + ".attempts", "is required: how many times to retry after the first try");
        } else if (!attemptsNode.isIntegralNumber() || !attemptsNode.canConvertToInt() || attemptsNode.asInt() < 0
            || attemptsNode.asInt() > 100) {
            problem(path + ".attempts", "must be an integer in [0, 100] (got " + attemptsNode + ")");
        } else {
            attempts = attemptsNode.asInt();
        }
        final long backoff = duration(node, "backoff", path + ".backoff", DEFAULT_BACKOFF_NS);
        if (backoff < 0) {
            problem(path + ".backoff", "must be >= 0 (got " + Units.formatNs(backoff) + ")");
        }
        final long maxBackoff = duration(node, "maxBackoff", path + ".maxBackoff", Math.max(DEFAULT_MAX_BACKOFF_NS,
            backoff));
        if (maxBackoff < backoff) {
            problem(path + ".maxBackoff", "must be >= backoff, " + Units.formatNs(backoff) + " (got "
                + Units.formatNs(maxBackoff) + ")");
        }
        boolean jitter = true;
        final JsonNode jitterNode = node.get("jitter");
        if (jitterNode != null) {
            switch (jitterNode.asText()) {
                case "full" -> jitter = true;
                case "none" -> jitter = false;
                default -> problem(path + ".jitter", "must be full or none (got " + jitterNode + ")");
            }
        }
        return problems.size() == before ? new RetrySpec(attempts, backoff, maxBackoff, jitter) : RetrySpec.NONE;
    }

    /** The implicit service of a database attached to service {@code owner}; null when refused. */
    private ServiceSpec database(final JsonNode node, final int id, final String owner, final String path) {
        if (!node.isObject()) {
            problem(path, "must be a mapping such as {latency: {distribution: exponential, mean: 2ms}} (got " + node
                + ")");
            return null;
        }
        unknownFields(node, path, DATABASE_FIELDS);
        final int before = problems.size();
        final LatencySpec latency = latency(node.get("latency"), path + ".latency");
        final int connections = positiveInt(node, "connections", path, DEFAULT_DB_CONNECTIONS);
        int queueCapacity = ServiceSpec.UNBOUNDED;
        final JsonNode queue = node.get("queue");
        if (queue != null) {
            if (queue.isTextual() && "unbounded".equals(queue.asText())) {
                queueCapacity = ServiceSpec.UNBOUNDED;
            } else if (queue.isIntegralNumber() && queue.canConvertToInt() && queue.asInt() >= 0) {
                queueCapacity = queue.asInt();
            } else {
                problem(path + ".queue", "must be a capacity >= 0 or 'unbounded' (got " + queue + ")");
            }
        }
        final double failureRate = probability(node, "failureRate", path, 0.0, true);
        final long size = bytes(node, "size", path, DEFAULT_DB_SIZE);
        final long writeBytes = bytes(node, "writeBytes", path, DEFAULT_DB_WRITE_BYTES);
        double growth = 0;
        final JsonNode growthNode = node.get("growth");
        if (growthNode != null) {
            try {
                growth = Units.parseBytesPerDay(growthNode.asText());
            } catch (final IllegalArgumentException ex) {
                problem(path + ".growth", ex.getMessage());
            }
        }
        double perGBMonth = 0;
        CostSpec cost = CostSpec.NONE;
        final JsonNode costNode = node.get("cost");
        if (costNode != null) {
            if (!costNode.isObject()) {
                problem(path + ".cost", "must be a mapping {perGBMonth, perReplicaHour, perMillionRequests} (got "
                    + costNode + ")");
            } else {
                unknownFields(costNode, path + ".cost", DATABASE_COST_FIELDS);
                perGBMonth = price(costNode, "perGBMonth", path + ".cost");
                cost = new CostSpec(price(costNode, "perReplicaHour", path + ".cost"),
                    price(costNode, "perMillionRequests", path + ".cost"));
            }
        }
        if (problems.size() != before) {
            return null;
        }
        return new ServiceSpec(id, owner + ".db", 1, connections, latency, queueCapacity, failureRate, List.of(), cost,
            ServiceSpec.Fanout.SEQUENTIAL, 0, new DatabaseSpec(size, writeBytes, growth, perGBMonth));
    }

    private long bytes(final JsonNode node, final String field, final String parent, final long dflt) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return dflt;
        }
        try {
            return Units.parseBytes(value.asText());
        } catch (final IllegalArgumentException ex) {
            problem(parent + "." + field, ex.getMessage());
            return dflt;
        }
    }

    private CostSpec cost(final JsonNode node, final String path) {
        if (node == null) {
            return CostSpec.NONE;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping {perReplicaHour, perMillionRequests} (got " + node + ")");
            return CostSpec.NONE;
        }
        unknownFields(node, path, COST_FIELDS);
        return new CostSpec(price(node, "perReplicaHour", path), price(node, "perMillionRequests", path));
    }

    /** A price in the diagram's currency unit: a plain number >= 0. */
    private double price(final JsonNode node, final String field, final String parent) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return 0;
        }
        if (!value.isNumber() || !(value.asDouble() >= 0) || Double.isInfinite(value.asDouble())) {
            problem(parent + "." + field, "must be a number >= 0, in the diagram's currency unit (got " + value + ")");
            return 0;
        }
        return value.asDouble();
    }

    private LatencySpec latency(final JsonNode node, final String path) {
        if (node == null) {
            problem(path, "is required: {distribution, mean[, sd]}");
            return null;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping {distribution, mean[, sd]} (got " + node + ")");
            return null;
        }
        final String dist = node.path("distribution").asText("exponential");
        final LatencySpec.Kind kind = DISTRIBUTIONS.get(dist);
        if (kind == null) {
            unknownFields(node, path, LATENCY_FIELDS);
            problem(path + ".distribution", "unknown distribution '" + dist + "' ("
                + String.join(", ", DISTRIBUTIONS.keySet()) + ")");
            return null;
        }
        final int before = problems.size();
        final List<String> takes = FAMILY_FIELDS.get(kind);
        for (final Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            final String field = it.next();
            if (!"distribution".equals(field) && !takes.contains(field)) {
                problem(path + "." + field, LATENCY_FIELDS.contains(field) ? notTaken(kind, field)
                    : "unknown field (expected one of " + sorted(takes, "distribution") + ")");
            }
        }
        final LatencySpec spec = switch (kind) {
            case CONSTANT, EXPONENTIAL, ERLANG, HYPEREXPONENTIAL -> meanFamily(kind, node, path);
            case UNIFORM -> uniform(node, path);
            case LOGNORMAL -> lognormal(node, path);
            case PARETO -> pareto(node, path);
            case EMPIRICAL -> empirical(node, path);
        };
        // A spec is only built from values that passed: its constructor would refuse the others.
        return problems.size() == before ? spec : null;
    }

    /** Constant, exponential, erlang (+ k) and hyperexponential (+ cv): the families given by their mean. */
    private LatencySpec meanFamily(final LatencySpec.Kind kind, final JsonNode node, final String path) {
        final long mean = positiveDuration(node, "mean", path, "is required");
        return switch (kind) {
            case CONSTANT -> mean == INVALID ? null : LatencySpec.constant(mean);
            case EXPONENTIAL -> mean == INVALID ? null : LatencySpec.exponential(mean);
            case ERLANG -> {
                final JsonNode k = node.get("k");
                if (k == null) {
                    problem(path + ".k", "is required for an erlang distribution: the number of phases");
                    yield null;
                }
                if (!k.isIntegralNumber() || !k.canConvertToInt() || k.asInt() < 1
                    || k.asInt() > LatencySpec.MAX_ERLANG_K) {
                    problem(path + ".k", "must be an integer from 1 to " + LatencySpec.MAX_ERLANG_K
                        + " (got " + k + ")");
                    yield null;
                }
                yield mean == INVALID ? null : LatencySpec.erlang(mean, k.asInt());
            }
            case HYPEREXPONENTIAL -> {
                final double cv = number(node, "cv", path, kind);
                if (!Double.isNaN(cv) && !(cv > 1)) {
                    problem(path + ".cv", "must be > 1 (got " + node.get("cv") + "): cv 1 is the exponential, "
                        + "below 1 use erlang");
                    yield null;
                }
                if (!Double.isNaN(cv) && !Double.isFinite(cv * cv)) {
                    problem(path + ".cv", "is too large (got " + node.get("cv") + ")");
                    yield null;
                }
                yield mean == INVALID || Double.isNaN(cv) ? null : LatencySpec.hyperexponential(mean, cv);
            }
            default -> throw new IllegalStateException(kind.name());
        };
    }

    private LatencySpec uniform(final JsonNode node, final String path) {
        final String required = "is required for a uniform distribution";
        long min = duration(node, "min", path + ".min", INVALID);
        if (!node.has("min")) {
            problem(path + ".min", required);
        } else if (min != INVALID && min < 0) {
            problem(path + ".min", "must be >= 0 (got " + node.get("min").asText() + ")");
            min = INVALID;
        }
        long max = duration(node, "max", path + ".max", INVALID);
        if (!node.has("max")) {
            problem(path + ".max", required);
        } else if (max != INVALID && min != INVALID && max <= min) {
            problem(path + ".max", "must be > min = " + node.get("min").asText()
                + " (got " + node.get("max").asText() + ")");
            max = INVALID;
        } else if (max != INVALID && max <= 0) {
            problem(path + ".max", "must be > 0 (got " + node.get("max").asText() + ")");
            max = INVALID;
        }
        return min == INVALID || max == INVALID ? null : LatencySpec.uniform(min, max);
    }

    /** Either mean and sd (the original form) or p50 and p99, never a mix. */
    private LatencySpec lognormal(final JsonNode node, final String path) {
        if (node.has("p50") || node.has("p99")) {
            if (node.has("mean") || node.has("sd")) {
                problem(path + "." + (node.has("p50") ? "p50" : "p99"),
                    "give either mean and sd, or p50 and p99, not both");
                return null;
            }
            final long p50 = positiveDuration(node, "p50", path, "is required with p99");
            final long p99 = positiveDuration(node, "p99", path, "is required with p50");
            if (p50 != INVALID && p99 != INVALID && p99 <= p50) {
                problem(path + ".p99", "must be > p50 = " + node.get("p50").asText()
                    + " (got " + node.get("p99").asText() + ")");
                return null;
            }
            return p50 == INVALID || p99 == INVALID ? null : LatencySpec.lognormalByPercentiles(p50, p99);
        }
        final long mean = positiveDuration(node, "mean", path, "is required (or give p50 and p99)");
        final long sd = positiveDuration(node, "sd", path, "is required for a lognormal distribution");
        return mean == INVALID || sd == INVALID ? null : LatencySpec.lognormal(mean, sd);
    }

    /** Shape, and either scale (x_m) or mean. */
    private LatencySpec pareto(final JsonNode node, final String path) {
        final double shape = number(node, "shape", path, LatencySpec.Kind.PARETO);
        if (!Double.isNaN(shape) && !(shape > 1)) {
            problem(path + ".shape", "must be > 1, or the mean is infinite (got " + node.get("shape") + ")");
            return null;
        }
        if (node.has("scale") && node.has("mean")) {
            problem(path + ".mean", "give either scale or mean, not both");
            return null;
        }
        if (node.has("mean")) {
            final long mean = positiveDuration(node, "mean", path, "is required");
            return mean == INVALID || Double.isNaN(shape) ? null : LatencySpec.paretoByMean(mean, shape);
        }
        final long scale = positiveDuration(node, "scale", path,
            "is required for a pareto distribution (or give mean)");
        return scale == INVALID || Double.isNaN(shape) ? null : LatencySpec.pareto(scale, shape);
    }

    /**
     * Points {p50: 2ms, ..., p100: 60ms}, written in increasing percentile order with increasing values; p100 is
     * required (the largest service time) and p0 defaults to 0.
     */
    private LatencySpec empirical(final JsonNode node, final String path) {
        final String pointsPath = path + ".points";
        final JsonNode points = node.get("points");
        if (points == null) {
            problem(pointsPath, "is required for an empirical distribution, e.g. " + POINTS_EXAMPLE);
            return null;
        }
        if (!points.isObject()) {
            problem(pointsPath, "must be a mapping from percentile to duration, e.g. " + POINTS_EXAMPLE
                + " (got " + points + ")");
            return null;
        }
        final List<Double> percents = new ArrayList<>();
        final List<Long> values = new ArrayList<>();
        double lastPercent = -1;
        String lastKey = null;
        long lastValue = INVALID;
        String lastValueKey = null;
        for (final Iterator<String> it = points.fieldNames(); it.hasNext(); ) {
            final String key = it.next();
            final String keyPath = pointsPath + "." + key;
            final Matcher m = PERCENTILE.matcher(key);
            final double percent = m.matches() ? Double.parseDouble(m.group(1)) : Double.NaN;
            if (!(percent <= 100)) {
                problem(keyPath, "not a percentile: write p0 to p100, e.g. p50, p99.9");
                continue;
            }
            if (percent <= lastPercent) {
                problem(keyPath, "percentiles must increase: " + key + " comes after " + lastKey);
                continue;
            }
            if (percents.isEmpty() && percent > 0) {
                // p0 defaults to 0: a service time is never negative.
                percents.add(0.0);
                values.add(0L);
                lastValue = 0;
                lastValueKey = "p0 = 0 (the default)";
            }
            lastPercent = percent;
            lastKey = key;
            final long value = duration(points, key, keyPath, INVALID);
            if (value == INVALID) {
                continue;
            }
            final String raw = points.get(key).asText();
            if (value < 0) {
                problem(keyPath, "must be >= 0 (got " + raw + ")");
            } else if (lastValue != INVALID && value <= lastValue) {
                problem(keyPath, "must be > " + lastValueKey + ": values increase with the percentile (got "
                    + raw + ")");
            } else {
                percents.add(percent);
                values.add(value);
                lastValue = value;
                lastValueKey = key + " = " + raw;
            }
        }
        if (lastPercent != 100) {
            problem(pointsPath + ".p100", "is required: the largest service time");
        }
        if (percents.size() < 2 || percents.get(percents.size() - 1) != 100.0) {
            return null;
        }
        final double[] p = new double[percents.size()];
        final long[] v = new long[values.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = percents.get(i);
            v[i] = values.get(i);
        }
        return LatencySpec.empirical(p, v);
    }

    /**
     * @return the duration, or {@link #INVALID} after reporting it missing ({@code required}), malformed or <= 0.
     */
    private long positiveDuration(final JsonNode node, final String field, final String parent,
                                  final String required) {
        final String path = parent + "." + field;
        if (!node.has(field)) {
            problem(path, required);
            return INVALID;
        }
        final long value = duration(node, field, path, INVALID);
        if (value != INVALID && value <= 0) {
            problem(path, "must be > 0 (got " + node.get(field).asText() + ")");
            return INVALID;
        }
        return value;
    }

    /** @return a finite plain number, or NaN after reporting it missing or malformed. */
    private double number(final JsonNode node, final String field, final String parent,
                          final LatencySpec.Kind kind) {
        final String path = parent + "." + field;
        final JsonNode value = node.get(field);
        if (value == null) {
            problem(path, "is required for " + kind.withArticle() + " distribution");
            return Double.NaN;
        }
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            problem(path, "must be a number (got " + value + ")");
            return Double.NaN;
        }
        return value.asDouble();
    }

    /** The message for a latency field that another family takes. */
    private static String notTaken(final LatencySpec.Kind kind, final String field) {
        final List<LatencySpec.Kind> owners = new ArrayList<>();
        FAMILY_FIELDS.forEach((k, fields) -> {
            if (fields.contains(field)) {
                owners.add(k);
            }
        });
        if (owners.size() == 1) {
            return "only " + owners.get(0).withArticle() + " distribution takes " + field;
        }
        return kind.withArticle() + " distribution takes " + String.join(" and ", FAMILY_FIELDS.get(kind))
            + ", not " + field;
    }

    private static List<String> sorted(final List<String> fields, final String also) {
        final List<String> all = new ArrayList<>(fields);
        all.add(also);
        all.sort(null);
        return all;
    }

    private LoadSpec load(final JsonNode node, final int i, final String path, final Map<String, Integer> ids) {
        if (!node.isObject()) {
            problem(path, "must be a mapping with target and rate");
            return null;
        }
        unknownFields(node, path, LOAD_FIELDS);
        final String targetName = node.path("target").asText(null);
        Integer target = null;
        if (targetName == null || !node.get("target").isTextual()) {
            problem(path + ".target", "is required: the name of the service the load calls");
        } else if ((target = ids.get(targetName)) == null) {
            problem(path + ".target", "unknown service '" + targetName + "'");
        }
        final String name = node.has("name") ? name(node, "name", path) : (targetName == null ? "load" + i : targetName);
        final String arrivals = node.path("arrivals").asText(node.has("users") ? "closed" : "poisson");
        LoadSpec.Arrivals kind = LoadSpec.Arrivals.POISSON;
        switch (arrivals) {
            case "poisson" -> kind = LoadSpec.Arrivals.POISSON;
            case "constant" -> kind = LoadSpec.Arrivals.CONSTANT;
            case "closed" -> kind = LoadSpec.Arrivals.CLOSED;
            default -> problem(path + ".arrivals", "unknown arrivals '" + arrivals + "' (poisson, constant, closed)");
        }
        double rate = 0;
        int users = 0;
        long thinkNs = 0;
        List<LoadSpec.Change> schedule = List.of();
        LoadSpec.Diurnal diurnal = LoadSpec.Diurnal.NONE;
        if (kind == LoadSpec.Arrivals.CLOSED) {
            // A closed loop: each user sends a request, waits until it leaves the system, thinks, and sends again.
            if (node.has("rate")) {
                problem(path + ".rate", "a closed load (users) has no rate: its throughput is an outcome");
            }
            for (final String field : new String[] {"schedule", "diurnal"}) {
                if (node.has(field)) {
                    problem(path + "." + field, "a closed load (users) has no rate to vary: only open arrivals take "
                        + field);
                }
            }
            final JsonNode usersNode = node.get("users");
            if (usersNode == null) {
                problem(path + ".users", "is required for closed arrivals: the number of users");
            } else if (!usersNode.isIntegralNumber() || !usersNode.canConvertToInt() || usersNode.asInt() < 1) {
                problem(path + ".users", "must be an integer >= 1 (got " + usersNode + ")");
            } else {
                users = usersNode.asInt();
            }
            thinkNs = duration(node, "think", path + ".think", 0);
            if (thinkNs < 0) {
                problem(path + ".think", "must be >= 0 (got " + Units.formatNs(thinkNs) + ")");
            }
        } else {
            for (final String field : new String[] {"users", "think"}) {
                if (node.has(field)) {
                    problem(path + "." + field, "only closed arrivals (users) take " + field);
                }
            }
            rate = rate(node, "rate", path, "is required (say 800/s)");
            schedule = schedule(node.get("schedule"), path + ".schedule");
            diurnal = diurnal(node.get("diurnal"), path + ".diurnal");
        }
        return new LoadSpec(name, target == null ? -1 : target, targetName, Double.isNaN(rate) ? 0 : rate, kind,
            users, thinkNs, schedule, diurnal);
    }

    /**
     * An open load's changes of rate, applied in order: each starts strictly after the previous one starts and not
     * before it ends (a ramp or spike), so that the rate before each change is a single level.
     */
    private List<LoadSpec.Change> schedule(final JsonNode node, final String path) {
        final List<LoadSpec.Change> changes = new ArrayList<>();
        final List<JsonNode> nodes = list(node, path, false);
        long previousAt = INVALID;
        long previousEnd = INVALID;
        String previous = null;
        for (int c = 0; c < nodes.size(); c++) {
            final String label = "schedule[" + c + "]";
            final String cPath = path + "[" + c + "]";
            final JsonNode entry = nodes.get(c);
            if (!entry.isObject()) {
                problem(cPath, "must be a mapping such as " + CHANGE_EXAMPLE + " (got " + entry + ")");
                continue;
            }
            unknownFields(entry, cPath, CHANGE_FIELDS);
            final int before = problems.size();

            final List<String> shapes = new ArrayList<>();
            for (final String shape : CHANGE_SHAPES) {
                if (entry.has(shape)) {
                    shapes.add(shape);
                }
            }
            if (shapes.isEmpty()) {
                problem(cPath, "give one of step, ramp or spike, e.g. " + CHANGE_EXAMPLE);
            } else if (shapes.size() > 1) {
                problem(cPath + "." + shapes.get(1), "give only one of step, ramp or spike (got "
                    + String.join(" and ", shapes) + ")");
            }
            final String shapeField = shapes.isEmpty() ? null : shapes.get(0);
            final LoadSpec.Shape shape = shapeField == null ? null : switch (shapeField) {
                case "step" -> LoadSpec.Shape.STEP;
                case "ramp" -> LoadSpec.Shape.RAMP;
                default -> LoadSpec.Shape.SPIKE;
            };

            long at = INVALID;
            if (!entry.has("at")) {
                problem(cPath + ".at", "is required: when the change starts, from the start of the run (e.g. 60s)");
            } else {
                at = duration(entry, "at", cPath + ".at", INVALID);
                if (at != INVALID && at < 0) {
                    problem(cPath + ".at", "must be >= 0 (got " + entry.get("at").asText() + ")");
                    at = INVALID;
                }
            }
            final double rate = shapeField == null ? Double.NaN : rate(entry, shapeField, cPath, "");

            long durationNs = 0;
            if (shape == LoadSpec.Shape.RAMP) {
                durationNs = positiveDuration(entry, "over", cPath,
                    "is required for a ramp: how long it takes to reach the rate, e.g. 60s");
            } else if (entry.has("over")) {
                problem(cPath + ".over", "only a ramp takes over");
            }
            if (shape == LoadSpec.Shape.SPIKE) {
                durationNs = positiveDuration(entry, "for", cPath,
                    "is required for a spike: how long it lasts, e.g. 10s");
            } else if (entry.has("for")) {
                problem(cPath + ".for", "only a spike takes for");
            }

            if (at != INVALID && previousAt != INVALID) {
                final String got = " (got " + entry.get("at").asText() + ")";
                if (at <= previousAt) {
                    problem(cPath + ".at", "must be after " + previous + ".at = " + Units.formatNs(previousAt)
                        + ": changes are applied in order" + got);
                } else if (previousEnd != INVALID && at < previousEnd) {
                    problem(cPath + ".at", "must be >= " + Units.formatNs(previousEnd) + ", the end of " + previous
                        + ": changes may not overlap" + got);
                }
            }
            if (at != INVALID) {
                previousAt = at;
                previousEnd = durationNs == INVALID ? INVALID : at + durationNs;
                previous = label;
            }
            if (problems.size() == before) {
                changes.add(new LoadSpec.Change(shape, at, rate, durationNs));
            }
        }
        return changes;
    }

    /** A periodic factor on an open load's rate; {@link LoadSpec.Diurnal#NONE} when absent or refused. */
    private LoadSpec.Diurnal diurnal(final JsonNode node, final String path) {
        if (node == null) {
            return LoadSpec.Diurnal.NONE;
        }
        if (!node.isObject()) {
            problem(path, "must be a mapping such as " + DIURNAL_EXAMPLE + " (got " + node + ")");
            return LoadSpec.Diurnal.NONE;
        }
        unknownFields(node, path, DIURNAL_FIELDS);
        final int before = problems.size();
        final long period = node.has("period") ? positiveDuration(node, "period", path, "") : LoadSpec.Diurnal.DAY_NS;
        final JsonNode amplitudeNode = node.get("amplitude");
        double amplitude = 0;
        if (amplitudeNode == null) {
            problem(path + ".amplitude", "is required: the swing around the scheduled rate, in [0, 1), e.g. 0.5");
        } else if (!amplitudeNode.isNumber() || !(amplitudeNode.asDouble() >= 0 && amplitudeNode.asDouble() < 1)) {
            problem(path + ".amplitude", "must be a number in [0, 1), so that the rate stays > 0 (got "
                + amplitudeNode + ")");
        } else {
            amplitude = amplitudeNode.asDouble();
        }
        final long peak = duration(node, "peak", path + ".peak", INVALID);
        if (peak != INVALID && period != INVALID && (peak < 0 || peak >= period)) {
            problem(path + ".peak", "must be >= 0 and < the period, " + (node.has("period")
                ? node.get("period").asText() : "24h by default") + " (got " + node.get("peak").asText() + ")");
        }
        return problems.size() == before ? new LoadSpec.Diurnal(period, amplitude, peak == INVALID ? 0 : peak)
            : LoadSpec.Diurnal.NONE;
    }

    /** @return a rate > 0 in arrivals per second, or NaN after reporting it missing ({@code required}) or refused. */
    private double rate(final JsonNode node, final String field, final String parent, final String required) {
        final String path = parent + "." + field;
        final JsonNode value = node.get(field);
        if (value == null) {
            problem(path, required);
            return Double.NaN;
        }
        try {
            final double rate = Units.parseRatePerSec(value.asText());
            if (!(rate > 0) || Double.isInfinite(rate)) {
                problem(path, "must be > 0 (got " + value.asText() + ")");
                return Double.NaN;
            }
            return rate;
        } catch (final IllegalArgumentException ex) {
            problem(path, ex.getMessage());
            return Double.NaN;
        }
    }

    private String name(final JsonNode node, final String field, final String parent) {
        final String path = parent.isEmpty() ? field : parent + "." + field;
        final JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            problem(path, "is required");
            return null;
        }
        if (!value.isTextual() || !NAME.matcher(value.asText()).matches()) {
            problem(path, "must be 1-64 of letters, digits, '_', '.', '-' (got " + value + ")");
            return null;
        }
        return value.asText();
    }

    private int positiveInt(final JsonNode node, final String field, final String parent, final int dflt) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return dflt;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
            problem(parent + "." + field, "must be an integer >= 1 (got " + value + ")");
            return dflt;
        }
        return value.asInt();
    }

    private double probability(final JsonNode node, final String field, final String parent, final double dflt,
                               final boolean zeroAllowed) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return dflt;
        }
        final double p = value.isNumber() ? value.asDouble() : Double.NaN;
        if (!(p >= 0 && p <= 1) || (!zeroAllowed && p == 0)) {
            problem(parent + "." + field, "must be a probability in " + (zeroAllowed ? "[0, 1]" : "(0, 1]")
                + " (got " + value + ")");
            return dflt;
        }
        return p;
    }

    private long duration(final JsonNode node, final String field, final String path, final long dflt) {
        final JsonNode value = node.get(field);
        if (value == null) {
            return dflt;
        }
        if (value.isNumber() && value.asDouble() == 0) {
            return 0;
        }
        if (!value.isTextual()) {
            problem(path, "needs a unit, e.g. 250us, 5ms, 2s (got " + value + ")");
            return dflt;
        }
        try {
            return Units.parseDurationNs(value.asText());
        } catch (final IllegalArgumentException ex) {
            problem(path, ex.getMessage());
            return dflt;
        }
    }

    private List<JsonNode> list(final JsonNode node, final String path, final boolean required) {
        final List<JsonNode> result = new ArrayList<>();
        if (node == null || node.isNull()) {
            if (required) {
                problem(path, "is required and must list at least one entry");
            }
            return result;
        }
        if (!node.isArray()) {
            problem(path, "must be a list");
            return result;
        }
        node.forEach(result::add);
        if (required && result.isEmpty()) {
            problem(path, "must list at least one entry");
        }
        return result;
    }

    private void unknownFields(final JsonNode node, final String path, final Set<String> known) {
        for (final Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            final String field = it.next();
            if (!known.contains(field)) {
                problem(path.isEmpty() ? field : path + "." + field, "unknown field (expected one of "
                    + known.stream().sorted().toList() + ")");
            }
        }
    }

    private void problem(final String path, final String what) {
        problems.add(path + ": " + what);
    }
}
