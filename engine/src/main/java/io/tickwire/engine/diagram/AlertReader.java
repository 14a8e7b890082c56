package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.diagram.AlertSpec.Function;
import io.tickwire.engine.diagram.AlertSpec.Op;
import io.tickwire.engine.diagram.AlertSpec.Unit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static io.tickwire.engine.diagram.DiagramLimits.shown;

/**
 * Reads {@code alerts[i]}: name, expr, for, keep_firing_for, labels, annotations. The expression,
 * {@code FN(TARGET) OP VALUE} or {@code FN(TARGET[WINDOW]) OP VALUE}, is parsed here by hand so that a problem names
 * its column ({@code alerts[1].expr: unknown service 'chekout' at column 5}); its service is resolved against the
 * diagram's, and {@code max}/{@code min} against the service's autoscaler. In an observed run's configuration
 * ({@link #readObserved}) the target is a series by its catalog name, bare ({@code host1/node_load1}: letters, digits,
 * {@code _ . - / :}) or quoted when it has labels ({@code 'host1/http_latency{path="/"}'}, or double quotes with
 * {@code \"} and {@code \\} escapes), unresolved: the row may appear only at runtime.
 */
final class AlertReader {
    /** The ticks a window may span, at most: each is kept per service the rules read. */
    static final int MAX_WINDOW_TICKS = 1 << 16;

