package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tickwire.engine.diagram.DiagramNode.INVALID;
import static io.tickwire.engine.diagram.DiagramLimits.shown;

/**
 * Reads a {@code latency} section (a service's or a database's): the service-time distribution, its family named by
 * {@code distribution} and each family taking exactly its own fields.
 */
final class LatencyReader {
    private static final Set<String> FIELDS =
        Set.of("distribution", "mean", "sd", "k", "cv", "min", "max", "p50", "p99", "scale", "shape", "points");
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

    private LatencyReader() {
    }

    /** @return the distribution, or null when absent or any of its fields was refused. */
    static LatencySpec read(final DiagramNode node) {
        if (!node.isPresent()) {
            node.problem("is required: {distribution, mean[, sd]}");
            return null;
        }
        if (!node.isObject()) {
            node.problem("must be a mapping {distribution, mean[, sd]} (got " + shown(node) + ")");
            return null;
        }
        final String named = node.text("distribution");
        final String dist = named == null ? "exponential" : named;
        final LatencySpec.Kind kind = DISTRIBUTIONS.get(dist);
        if (kind == null) {
            node.refuseUnknownFields(FIELDS);
            node.problem("distribution", "unknown distribution '" + shown(dist) + "' ("
                + String.join(", ", DISTRIBUTIONS.keySet()) + ")");
            return null;
        }
        final int mark = node.problems().mark();
        final List<String> takes = FAMILY_FIELDS.get(kind);
        for (final Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            final String field = it.next();
            if (!"distribution".equals(field) && !takes.contains(field)) {
                node.problem(field, FIELDS.contains(field) ? notTaken(kind, field)
                    : "unknown field (expected one of " + sorted(takes, "distribution") + ")");
            }
        }
        final LatencySpec spec = switch (kind) {
            case CONSTANT, EXPONENTIAL, ERLANG, HYPEREXPONENTIAL -> meanFamily(kind, node);
            case UNIFORM -> uniform(node);
            case LOGNORMAL -> lognormal(node);
            case PARETO -> pareto(node);
            case EMPIRICAL -> empirical(node.child("points"));
        };
        // A spec is only built from values that passed: its constructor would refuse the others.
        return node.problems().noneSince(mark) ? spec : null;
    }

    /** Constant, exponential, erlang (+ k) and hyperexponential (+ cv): the families given by their mean. */
    private static LatencySpec meanFamily(final LatencySpec.Kind kind, final DiagramNode node) {
        final long mean = node.requirePositiveDuration("mean", "is required");
        return switch (kind) {
            case CONSTANT -> mean == INVALID ? null : LatencySpec.constant(mean);
            case EXPONENTIAL -> mean == INVALID ? null : LatencySpec.exponential(mean);
            case ERLANG -> {
                final JsonNode k = node.raw("k");
                if (k == null) {
                    node.problem("k", "is required for an erlang distribution: the number of phases");
                    yield null;
                }
                if (!k.isIntegralNumber() || !k.canConvertToInt() || k.asInt() < 1
                    || k.asInt() > LatencySpec.MAX_ERLANG_K) {
                    node.problem("k", "must be an integer from 1 to " + LatencySpec.MAX_ERLANG_K + " (got " + k + ")");
                    yield null;
                }
                yield mean == INVALID ? null : LatencySpec.erlang(mean, k.asInt());
            }
            case HYPEREXPONENTIAL -> {
                final double cv = node.requireNumber("cv", requiredFor(kind));
                if (!Double.isNaN(cv) && !(cv > 1)) {
                    node.problem("cv", "must be > 1 (got " + shown(node.raw("cv")) + "): cv 1 is the exponential, "
                        + "below 1 use erlang");
                    yield null;
                }
                if (!Double.isNaN(cv) && !Double.isFinite(cv * cv)) {
                    node.problem("cv", "is too large (got " + shown(node.raw("cv")) + ")");
                    yield null;
                }
                yield mean == INVALID || Double.isNaN(cv) ? null : LatencySpec.hyperexponential(mean, cv);
            }
            default -> throw new IllegalStateException(kind.name());
        };
    }

    private static LatencySpec uniform(final DiagramNode node) {
        final String required = requiredFor(LatencySpec.Kind.UNIFORM);
        final long min = node.requireNonNegativeDuration("min", required);
        long max = node.optionalDuration("max", INVALID);
        if (!node.has("max")) {
            node.problem("max", required);
        } else if (max != INVALID && min != INVALID && max <= min) {
            node.problem("max", "must be > min = " + shown(node.raw("min").asText()) + " (got "
                + shown(node.raw("max").asText()) + ")");
            max = INVALID;
        } else if (max != INVALID && max <= 0) {
            node.problem("max", "must be > 0 (got " + shown(node.raw("max").asText()) + ")");
            max = INVALID;
        }
        return min == INVALID || max == INVALID ? null : LatencySpec.uniform(min, max);
    }

