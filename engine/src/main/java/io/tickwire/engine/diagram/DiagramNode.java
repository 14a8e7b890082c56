package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import static io.tickwire.engine.diagram.DiagramLimits.shown;

/**
 * A node of a diagram with its field path ({@code services[2].latency}), and typed accessors that read one of its
 * fields, check it against the bounds stated at the call and report a refused value under the field's path
 * ({@code services[2].latency.mean: must be > 0 (got -5ms)}) to the diagram's {@link Problems}.
 * <p>
 * An absent optional field gives its default. A refused field is reported and gives what the accessor says (its
 * default, {@link #INVALID}, NaN or null), so that the reader goes on and every problem is found in one pass.
 * {@code require*} accessors report an absent field with the {@code required} text given by the caller.
 */
final class DiagramNode {
    /** Returned by the duration accessors for a field that was refused, or absent without a default. */
    static final long INVALID = Long.MIN_VALUE;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}");

    private final JsonNode json;
    private final String path;
    private final Problems problems;

    private DiagramNode(final JsonNode json, final String path, final Problems problems) {
        this.json = json;
        this.path = path;
        this.problems = problems;
    }

    /** The whole diagram: its fields' paths are their names. */
    static DiagramNode root(final JsonNode json, final Problems problems) {
        return new DiagramNode(json, "", problems);
    }

    /** Field {@code field} of this mapping, whether present or not. */
    DiagramNode child(final String field) {
        return new DiagramNode(json == null ? null : json.get(field), pathOf(field), problems);
    }

    /**
     * The entries of this list, each with its path {@code list[i]}; none after reporting that it is not a list (or,
     * when {@code required}, absent or empty).
     */
    List<DiagramNode> elements(final boolean required) {
        final List<DiagramNode> result = new ArrayList<>();
        if (json == null || json.isNull()) {
            if (required) {
                problem("is required and must list at least one entry");
            }
            return result;
        }
        if (!json.isArray()) {
            problem("must be a list");
            return result;
        }
        for (int i = 0; i < json.size(); i++) {
            result.add(new DiagramNode(json.get(i), path + "[" + i + "]", problems));
        }
        if (required && result.isEmpty()) {
            problem("must list at least one entry");
        }
        return result;
    }

    String pathOf(final String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    Problems problems() {
        return problems;
    }

    boolean isPresent() {
        return json != null;
    }

    boolean isObject() {
        return json != null && json.isObject();
    }

    boolean has(final String field) {
        return json.has(field);
    }

    /** The field's value as Jackson read it; null when absent. For the checks no accessor states. */
    JsonNode raw(final String field) {
        return json.get(field);
    }

    /** The field's value as text, unchecked: null when absent or null. */
    String text(final String field) {
        return json.path(field).asText(null);
    }

    Iterator<String> fieldNames() {
        return json.fieldNames();
    }

    void problem(final String what) {
        problems.add(path, what);
    }

    void problem(final String field, final String what) {
        problems.add(pathOf(field), what);
    }

    /**
     * Whether this section is present and a mapping, to be read: one that is not is reported ({@code must be a
     * mapping <shape> (got ...)}), and so is every field of one that is that is not in {@code known}.
     */
    boolean isMappingOf(final Set<String> known, final String shape) {
        if (json == null) {
            return false;
        }
        if (!json.isObject()) {
            problem("must be a mapping " + shape + " (got " + shown(json) + ")");
            return false;
        }
        refuseUnknownFields(known);
        return true;
    }

    /** Reports every field not in {@code known}: a typo must never fall back to a default silently. */
    void refuseUnknownFields(final Set<String> known) {
        for (final Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            final String field = it.next();
            if (!known.contains(field)) {
                problem(shown(field), "unknown field (expected one of " + known.stream().sorted().toList() + ")");
            }
        }
    }

    /** As the node was written, for {@code (got ...)} in messages. */
    @Override
    public String toString() {
        return shown(json);
    }

    // ---------------------------------------------------------------- names and numbers

    /** @return a name of 1 to 64 of {@code A-Z a-z 0-9 _ . -}, or null after reporting it. */
    String requireName(final String field) {
        final JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            problem(field, "is required");
            return null;
        }
        if (!value.isTextual() || !NAME.matcher(value.asText()).matches()) {
            problem(field, "must be 1-64 of letters, digits, '_', '.', '-' (got " + shown(value) + ")");
            return null;
        }
        return value.asText();
    }

    long optionalLong(final String field, final long dflt) {
        final JsonNode value = json.get(field);
        if (value == null) {
            return dflt;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            problem(field, "must be an integer");
            return dflt;
        }
        return value.asLong();
    }

    /** @return an integer in [min, max] ({@code max} {@link Integer#MAX_VALUE}: no upper bound), else dflt. */
    int optionalInt(final String field, final int min, final int max, final int dflt) {
        final JsonNode value = json.get(field);
        if (value == null) {
            return dflt;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
            problem(field, "must be an integer " + (max == Integer.MAX_VALUE ? ">= " + min
                : "in [" + min + ", " + max + "]") + " (got " + shown(value) + ")");
            return dflt;
        }
        return value.asInt();
    }

    /** @return as {@link #optionalInt}, or 0 after reporting it absent ({@code required}) or refused. */
    int requireInt(final String field, final int min, final int max, final String required) {
        if (json.get(field) == null) {
            problem(field, required);
            return 0;
        }
        return optionalInt(field, min, max, 0);
    }

    /** @return a probability in [0, 1], or dflt when absent or refused. */
    double optionalProbability(final String field, final double dflt) {
        return probability(field, dflt, true);
    }

    /** @return a probability in (0, 1], or dflt when absent or refused. */
    double optionalPositiveProbability(final String field, final double dflt) {
        return probability(field, dflt, false);
    }

    private double probability(final String field, final double dflt, final boolean zeroAllowed) {
        final JsonNode value = json.get(field);
        if (value == null) {
            return dflt;
        }
        final double p = value.isNumber() ? value.asDouble() : Double.NaN;
        if (!(p >= 0 && p <= 1) || (!zeroAllowed && p == 0)) {
            problem(field, "must be a probability in " + (zeroAllowed ? "[0, 1]" : "(0, 1]") + " (got " + shown(value)
                + ")");
            return dflt;
        }
        return p;
    }

    /** @return a finite plain number, or NaN after reporting it absent ({@code required}) or refused. */
    double requireNumber(final String field, final String required) {
        final JsonNode value = json.get(field);
        if (value == null) {
            problem(field, required);
            return Double.NaN;
        }
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            problem(field, "must be a number (got " + shown(value) + ")");
            return Double.NaN;
        }
        return value.asDouble();
    }

    /** @return a price in the diagram's currency unit, a plain number >= 0; 0 when absent or refused. */
    double optionalPrice(final String field) {
        final JsonNode value = json.get(field);
        if (value == null) {
            return 0;
        }
        if (!value.isNumber() || !(value.asDouble() >= 0) || Double.isInfinite(value.asDouble())) {
            problem(field, "must be a number >= 0, in the diagram's currency unit (got " + shown(value) + ")");
            return 0;
        }
        return value.asDouble();
    }

    /** @return requests that may wait, >= 0, or {@link ServiceSpec#UNBOUNDED} when absent, 'unbounded' or refused. */
    int optionalQueueCapacity(final String field) {
        final JsonNode value = json.get(field);
        if (value == null || value.isTextual() && "unbounded".equals(value.asText())) {
            return ServiceSpec.UNBOUNDED;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 0) {
            problem(field, "must be a capacity >= 0 or 'unbounded' (got " + shown(value) + ")");
            return ServiceSpec.UNBOUNDED;
        }
        return value.asInt();
    }

    /** @return one of {@code names} (listed in this order by the message), or dflt when absent or refused. */
    String optionalChoice(final String field, final String dflt, final String... names) {
        final JsonNode value = json.get(field);
        if (value == null) {
            return dflt;
        }
        for (final String name : names) {
            if (name.equals(value.asText())) {
                return name;
            }
        }
        final String last = names[names.length - 1];
        final String others = String.join(", ", List.of(names).subList(0, names.length - 1));
        problem(field, "must be " + others + " or " + last + " (got " + shown(value) + ")");
        return dflt;
    }

    // ---------------------------------------------------------------- units

    /** @return a duration in ns ({@code 250us}, {@code 5ms}, {@code 2s}; a bare 0), or dflt when absent or refused. */
    long optionalDuration(final String field, final long dflt) {
        final JsonNode value = json.get(field);
        if (value == null) {
            return dflt;
        }
        if (value.isNumber() && value.asDouble() == 0) {
            return 0;
        }
        if (!value.isTextual()) {
            problem(field, "needs a unit, e.g. 250us, 5ms, 2s (got " + shown(value) + ")");
            return dflt;
        }
        return parse(field, value, dflt, Units::parseDurationNs);
    }

    /**
     * @return a duration >= 0, or dflt when absent or malformed. A negative one is reported and still returned, so
     *         that checks against it (a backoff's cap) stay quiet rather than compare with the default.
     */
    long optionalNonNegativeDuration(final String field, final long dflt) {
        final long value = optionalDuration(field, dflt);
        if (value < 0) {
            problem(field, "must be >= 0 (got " + Units.formatNs(value) + ")");
        }
        return value;
    }

    /** @return a duration >= 0, or {@link #INVALID} after reporting it absent ({@code required}) or refused. */
    long requireNonNegativeDuration(final String field, final String required) {
        return requireDuration(field, required, 0, ">= 0");
    }

    /** @return a duration > 0, or {@link #INVALID} after reporting it absent ({@code required}) or refused. */
    long requirePositiveDuration(final String field, final String required) {
        return requireDuration(field, required, 1, "> 0");
    }

    /** @param bound {@code minNs} as the message says it. */
    private long requireDuration(final String field, final String required, final long minNs, final String bound) {
        if (!json.has(field)) {
            problem(field, required);
            return INVALID;
        }
        final long value = optionalDuration(field, INVALID);
        if (value != INVALID && value < minNs) {
            problem(field, "must be " + bound + " (got " + shown(json.get(field).asText()) + ")");
            return INVALID;
        }
        return value;
    }

    /** @return a duration > 0, dflt when absent, or {@link #INVALID} after reporting it refused. */
    long optionalPositiveDuration(final String field, final long dflt) {
        return json.has(field) ? requirePositiveDuration(field, "") : dflt;
    }

    /** @return a rate > 0 in events per second ({@code 800/s}), or NaN after reporting it absent or refused. */
    double requireRate(final String field, final String required) {
        final JsonNode value = json.get(field);
        if (value == null) {
            problem(field, required);
            return Double.NaN;
        }
        final Double rate = parse(field, value, null, Units::parseRatePerSec);
        if (rate == null) {
            return Double.NaN;
        }
        if (!(rate > 0)) {
            problem(field, "must be > 0 (got " + shown(value.asText()) + ")");
            return Double.NaN;
        }
        if (rate > DiagramLimits.MAX_RATE_PER_SECOND) {
            problem(field, "must be at most 1e9/s, one arrival a nanosecond (got " + shown(value.asText()) + ")");
            return Double.NaN;
        }
        return rate;
    }

    /** @return a size in bytes ({@code 512B}, {@code 10GB}), or dflt when absent or refused. */
    long optionalBytes(final String field, final long dflt) {
        final JsonNode value = json.get(field);
        return value == null ? dflt : parse(field, value, dflt, Units::parseBytes);
    }

    /** @return a growth in bytes per day ({@code 1GB/day}), or dflt when absent or refused. */
    double optionalBytesPerDay(final String field, final double dflt) {
        final JsonNode value = json.get(field);
        return value == null ? dflt : parse(field, value, dflt, Units::parseBytesPerDay);
    }

    /** @return the value's text as a {@link Units} parser reads it, or dflt after reporting the parser's reason. */
    private <T> T parse(final String field, final JsonNode value, final T dflt, final Function<String, T> parser) {
        try {
            return parser.apply(value.asText());
        } catch (final IllegalArgumentException ex) {
            problem(field, ex.getMessage());
            return dflt;
        }
    }
}
