package io.tickwire.engine.diagram;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Reads a diagram from YAML (or JSON, which YAML contains) and validates it. Every problem is reported with the
 * path of the field at fault ({@code services[1].latency.mean: must be > 0 (got -5ms)}); unknown fields are
 * refused so that a typo never silently falls back to a default. The format is documented in {@code docs/diagram.md}.
 * <p>
 * This class reads the top level; each section has its reader, and every reader reports to the diagram's one
 * {@link Problems} through the typed accessors of {@link DiagramNode}, which state each field's bounds where it is
 * read. The sections read without a problem, {@link GraphChecks} follows the calls across them:
 * <pre>
 *   DiagramLoader         name, tick, seed, partitions
 *     ServiceIds          services[i].name, and the ids of the implicit databases
 *     ServiceReader       services[i]: replicas, concurrency, queue, failureRate, fanout, cost, balancer,
 *                         terminationGrace
 *       LatencyReader       .latency
 *       StartupReader       .startup (a duration, or a distribution read by LatencyReader)
 *       HealthReader        .health
 *       FailuresReader      .failures
 *       DatabaseReader      .database (its own .latency too)
 *       CallReader          .calls[j]
 *         RetryReader         .retry
 *     LoadReader          load[i]
 *       ScheduleReader      .schedule, .diurnal
 *     AutoscaleReader     autoscale[i]: hpa (Kubernetes autoscaling/v2) or threshold
 *     FaultReader         faults[i] (and a fault added live: {@link #parseFault})
 *     GraphChecks         sync-call rules and cycles, a way out for every request, closed users' retries
 * </pre>
 * To add a section: write its reader (a final class with a static {@code read(DiagramNode)} that reports through
 * the node), name its field in the parent reader's {@code FIELDS} and call it there, and carry what it returns in the
 * parent's spec record; a check across sections goes in {@link GraphChecks}.
 */
public final class DiagramLoader {
    public static final long DEFAULT_TICK_NS = 50_000_000L;
    public static final long MIN_TICK_NS = 1_000_000L;
    public static final long MAX_TICK_NS = 1_000_000_000L;
    public static final long DEFAULT_CALL_DELAY_NS = 100_000L;
    /** The feed and the journal carry service ids as uint16. */
    public static final int MAX_SERVICES = 4096;
    public static final int MAX_PARTITIONS = 64;
    public static final long DEFAULT_BACKOFF_NS = 10_000_000L;
    public static final long DEFAULT_MAX_BACKOFF_NS = 1_000_000_000L;
    public static final int DEFAULT_DB_CONNECTIONS = 10;
    public static final long DEFAULT_DB_SIZE = 10L << 30;
    public static final long DEFAULT_DB_WRITE_BYTES = 2L << 10;

    private static final Set<String> FIELDS = Set.of("name", "tick", "seed", "services", "load", "partitions",
        "autoscale", "faults");

    private static final YAMLMapper MAPPER = YAMLMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
    /** JSON is read as JSON: YAML 1.1 refuses the tab indentation that JSON allows. */
    private static final JsonMapper JSON = JsonMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

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
        return read(root, text);
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

    private static Diagram read(final JsonNode json, final String source) throws DiagramException {
        final Problems problems = new Problems();
        final DiagramNode root = DiagramNode.root(json, problems);
        root.refuseUnknownFields(FIELDS);
        final String name = root.requireName("name");
        final long tickNs = root.optionalDuration("tick", DEFAULT_TICK_NS);
        if (tickNs < MIN_TICK_NS || tickNs > MAX_TICK_NS) {
            root.problem("tick", "must be between 1ms and 1s (got " + Units.formatNs(tickNs) + ")");
        }
        final long seed = root.optionalLong("seed", Diagram.NO_SEED);
        final int partitions = root.optionalInt("partitions", 1, MAX_PARTITIONS, Diagram.DEFAULT_PARTITIONS);

        final DiagramNode servicesNode = root.child("services");
        final List<DiagramNode> serviceNodes = servicesNode.elements(true);
        final ServiceIds ids = ServiceIds.number(servicesNode, serviceNodes);
        final List<ServiceSpec> services = ServiceReader.read(serviceNodes, ids);
        final List<LoadSpec> load = LoadReader.read(root.child("load"), ids);
        final List<AutoscaleSpec> autoscale = AutoscaleReader.read(root.child("autoscale"), ids, serviceNodes.size());
        final List<FaultSpec> faults = FaultReader.read(root.child("faults"), ids, serviceNodes.size(), load);
        problems.throwIfAny();

        GraphChecks.check(services, load, problems);
        return new Diagram(name, tickNs, seed, services, load, source, partitions, autoscale, faults);
    }

    /**
     * Read a diagram already parsed into a tree (a diagram with a live edit applied), validated exactly as
     * {@link #parse} validates text; {@code source} is kept as its text.
     */
    public static Diagram parseTree(final JsonNode tree, final String source) throws DiagramException {
        if (tree == null || !tree.isObject()) {
            throw new DiagramException("", "a diagram is a mapping with name, services and load");
        }
        return read(tree, source);
    }

    /** The tree of a diagram's text (YAML or JSON), for live edits on it. */
    public static JsonNode tree(final String text) throws DiagramException {
        try {
            final JsonNode root = readTree(text);
            if (root == null || !root.isObject()) {
                throw new DiagramException("", "a diagram is a mapping with name, services and load");
            }
            return root;
        } catch (final JsonProcessingException ex) {
            throw new DiagramException("", "not valid YAML or JSON: " + syntaxError(ex));
        }
    }

    /**
     * A fault added live to a run of {@code diagram} ({@code POST /simulations/{id}/faults}): the fields of a
     * {@code faults[i]} entry, {@code at} optional (it starts when applied). Problems are reported under
     * {@code fault.<field>}.
     */
    public static FaultSpec parseFault(final JsonNode fault, final Diagram diagram) throws DiagramException {
        final Problems problems = new Problems();
        final DiagramNode node = DiagramNode.root(JSON.createObjectNode().set("fault", fault), problems)
            .child("fault");
        int listed = 0;
        for (final ServiceSpec s : diagram.services()) {
            if (s.storage() == null) {
                listed++;
            }
        }
        final FaultSpec spec = FaultReader.read(node, ServiceIds.of(diagram), listed, diagram.load(), true);
        problems.throwIfAny();
        return spec;
    }

}
