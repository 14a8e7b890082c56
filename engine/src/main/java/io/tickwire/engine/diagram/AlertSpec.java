package io.tickwire.engine.diagram;

import java.util.Map;
import java.util.Objects;

/**
 * An alert rule ({@code alerts[i]}), with Prometheus' alerting-rule semantics: its condition {@code FN(TARGET) OP
 * VALUE} (or {@code FN(TARGET[WINDOW])}) is evaluated once per tick when the tick closes, from the tick's closed
 * figures; it is pending while true for less than {@code for}, then firing, and resolved once false (and, with
 * {@code keep_firing_for}, once that long has passed since it first read false). Its index in {@link
 * Diagram#alerts()} is the {@code rule} of its {@code AlertEvent}s.
 *
 * @param name            the rule's name (Prometheus' {@code alertname}), unique in the diagram.
 * @param expr            the expression as written.
 * @param function        what it reads.
 * @param serviceId       the service it reads (a database is the implicit service {@code <owner>.db}); -1 in an
 *                        observed run's rule, bound to a row when the row appears.
 * @param serviceName     its name; in an observed run's rule, the series' catalog name ({@code source/metric{labels}}).
 * @param windowTicks     the closed ticks it reads, the last one the tick being closed; 1 without a window.
 * @param op              how the value compares with the threshold.
 * @param threshold       in the function's base unit: ns for latencies, a fraction for ratios, per second for
 *                        rates, a count for replicas ({@code max}/{@code min} resolved to the autoscaler's bounds).
 * @param forNs           how long the condition must hold before the rule fires (simulated time; 0: at once).
 * @param keepFiringForNs how long a firing rule keeps firing after its condition first reads false.
 * @param labels          Prometheus labels, as written.
 * @param annotations     Prometheus annotations, as written.
 */
public record AlertSpec(String name, String expr, Function function, int serviceId, String serviceName,
                        int windowTicks, Op op, double threshold, long forNs, long keepFiringForNs,
                        Map<String, String> labels, Map<String, String> annotations) {

    public AlertSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(function);
        Objects.requireNonNull(op);
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }

    /** What a rule reads of its service's closed ticks, and in what unit. */
    public enum Function {
        P50("p50", Unit.LATENCY), P90("p90", Unit.LATENCY), P99("p99", Unit.LATENCY), P999("p999", Unit.LATENCY),
        /** The largest latency (exact). */
        MAX("max", Unit.LATENCY),
        /** Errors (timeouts included) / completed requests. */
        ERROR_RATE("error_rate", Unit.RATIO),
        /** Completed requests per second. */
        THROUGHPUT("throughput", Unit.PER_SECOND),
        /** Busy server-ns / (servers × tick), as the tick's utilisation. */
        UTILIZATION("utilization", Unit.RATIO),
        /** Replicas provisioned at the tick's end. */
        REPLICAS("replicas", Unit.COUNT),
        /** Ready replicas at the tick's end. */
        READY_REPLICAS("ready_replicas", Unit.COUNT),
        /** Requests refused by a rate limit, per second. */
        RATE_LIMITED("rate_limited", Unit.PER_SECOND),
        /** Calls refused by a bulkhead, per second. */
        BULKHEAD_REFUSED("bulkhead_refused", Unit.PER_SECOND),
        /** Calls refused by an open circuit breaker, per second. */
        BREAKER_REFUSED("breaker_refused", Unit.PER_SECOND),
        // An observed run's series (docs/ingest.md, Alerts on observed runs); p50..p999 and max (a latency with a
        // unit) read its latencies as a service's.
        /** The latest sample's value (of the window's latest tick with samples), in the series' unit. */
        VALUE("value", Unit.NUMBER, true),
        /** The smallest sample value. */
        MIN("min", Unit.NUMBER, true),
        /** The largest sample value: {@code max} compared with a plain number. */
        VALUE_MAX("max", Unit.NUMBER, true),
        /** The samples' mean value. */
        MEAN("mean", Unit.NUMBER, true),
        /** A counter's increase per second (a drop is a reset), over the window. */
        RATE("rate", Unit.PER_SECOND, true),
        /** Late samples of the series (dropped: their tick had closed) per second. */
        LATE("late", Unit.PER_SECOND, true);

        private final String text;
        private final Unit unit;
        private final boolean observedOnly;

        Function(final String text, final Unit unit) {
            this(text, unit, false);
        }

        Function(final String text, final Unit unit, final boolean observedOnly) {
            this.text = text;
            this.unit = unit;
            this.observedOnly = observedOnly;
        }

        /** Whether it reads an observed series' values, not a simulated service's figures. */
        public boolean observedOnly() {
            return observedOnly;
        }

        /** Whether an observed run's rule may use it: its own, and the latency ones. */
        public boolean observable() {
            return observedOnly || ordinal() <= MAX.ordinal();
        }

        /** As the expression writes it. */
        public String text() {
            return text;
        }

        public Unit unit() {
            return unit;
        }

        /** Whether it reads a window: replicas are counts at a tick's end and take none. */
        public boolean takesWindow() {
            return unit != Unit.COUNT;
        }

        /** The function written {@code text}, or null. */
        public static Function of(final String text) {
            for (final Function f : values()) {
                if (f.text.equals(text)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** A value's unit: what a threshold is written in. */
    public enum Unit {
        /** A duration with a unit ({@code 500ms}); ns as a value. */
        LATENCY,
        /** A fraction ({@code 0.9}) or a percentage ({@code 90%}). */
        RATIO,
        /** A number, or a rate ({@code 100/s}, {@code 6000/min}); per second as a value. */
        PER_SECOND,
        /** A whole number, or {@code max}/{@code min}: the autoscaler's bounds. */
        COUNT,
        /** A plain number, in the observed series' own unit. */
        NUMBER
    }

    /** A comparison, as PromQL's. */
    public enum Op {
        GT(">"), GE(">="), LT("<"), LE("<="), EQ("=="), NE("!=");

        private final String text;

        Op(final String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** Whether {@code value OP threshold}; false for NaN (no data), as PromQL's comparisons. */
        public boolean test(final double value, final double threshold) {
            return switch (this) {
                case GT -> value > threshold;
                case GE -> value >= threshold;
                case LT -> value < threshold;
                case LE -> value <= threshold;
                case EQ -> value == threshold;
                case NE -> value != threshold && !Double.isNaN(value);
            };
        }
    }
}
