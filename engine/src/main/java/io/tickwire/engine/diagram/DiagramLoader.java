package io.tickwire.engine.diagram;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
 *     AlertReader         alerts[i]: name, expr (its own small parser, problems with their column), for, ...
 *     GraphChecks         sync-call rules and cycles, a way out for every request, closed users' retries
 *     WorkEstimate        visits per simulated second and pending events, against {@link DiagramLimits}
 * </pre>
 * Before any of it, the text is checked against the size limit of {@link DiagramLimits} (a file's size before it is
 * read), and bytes must be valid UTF-8: a huge or garbled input is refused before the YAML parser sees it.
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
        "autoscale", "faults", "alerts");

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
        return load(path, DiagramLimits.DEFAULT);
    }

    /** Read and check the file at {@code path}: its size first, then its bytes as UTF-8, then the diagram. */
    public static Diagram load(final Path path, final DiagramLimits limits) throws DiagramException, IOException {
        refuseIfTooLarge(Files.size(path), limits);
        try (InputStream in = Files.newInputStream(path)) {
            // At most one byte past the limit: a file that grows while it is read is refused all the same.
            return parse(in.readNBytes((int)Math.min(Integer.MAX_VALUE - 8, limits.maxBytes() + 1)), limits);
        }
    }

    /** A diagram as bytes (a file, an HTTP body): refused if larger than the limit or not valid UTF-8. */
    public static Diagram parse(final byte[] bytes, final DiagramLimits limits) throws DiagramException {
        refuseIfTooLarge(bytes.length, limits);
        return parse(decodeUtf8(bytes), limits);
    }

    public static Diagram parse(final String text) throws DiagramException {
        return parse(text, DiagramLimits.DEFAULT);
    }

    public static Diagram parse(final String text, final DiagramLimits limits) throws DiagramException {
        // Characters first: a UTF-8 encoding has at least as many bytes.
        refuseIfTooLarge(text.length() > limits.maxBytes() ? text.length() : DiagramLimits.utf8Length(text), limits);
        final JsonNode root;
        try {
            root = readTree(text);
        } catch (final JsonProcessingException ex) {
            throw new DiagramException("", "not valid YAML or JSON: " + syntaxError(ex));
        }
        if (root == null || !root.isObject()) {
            throw new DiagramException("", "a diagram is a mapping with name, services and load");
        }
        return read(root, text, limits);
    }

    private static void refuseIfTooLarge(final long bytes, final DiagramLimits limits) throws DiagramException {
        if (bytes > limits.maxBytes()) {
            throw new DiagramException("", "the diagram is " + size(bytes) + ", more than the limit of "
                + size(limits.maxBytes()) + " (see Limits in docs/diagram.md)");
        }
    }

    private static String size(final long bytes) {
        return bytes < 10 * 1024 ? bytes + " bytes"
            : String.format(Locale.ROOT, "%.1f KiB (%d bytes)", bytes / 1024.0, bytes);
    }

    /** Strict UTF-8: a malformed byte is refused with where it is (a lenient decoder would replace it silently). */
    private static String decodeUtf8(final byte[] bytes) throws DiagramException {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            final int at = Math.min(in.position(), bytes.length - 1);
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new DiagramException("", "not valid UTF-8: byte 0x"
                + String.format(Locale.ROOT, "%02X", bytes[at] & 0xFF) + " at line " + line + ", column "
                + (at - lineStart + 1));
        }
        return out.flip().toString();
    }

    /** Text that opens with '{' is tried as JSON first, then as YAML (flow style); the JSON error wins. */
    static JsonNode readTree(final String text) throws JsonProcessingException {
        final String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (!body.stripLeading().startsWith("{")) {
            return readTree(MAPPER, body);
        }
        try {
            return readTree(JSON, body);
        } catch (final JsonProcessingException jsonEx) {
            try {
                return readTree(MAPPER, body);
            } catch (final JsonProcessingException yamlEx) {
                throw jsonEx;
            }
        }
    }

    /** As {@code mapper.readTree}, with where the parser stood when a limit of its own stopped it (no location). */
    private static JsonNode readTree(final ObjectMapper mapper, final String body) throws JsonProcessingException {
        JsonParser parser = null;
        try {
            parser = mapper.createParser(body);
            return mapper.readTree(parser);
        } catch (final JsonProcessingException ex) {
            if (ex.getLocation() == null && parser != null && !(ex.getCause() instanceof MarkedYAMLException)) {
                throw new JsonParseException(parser, ex.getOriginalMessage(), ex);
            }
            throw ex;
        } catch (final IOException ex) {
            throw new JsonParseException(parser, String.valueOf(ex.getMessage()), ex); // not from a String
        } finally {
            closeQuietly(parser);
        }
    }

    private static void closeQuietly(final JsonParser parser) {
        if (parser != null) {
            try {
                parser.close();
            } catch (final IOException ex) {
                // a parser of a String: nothing to release
            }
        }
    }

    /** One line: the parser's own message spans several, with an excerpt of the source. */
    static String syntaxError(final JsonProcessingException ex) {
        if (ex.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            return DiagramLimits.shown(yaml.getProblem()) + " at line " + (yaml.getProblemMark().getLine() + 1)
                + ", column " + (yaml.getProblemMark().getColumn() + 1);
        }
        // Jackson names the setting of a limit it enforces (nesting depth, a number's length): not the user's.
        final String what = String.valueOf(ex.getOriginalMessage()).replaceAll("\\s+", " ")
            .replaceAll(",? from `[^`]*`", "").trim();
        final JsonLocation where = ex.getLocation();
        return DiagramLimits.shown(what) + (where != null && where.getLineNr() > 0
            ? " at line " + where.getLineNr() + ", column " + where.getColumnNr() : "");
    }

    private static Diagram read(final JsonNode json, final String source, final DiagramLimits limits)
        throws DiagramException {
        final Problems problems = new Problems();
        final DiagramNode root = DiagramNode.root(json, problems);
        root.refuseUnknownFields(FIELDS);
        final String name = root.requireName("name");
        final long tickLengthNs = root.optionalDuration("tick", DEFAULT_TICK_NS);
        if (tickLengthNs < MIN_TICK_NS || tickLengthNs > MAX_TICK_NS) {
            root.problem("tick", "must be between 1ms and 1s (got " + Units.formatNs(tickLengthNs) + ")");
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
        final List<AlertSpec> alerts = AlertReader.read(root.child("alerts"), ids, autoscale, tickLengthNs);
        problems.throwIfAny();

        GraphChecks.check(services, load, problems);
        WorkEstimate.check(services, load, limits, problems);
        return new Diagram(name, tickLengthNs, seed, services, load, source, partitions, autoscale, faults, alerts);
    }

    /**
     * Read a diagram already parsed into a tree (a diagram with a live edit applied), validated exactly as
     * {@link #parse} validates text; {@code source} is kept as its text.
     */
    public static Diagram parseTree(final JsonNode tree, final String source) throws DiagramException {
        return parseTree(tree, source, DiagramLimits.DEFAULT);
    }

    /** As {@link #parseTree(JsonNode, String)}, within {@code limits} (a live edit: those its run was launched under). */
    public static Diagram parseTree(final JsonNode tree, final String source, final DiagramLimits limits)
        throws DiagramException {
        if (tree == null || !tree.isObject()) {
            throw new DiagramException("", "a diagram is a mapping with name, services and load");
        }
        return read(tree, source, limits);
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