    private static final Set<String> FIELDS = Set.of("name", "expr", "for", "keep_firing_for", "labels",
        "annotations");
    /** Prometheus' label names ({@code [a-zA-Z_][a-zA-Z0-9_]*}); an alert's name is the alertname label's value. */
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,127}");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");
    private static final String FUNCTIONS = String.join(", ",
        Arrays.stream(Function.values()).filter(f -> !f.observedOnly()).map(Function::text).toList());
    private static final String OBSERVED_FUNCTIONS = String.join(", ",
        Arrays.stream(Function.values()).filter(Function::observable).map(Function::text).distinct().toList());

    private AlertReader() {
    }

    static List<AlertSpec> read(final DiagramNode listNode, final ServiceIds ids, final List<AutoscaleSpec> autoscale,
                                final long tickLengthNs) {
        return read(listNode, ids, autoscale, tickLengthNs, false);
    }

    /** An observed run's {@code alerts}: rules on series, by name, {@code serviceId} -1 until the row appears. */
    static List<AlertSpec> readObserved(final DiagramNode listNode, final long tickLengthNs) {
        return read(listNode, null, List.of(), tickLengthNs, true);
    }

    private static List<AlertSpec> read(final DiagramNode listNode, final ServiceIds ids,
                                        final List<AutoscaleSpec> autoscale, final long tickLengthNs,
                                        final boolean observed) {
        final List<AlertSpec> result = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final DiagramNode node : listNode.elements(false)) {
            if (!node.isMappingOf(FIELDS, "with name and expr")) {
                continue;
            }
            final int mark = node.problems().mark();
            final String name = labelName(node, "name");
            if (name != null && !names.add(name)) {
                node.problem("name", "duplicate alert name '" + name + "'");
            }
            final AlertSpec parsed = expression(node, ids, autoscale, tickLengthNs, observed);
            final long forNs = node.optionalNonNegativeDuration("for", 0);
            final long keepNs = node.optionalNonNegativeDuration("keep_firing_for", 0);
            final Map<String, String> labels = labels(node.child("labels"), true);
            final Map<String, String> annotations = labels(node.child("annotations"), false);
            if (parsed != null && node.problems().noneSince(mark)) {
                result.add(new AlertSpec(name, parsed.expr(), parsed.function(), parsed.serviceId(),
                    parsed.serviceName(), parsed.windowTicks(), parsed.op(), parsed.threshold(), forNs, keepNs,
                    labels, annotations));
            }
        }
        return result;
    }

    private static String labelName(final DiagramNode node, final String field) {
        final JsonNode value = node.raw(field);
        if (value == null || value.isNull()) {
            node.problem(field, "is required");
            return null;
        }
        if (!value.isTextual() || !LABEL_NAME.matcher(value.asText()).matches()) {
            node.problem(field, "must be 1-128 of letters, digits and '_', not starting with a digit, as a "
                + "Prometheus label name (got " + shown(value) + ")");
            return null;
        }
        return value.asText();
    }

    /** {@code labels} or {@code annotations}: a mapping of label names to text (a scalar is taken as its text). */
    private static Map<String, String> labels(final DiagramNode node, final boolean isLabels) {
        final Map<String, String> result = new LinkedHashMap<>();
        if (!node.isPresent() || node.toString().equals("null")) {
            return result;
        }
        if (!node.isObject()) {
            node.problem("must be a mapping of names to text (got " + node + ")");
            return result;
        }
        for (final Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            final String key = it.next();
            final JsonNode value = node.raw(key);
            if (!LABEL_NAME.matcher(key).matches()) {
                node.problem(shown(key), "not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
            } else if (isLabels && "alertname".equals(key)) {
                node.problem(key, "is the rule's name: set name instead");
            } else if (!value.isValueNode() || value.isNull()) {
                node.problem(key, "must be text (got " + shown(value) + ")");
            } else {
                result.put(key, value.asText());
            }
        }
        return result;
    }

    /** The parsed expression, in a spec without name, durations or labels; null after reporting a problem. */
    private static AlertSpec expression(final DiagramNode node, final ServiceIds ids,
                                        final List<AutoscaleSpec> autoscale, final long tickLengthNs,
                                        final boolean observed) {
        final JsonNode value = node.raw("expr");
        final String example = observed ? "'value(host1/node_load1) > 4'" : "'p99(checkout) > 500ms'";
        if (value == null || value.isNull()) {
            node.problem("expr", "is required, e.g. " + example);
            return null;
        }
        if (!value.isTextual()) {
            node.problem("expr", "must be text such as " + example + " (got " + shown(value) + ")");
            return null;
        }
        try {
            return new Parser(value.asText(), ids, autoscale, tickLengthNs, observed).parse();
        } catch (final ExpressionException ex) {
            node.problem("expr", ex.getMessage() + " at column " + (ex.column + 1));
            return null;
        }
    }

    /** A problem in an expression, and where: a 0-based column. */
    private static final class ExpressionException extends Exception {
        final int column;

        ExpressionException(final String what, final int column) {
            super(what, null, false, false);
            this.column = column;
        }
    }

    /** {@code FN '(' TARGET ['[' WINDOW ']'] ')' OP VALUE}, spaces anywhere between. */
    private static final class Parser {
        private final String text;
        private final ServiceIds ids;
        private final List<AutoscaleSpec> autoscale;
        private final long tickLengthNs;
        /** An observed run's rule: functions of series, the target a series name left unresolved. */
        private final boolean observed;
        private int at;

        Parser(final String text, final ServiceIds ids, final List<AutoscaleSpec> autoscale, final long tickLengthNs,
               final boolean observed) {
            this.text = text;
            this.ids = ids;
            this.autoscale = autoscale;
            this.tickLengthNs = tickLengthNs;
            this.observed = observed;
        }

        AlertSpec parse() throws ExpressionException {
            skipSpaces();
            final int fnAt = at;
            final String fnText = word(false);
            if (fnText.isEmpty()) {
                throw new ExpressionException("expected a function such as p99(checkout)" + got(), at);
            }
            Function fn = Function.of(fnText.toLowerCase(Locale.ROOT).equals(fnText) ? fnText : "");
            if (fn == null || (observed ? !fn.observable() : fn.observedOnly())) {
                throw new ExpressionException("unknown function '" + shown(fnText) + "' (expected one of "
                    + (observed ? OBSERVED_FUNCTIONS : FUNCTIONS) + ")", fnAt);
            }
            expect('(', "'(' after " + fnText);
            skipSpaces();
            final int targetAt = at;
            final String target = observed ? series() : word(true);
            if (target.isEmpty()) {
                throw new ExpressionException("expected a " + (observed ? "series name such as host1/node_load1"
                    : "service name") + got(), at);
            }
            final Integer serviceId = observed ? Integer.valueOf(-1) : ids.id(target);
            if (serviceId == null) {
                throw new ExpressionException("unknown service '" + shown(target) + "'", targetAt);
            }
            int windowTicks = 1;
            skipSpaces();
            if (peek() == '[') {
                final int windowAt = at;
                if (!fn.takesWindow()) {
                    throw new ExpressionException(fnText + " takes no window: it is the count at a tick's end",
                        windowAt);
                }
                at++;
                final int end = text.indexOf(']', at);
                if (end < 0) {
                    throw new ExpressionException("expected ']' after the window", text.length());
                }
                windowTicks = windowTicks(text.substring(at, end), at);
                at = end + 1;
            }
            expect(')', "')' after the " + (observed ? "series" : "service"));
            skipSpaces();
            final int opAt = at;
            final Op op = op();
            if (op == null) {
                throw new ExpressionException("expected a comparison (>, >=, <, <=, ==, !=)" + got(), opAt);
            }
            skipSpaces();
            final int valueAt = at;
            while (at < text.length() && !Character.isWhitespace(text.charAt(at))) {
                at++;
            }
            final String valueText = text.substring(valueAt, at);
            if (valueText.isEmpty()) {
                throw new ExpressionException("expected a value after " + op.text(), valueAt);
            }
            if (fn == Function.MAX && observed && NUMBER.matcher(valueText).matches()) {
                fn = Function.VALUE_MAX; // max(x) > 4: the largest sample value, not a latency (max(x) > 500ms)
            }
            final double threshold = threshold(fn, valueText, valueAt, serviceId, target);
            skipSpaces();
            if (at < text.length()) {
                throw new ExpressionException("unexpected '" + shown(text.substring(at)) + "' after the value (one "
                    + "condition per rule: and/or are not supported, write two rules)", at);
            }
            return new AlertSpec("_", text.strip(), fn, serviceId, target, windowTicks, op, threshold, 0, 0,
                Map.of(), Map.of());
        }

        private int windowTicks(final String window, final int windowAt) throws ExpressionException {
            final long ns;
            try {
                ns = Units.parseDurationNs(window);
            } catch (final IllegalArgumentException ex) {
                throw new ExpressionException("window: " + ex.getMessage(), windowAt);
            }
            if (tickLengthNs <= 0) {
                return 1; // the tick is refused already
            }
            if (ns < tickLengthNs) {
                throw new ExpressionException("the window must be at least one tick (" + Units.formatNs(tickLengthNs)
                    + "; got '" + shown(window.strip()) + "')", windowAt);
            }
            final long ticks = (ns + tickLengthNs - 1) / tickLengthNs;
            if (ticks > MAX_WINDOW_TICKS) {
                throw new ExpressionException("the window spans at most " + MAX_WINDOW_TICKS + " ticks (got '"
                    + shown(window.strip()) + "', " + ticks + " ticks)", windowAt);
            }
            return (int)ticks;
        }

        private double threshold(final Function fn, final String value, final int valueAt, final int serviceId,
                                 final String target) throws ExpressionException {
            final Unit unit = fn.unit();
            if (unit == Unit.COUNT && ("max".equals(value) || "min".equals(value))) {
                for (final AutoscaleSpec a : autoscale) {
                    if (a.service() == serviceId) {
                        return "max".equals(value) ? a.maxReplicas() : a.minReplicas();
                    }
                }
                throw new ExpressionException("'" + value + "' is the bound of an autoscaler and '" + shown(target)
                    + "' has none", valueAt);
            }
            final boolean bare = NUMBER.matcher(value).matches();
            final double number;
            switch (unit) {
                case LATENCY -> {
                    if (bare && Double.parseDouble(value) != 0) {
                        throw new ExpressionException("a latency needs a unit (ns, us, ms, s), e.g. 500ms (got '"
                            + shown(value) + "')", valueAt);
                    }
                    try {
                        number = bare ? 0 : Units.parseDurationNs(value);
                    } catch (final IllegalArgumentException ex) {
                        throw new ExpressionException(ex.getMessage(), valueAt);
                    }
                }
                case RATIO -> {
                    final boolean percent = value.endsWith("%");
                    final String digits = percent ? value.substring(0, value.length() - 1) : value;
                    if (!NUMBER.matcher(digits).matches()) {
                        throw new ExpressionException("not a ratio (say 0.9 or 90%): '" + shown(value) + "'",
                            valueAt);
                    }
                    number = Double.parseDouble(digits) / (percent ? 100 : 1);
                }
                case NUMBER -> {
                    if (!NUMBER.matcher(value).matches()) {
                        throw new ExpressionException("not a number: '" + shown(value) + "'", valueAt);
                    }
                    return Double.parseDouble(value); // a gauge may be negative
                }
                case PER_SECOND -> {
                    try {
                        number = Units.parseRatePerSec(value);
                    } catch (final IllegalArgumentException ex) {
                        throw new ExpressionException(ex.getMessage(), valueAt);
                    }
                }
                default -> {
                    if (!bare || value.contains(".") || value.contains("e") || value.contains("E")) {
                        throw new ExpressionException("not a whole number of replicas, max or min: '" + shown(value)
                            + "'", valueAt);
                    }
                    number = Double.parseDouble(value);
                }
            }
            if (!Double.isFinite(number) || number < 0) {
                throw new ExpressionException("must be a number >= 0 (got '" + shown(value) + "')", valueAt);
            }
            return number;
        }

        private Op op() {
            for (final Op op : new Op[] {Op.GE, Op.LE, Op.EQ, Op.NE, Op.GT, Op.LT}) {
                if (text.startsWith(op.text(), at)) {
                    at += op.text().length();
                    return op;
                }
            }
            return null;
        }

        /**
         * An observed series' name: bare ({@code [A-Za-z0-9_.:/-]}), or quoted: {@code '...'} as is, {@code "..."}
         * with {@code \"} and {@code \\}; empty if none.
         */
        private String series() throws ExpressionException {
            final char quote = peek();
            if (quote != '\'' && quote != '"') {
                final int from = at;
                while (at < text.length()) {
                    final char c = text.charAt(at);
                    if (!(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' || c == '-' || c == '/'
                        || c == ':')) {
                        break;
                    }
                    at++;
                }
                return text.substring(from, at);
            }
            final int open = at++;
            final StringBuilder name = new StringBuilder();
            while (at < text.length() && text.charAt(at) != quote) {
                if (quote == '"' && text.charAt(at) == '\\' && at + 1 < text.length()) {
                    at++;
                }
                name.append(text.charAt(at++));
            }
            if (at == text.length()) {
                throw new ExpressionException("the series name quoted here is not closed", open);
            }
            at++;
            if (name.isEmpty()) {
                throw new ExpressionException("expected a series name between the quotes", open);
            }
            return name.toString();
        }

        /** A function name ({@code [A-Za-z0-9_]}) or, for {@code service}, a service name (also '.', '-'). */
        private String word(final boolean service) {
            final int from = at;
            while (at < text.length()) {
                final char c = text.charAt(at);
                if (!(Character.isLetterOrDigit(c) && c < 128 || c == '_' || service && (c == '.' || c == '-'))) {
                    break;
                }
                at++;
            }
            return text.substring(from, at);
        }

        private void expect(final char c, final String what) throws ExpressionException {
            skipSpaces();
            if (peek() != c) {
                throw new ExpressionException("expected " + what + got(), at);
            }
            at++;
        }

        private String got() {
            return at < text.length() ? " (got '" + shown(text.substring(at, Math.min(text.length(), at + 20)))
                + "')" : " (got the end)";
        }

        private char peek() {
            return at < text.length() ? text.charAt(at) : 0;
        }

        private void skipSpaces() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }
    }
}