    /** Either mean and sd (the original form) or p50 and p99, never a mix. */
    private static LatencySpec lognormal(final DiagramNode node) {
        if (node.has("p50") || node.has("p99")) {
            if (node.has("mean") || node.has("sd")) {
                node.problem(node.has("p50") ? "p50" : "p99", "give either mean and sd, or p50 and p99, not both");
                return null;
            }
            final long p50 = node.requirePositiveDuration("p50", "is required with p99");
            final long p99 = node.requirePositiveDuration("p99", "is required with p50");
            if (p50 != INVALID && p99 != INVALID && p99 <= p50) {
                node.problem("p99", "must be > p50 = " + shown(node.raw("p50").asText()) + " (got "
                    + shown(node.raw("p99").asText()) + ")");
                return null;
            }
            return p50 == INVALID || p99 == INVALID ? null : LatencySpec.lognormalByPercentiles(p50, p99);
        }
        final long mean = node.requirePositiveDuration("mean", "is required (or give p50 and p99)");
        final long sd = node.requirePositiveDuration("sd", requiredFor(LatencySpec.Kind.LOGNORMAL));
        return mean == INVALID || sd == INVALID ? null : LatencySpec.lognormal(mean, sd);
    }

    /** Shape, and either scale (x_m) or mean. */
    private static LatencySpec pareto(final DiagramNode node) {
        final double shape = node.requireNumber("shape", requiredFor(LatencySpec.Kind.PARETO));
        if (!Double.isNaN(shape) && !(shape > 1)) {
            node.problem("shape", "must be > 1, or the mean is infinite (got " + shown(node.raw("shape")) + ")");
            return null;
        }
        if (node.has("scale") && node.has("mean")) {
            node.problem("mean", "give either scale or mean, not both");
            return null;
        }
        if (node.has("mean")) {
            final long mean = node.requirePositiveDuration("mean", "is required");
            return mean == INVALID || Double.isNaN(shape) ? null : LatencySpec.paretoByMean(mean, shape);
        }
        final long scale = node.requirePositiveDuration("scale", requiredFor(LatencySpec.Kind.PARETO)
            + " (or give mean)");
        return scale == INVALID || Double.isNaN(shape) ? null : LatencySpec.pareto(scale, shape);
    }

    /**
     * Points {p50: 2ms, ..., p100: 60ms}, written in increasing percentile order with increasing values; p100 is
     * required (the largest service time) and p0 defaults to 0.
     */
    private static LatencySpec empirical(final DiagramNode points) {
        if (!points.isPresent()) {
            points.problem(requiredFor(LatencySpec.Kind.EMPIRICAL) + ", e.g. " + POINTS_EXAMPLE);
            return null;
        }
        if (!points.isObject()) {
            points.problem("must be a mapping from percentile to duration, e.g. " + POINTS_EXAMPLE
                + " (got " + shown(points) + ")");
            return null;
        }
        final List<Double> percents = new ArrayList<>();
        final List<Long> values = new ArrayList<>();
        double lastPercent = -1;
        String lastKey = null;
        long lastValue = INVALID;
        String lastValueKey = null;
        for (final Iterator<String> it = points.fieldNames(); it.hasNext(); ) {
            final String field = it.next();
            final String key = shown(field);
            final Matcher m = PERCENTILE.matcher(field);
            final double percent = m.matches() ? Double.parseDouble(m.group(1)) : Double.NaN;
            if (!(percent <= 100)) {
                points.problem(key, "not a percentile: write p0 to p100, e.g. p50, p99.9");
                continue;
            }
            if (percent <= lastPercent) {
                points.problem(key, "percentiles must increase: " + key + " comes after " + lastKey);
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
            final long value = points.optionalDuration(field, INVALID);
            if (value == INVALID) {
                continue;
            }
            final String raw = shown(points.raw(field).asText());
            if (value < 0) {
                points.problem(key, "must be >= 0 (got " + raw + ")");
            } else if (lastValue != INVALID && value <= lastValue) {
                points.problem(key, "must be > " + lastValueKey + ": values increase with the percentile (got "
                    + raw + ")");
            } else {
                percents.add(percent);
                values.add(value);
                lastValue = value;
                lastValueKey = key + " = " + raw;
            }
        }
        if (lastPercent != 100) {
            points.problem("p100", "is required: the largest service time");
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

    private static String requiredFor(final LatencySpec.Kind kind) {
        return "is required for " + kind.withArticle() + " distribution";
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
}
