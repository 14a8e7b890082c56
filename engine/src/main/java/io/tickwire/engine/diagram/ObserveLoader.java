package io.tickwire.engine.diagram;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.sbe.MetricKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads an observed run's configuration ({@link ObserveSpec}) from YAML or JSON, as {@link DiagramLoader} reads a
 * diagram: every problem with the path of its field ({@code sources[1].rate: ...}), unknown fields refused.
 * <pre>
 *   name: hosts              required
 *   tick: 1s                 1ms..60s, default 1s
 *   lateness: 2s             0..10min, default 2s: a tick closes this long after its window
 *   skew: 1s                 0..1min, default 1s: how far ahead of the server's clock a timestamp may be
 *   maxSeries: 1024         1..65535
 *   discover: true           take sources not listed below (default true)
 *   defaults: {rate: 100000/s, burst: 200000}
 *   sources:  [{name: node, rate: 5000/s, burst: 10000}]
 *   series:   [{source: node, metric: node_load1, labels: {job: node}, kind: gauge, unit: ""}]
 *   metrics:  [{name: http_request_latency, kind: latency, unit: ms}]
 *   prometheus: {sourceLabel: instance}
 *   lineProtocol: {sourceTag: host}
 *   alerts:   [{name: HighLoad, expr: 'value(node/node_load1) > 4', for: 30s}]   as a diagram's, on series
 * </pre>
 */
public final class ObserveLoader {
    public static final long DEFAULT_TICK_NS = 1_000_000_000L;
    public static final long MAX_TICK_NS = 60_000_000_000L;
    public static final long DEFAULT_LATENESS_NS = 2_000_000_000L;
    public static final long MAX_LATENESS_NS = 600_000_000_000L;
    public static final long DEFAULT_SKEW_NS = 1_000_000_000L;
    public static final long MAX_SKEW_NS = 60_000_000_000L;
    public static final int DEFAULT_MAX_SERIES = 1024;
    /** Rows are ServiceIds on the feed and in the journal: uint16. */
    public static final int MAX_SERIES = 65_535;
    public static final ObserveSpec.Limit DEFAULT_LIMIT = new ObserveSpec.Limit(100_000, 200_000);
    public static final String DEFAULT_SOURCE_LABEL = "instance";
    public static final String DEFAULT_SOURCE_TAG = "host";

    private static final Set<String> FIELDS = Set.of("name", "tick", "lateness", "skew", "maxSeries", "discover",
        "defaults", "sources", "series", "metrics", "prometheus", "lineProtocol", "alerts");
    private static final Set<String> LIMIT_FIELDS = Set.of("rate", "burst");
    private static final Set<String> SOURCE_FIELDS = Set.of("name", "rate", "burst");
    private static final Set<String> SERIES_FIELDS = Set.of("source", "metric", "labels", "kind", "unit");
    private static final Set<String> METRIC_FIELDS = Set.of("name", "kind", "unit");
    private static final String[] KINDS = {"gauge", "counter", "latency", "histogram", "summary"};

    private ObserveLoader() {
    }

    public static ObserveSpec load(final Path path) throws DiagramException, IOException {
        return parse(Files.readString(path, StandardCharsets.UTF_8));
    }

    /** The configuration of a run of name {@code name} with every default: what {@code POST /observations} with no body starts. */
    public static ObserveSpec defaults(final String name) {
        try {
            return parse("name: " + name + "\n");
        } catch (final DiagramException ex) {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
    }

    public static ObserveSpec parse(final String text) throws DiagramException {
        final JsonNode json;
        try {
            json = DiagramLoader.readTree(text);
        } catch (final JsonProcessingException ex) {
            throw new DiagramException("", "not valid YAML or JSON: " + DiagramLoader.syntaxError(ex));
        }
        if (json == null || !json.isObject()) {
            throw new DiagramException("", "an observe configuration is a mapping with at least a name");
        }
        final Problems problems = new Problems();
        final DiagramNode root = DiagramNode.root(json, problems);
        root.refuseUnknownFields(FIELDS);
        final String name = root.requireName("name");
        final long tickLengthNs = root.optionalDuration("tick", DEFAULT_TICK_NS);
        if (tickLengthNs < DiagramLoader.MIN_TICK_NS || tickLengthNs > MAX_TICK_NS) {
            root.problem("tick", "must be between 1ms and 60s (got " + Units.formatNs(tickLengthNs) + ")");
        }
        final long latenessNs = root.optionalNonNegativeDuration("lateness", DEFAULT_LATENESS_NS);
        if (latenessNs > MAX_LATENESS_NS) {
            root.problem("lateness", "must be at most 10min (got " + Units.formatNs(latenessNs) + ")");
        }
        final long skewNs = root.optionalNonNegativeDuration("skew", DEFAULT_SKEW_NS);
        if (skewNs > MAX_SKEW_NS) {
            root.problem("skew", "must be at most 1min (got " + Units.formatNs(skewNs) + ")");
        }
        final int maxSeries = root.optionalInt("maxSeries", 1, MAX_SERIES, DEFAULT_MAX_SERIES);
        final JsonNode discoverNode = root.raw("discover");
        boolean discover = true;
        if (discoverNode != null) {
            if (discoverNode.isBoolean()) {
                discover = discoverNode.asBoolean();
            } else {
                root.problem("discover", "must be true or false (got " + discoverNode + ")");
            }
        }
        final DiagramNode defaultsNode = root.child("defaults");
        ObserveSpec.Limit defaults = DEFAULT_LIMIT;
        if (defaultsNode.isMappingOf(LIMIT_FIELDS, "{rate, burst}")) {
            defaults = limit(defaultsNode, DEFAULT_LIMIT);
        }
        final Map<String, ObserveSpec.Limit> sources = new LinkedHashMap<>();
        for (final DiagramNode s : root.child("sources").elements(false)) {
            if (!s.isMappingOf(SOURCE_FIELDS, "{name, rate, burst}")) {
                continue;
            }
            final String source = requireText(s, "name");
            if (source != null && sources.put(source, limit(s, defaults)) != null) {
                s.problem("name", "source '" + source + "' is listed twice");
            }
        }
        final Map<String, ObserveSpec.Metric> metrics = new LinkedHashMap<>();
        for (final DiagramNode m : root.child("metrics").elements(false)) {
            if (!m.isMappingOf(METRIC_FIELDS, "{name, kind, unit}")) {
                continue;
            }
            final String metric = requireText(m, "name");
            final MetricKind kind = kind(m, true);
            if (metric != null && kind != null
                && metrics.put(metric, new ObserveSpec.Metric(kind, unit(m))) != null) {
                m.problem("name", "metric '" + metric + "' is listed twice");
            }
        }
        final List<DiagramNode> seriesNodes = root.child("series").elements(false);
        final List<ObserveSpec.Series> series = new java.util.ArrayList<>();
        for (final DiagramNode s : seriesNodes) {
            if (!s.isMappingOf(SERIES_FIELDS, "{source, metric, labels, kind, unit}")) {
                continue;
            }
            final String source = requireText(s, "source");
            final String metric = requireText(s, "metric");
            final Map<String, String> labels = new TreeMap<>();
            final DiagramNode labelsNode = s.child("labels");
            if (labelsNode.isPresent()) {
                if (!labelsNode.isObject()) {
                    s.problem("labels", "must be a mapping of label names to values");
                } else {
                    for (final Iterator<String> it = labelsNode.fieldNames(); it.hasNext(); ) {
                        final String label = it.next();
                        labels.put(label, labelsNode.text(label));
                    }
                }
            }
            if (source != null && !sources.containsKey(source) && !discover) {
                s.problem("source", "'" + source + "' is not among sources, and discover is false");
            }
            series.add(new ObserveSpec.Series(source, metric, labels, kind(s, false), unit(s)));
        }
        if (series.size() > maxSeries) {
            root.problem("series", "declares " + series.size() + " series, more than maxSeries (" + maxSeries + ")");
        }
        final String sourceLabel = optionalSection(root, "prometheus", "sourceLabel", DEFAULT_SOURCE_LABEL);
        final String sourceTag = optionalSection(root, "lineProtocol", "sourceTag", DEFAULT_SOURCE_TAG);
        final List<AlertSpec> alerts = AlertReader.readObserved(root.child("alerts"), tickLengthNs);
        problems.throwIfAny();
        return new ObserveSpec(name, tickLengthNs, latenessNs, skewNs, maxSeries, discover, defaults, Map.copyOf(sources),
            List.copyOf(series), Map.copyOf(metrics), sourceLabel, sourceTag, alerts, text);
    }

    /** {@code kind: gauge|counter|latency|histogram|summary}: required for a metric rule, optional for a series. */
    private static MetricKind kind(final DiagramNode node, final boolean required) {
        if (!node.has("kind")) {
            if (required) {
                node.problem("kind", "is required (" + String.join(", ", KINDS) + ")");
            }
            return null;
        }
        final String kind = node.optionalChoice("kind", null, KINDS);
        return kind == null ? null : MetricKind.valueOf(kind.toUpperCase(Locale.ROOT));
    }

    private static String unit(final DiagramNode node) {
        final JsonNode value = node.raw("unit");
        if (value == null || value.isNull()) {
            return null;
        }
        final String unit = value.asText();
        if (!unit.isEmpty() && !Set.of("s", "ms", "us", "ns").contains(unit) && unit.length() > 32) {
            node.problem("unit", "must be at most 32 characters (got " + value + ")");
        }
        return unit;
    }

    private static ObserveSpec.Limit limit(final DiagramNode node, final ObserveSpec.Limit dflt) {
        final double rate = node.has("rate") ? node.requireRate("rate", "") : dflt.rate();
        long burst = dflt.burst();
        if (node.has("burst")) {
            final JsonNode b = node.raw("burst");
            if (!b.canConvertToLong() || b.asLong() < 1) {
                node.problem("burst", "must be a whole number of samples >= 1 (got " + b + ")");
            } else {
                burst = b.asLong();
            }
        } else if (node.has("rate") && !Double.isNaN(rate)) {
            burst = Math.max(1, Math.round(rate)); // one second's worth
        }
        return new ObserveSpec.Limit(Double.isNaN(rate) ? dflt.rate() : rate, burst);
    }

    private static String requireText(final DiagramNode node, final String field) {
        final JsonNode value = node.raw(field);
        if (value == null || value.isNull() || !value.isTextual() || value.asText().isEmpty()
            || value.asText().length() > 256) {
            node.problem(field, "is required: text of 1 to 256 characters (got " + value + ")");
            return null;
        }
        return value.asText();
    }

    private static String optionalSection(final DiagramNode root, final String section, final String field,
                                          final String dflt) {
        final DiagramNode node = root.child(section);
        if (!node.isMappingOf(Set.of(field), "{" + field + "}") || !node.has(field)) {
            return dflt;
        }
        final String value = requireText(node, field);
        return value == null ? dflt : value;
    }
}
