package io.tickwire.engine.observe;

import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.sbe.MetricKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The series of an observed run: the <b>rows</b> of its ticks (what the catalog names: {@code source/metric{labels}})
 * and the <b>inputs</b> that feed them. Most rows have one input; a Prometheus histogram's row is fed by its
 * {@code _bucket} series (one input per {@code le}), its {@code _sum} and its {@code _count}, a summary's by its
 * quantiles, {@code _sum} and {@code _count}. Which role an incoming series takes is decided once, when it is first
 * seen ({@link #input}), by the configuration's rules and then by the naming rules of {@code docs/ingest.md}.
 * <p>
 * <b>Threads.</b> Ingest endpoints register from any event loop (under this object's lock, once per new series; they
 * cache the ids they get); the aggregator reads ids it was sent, which were registered before their samples were
 * published. Arrays are preallocated at their caps and written before the counts, which are volatile.
 */
public final class SeriesRegistry {
    /** {@link #input} refusals, negative. */
    public static final int SERIES_LIMIT = -1;
    public static final int UNKNOWN_SOURCE = -2;

    // Input roles.
    public static final int GAUGE = 0;
    public static final int COUNTER = 1;
    public static final int LATENCY = 2;
    public static final int BUCKET = 3;
    public static final int FAMILY_SUM = 4;
    public static final int FAMILY_COUNT = 5;
    public static final int QUANTILE = 6;

    /** Where a series comes from: the naming rules differ (see {@link #kindByName}). */
    public enum Protocol {
        /** Prometheus remote-write: counters by {@code _total}, histograms and summaries by their labels. */
        PROMETHEUS,
        /** Line protocol, JSON, WebSocket: also latencies by name ({@code *_seconds}, {@code *latency*}). */
        EVENTS
    }

    private final ObserveSpec spec;
    private final int maxRows;
    private final int maxInputs;
    private final Row[] rows;
    private final int[] inputRole;
    private final int[] inputRow;
    private final double[] inputParam;
    private volatile int rowCount;
    private volatile int inputCount;
    private final ConcurrentHashMap<String, Integer> inputsByKey = new ConcurrentHashMap<>();
    private final Map<String, Row> rowsByKey = new java.util.HashMap<>(); // under this
    private final ConcurrentHashMap<String, SourceStats> sources = new ConcurrentHashMap<>();
    private final List<SourceStats> sourceList = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** What is refused before its source is known (a malformed body, a request without a token). */
    private final SourceStats unattributed = new SourceStats("", -1, ObserveSpec.Limit.NONE);
    /** Kinds learnt from remote-write metadata, by metric family. */
    private final ConcurrentHashMap<String, MetricKind> metadataKinds = new ConcurrentHashMap<>();

    public SeriesRegistry(final ObserveSpec spec) {
        this.spec = spec;
        this.maxRows = spec.maxSeries();
        this.maxInputs = Math.min(Integer.MAX_VALUE / 2, spec.maxSeries() * 32L > Integer.MAX_VALUE ? Integer.MAX_VALUE
            : spec.maxSeries() * 32);
        this.rows = new Row[maxRows];
        this.inputRole = new int[maxInputs];
        this.inputRow = new int[maxInputs];
        this.inputParam = new double[maxInputs];
        for (final String s : spec.sources().keySet()) {
            source(s);
        }
        for (final ObserveSpec.Series s : spec.series()) {
            final MetricKind kind = s.kind() != null ? s.kind() : null;
            if (input(s.source(), s.metric(), new TreeMap<>(s.labels()), kind, s.unit(), Protocol.EVENTS) < 0) {
                throw new IllegalArgumentException("series " + s + " cannot be registered");
            }
        }
    }

    public ObserveSpec spec() {
        return spec;
    }

    /** The stats of source {@code name}, created on first use if the run discovers sources; null if refused. */
    public SourceStats source(final String name) {
        final SourceStats known = sources.get(name);
        if (known != null) {
            return known;
        }
        if (!spec.discover() && !spec.sources().containsKey(name)) {
            return null;
        }
        synchronized (this) {
            final SourceStats again = sources.get(name);
            if (again != null) {
                return again;
            }
            final SourceStats created = new SourceStats(name, sourceList.size(), spec.limitOf(name));
            sourceList.add(created);
            sources.put(name, created);
            return created;
        }
    }

    /** The counters of what was refused before its source could be told (reported as source "", not a row's). */
    public SourceStats unattributed() {
        return unattributed;
    }

    /** Source number {@code index} (in order of appearance). */
    public SourceStats source(final int index) {
        return sourceList.get(index);
    }

    /** Every source so far, in order of appearance. */
    public List<SourceStats> sources() {
        return List.copyOf(sourceList);
    }

    /** Remote-write metadata: the type of a metric family, for series registered from now on. */
    public void metadata(final String family, final MetricKind kind) {
        metadataKinds.put(family, kind);
    }

    /**
     * The input id of series {@code metric{labels}} of {@code source}, registered (and its row, and its source) on
     * first sight.
     *
     * @param labels  the series' labels but the source's, sorted by name (the caller's map is not kept).
     * @param kind    declared by the sender (JSON, WebSocket); null for the rules.
     * @param unit    declared by the sender; null for the rules.
     * @return the input id (&ge; 0), or {@link #SERIES_LIMIT} / {@link #UNKNOWN_SOURCE}.
     */
    public int input(final String source, final String metric, final SortedMap<String, String> labels,
                     final MetricKind kind, final String unit, final Protocol protocol) {
        final String key = source + '\u0000' + metric + '\u0000' + labels;
        final Integer known = inputsByKey.get(key);
        if (known != null) {
            return known;
        }
        if (source(source) == null) {
            return UNKNOWN_SOURCE;
        }
        synchronized (this) {
            final Integer again = inputsByKey.get(key);
            if (again != null) {
                return again;
            }
            final int id = register(source, metric, labels, kind, unit, protocol);
            if (id >= 0) {
                inputsByKey.put(key, id);
            }
            return id;
        }
    }

    private int register(final String source, final String metric, final SortedMap<String, String> labels,
                         final MetricKind declared, final String unit, final Protocol protocol) {
        if (inputCount == maxInputs) {
            return SERIES_LIMIT;
        }
        final ObserveSpec.Metric rule = spec.metrics().get(metric);
        final MetricKind kind = declared != null ? declared : rule != null ? rule.kind() : null;
        final String le = labels.get("le");
        final String quantile = labels.get("quantile");
        if (kind == null && le != null && metric.endsWith("_bucket")) {
            final String family = metric.substring(0, metric.length() - "_bucket".length());
            final double bound = parseBound(le);
            if (!Double.isNaN(bound)) {
                return addInput(BUCKET, bound, family(source, family, without(labels, "le"), MetricKind.HISTOGRAM));
            }
        }
        if (kind == null && quantile != null) {
            final double q = parseBound(quantile);
            if (q >= 0 && q <= 1) {
                return addInput(QUANTILE, q, family(source, metric, without(labels, "quantile"),
                    MetricKind.SUMMARY));
            }
        }
        if (kind == null && (metric.endsWith("_sum") || metric.endsWith("_count"))) {
            final boolean sum = metric.endsWith("_sum");
            final String family = metric.substring(0, metric.lastIndexOf('_'));
            final Row existing = rowsByKey.get(rowKey(source, family, labels));
            final MetricKind familyKind = metadataKinds.get(family);
            if (existing != null && (existing.kind == MetricKind.HISTOGRAM || existing.kind == MetricKind.SUMMARY)
                || familyKind == MetricKind.HISTOGRAM || familyKind == MetricKind.SUMMARY
                || kindByName(family, Protocol.EVENTS) == MetricKind.LATENCY) {
                final Row row = existing != null ? existing : family(source, family, labels,
                    familyKind == MetricKind.SUMMARY ? MetricKind.SUMMARY : MetricKind.HISTOGRAM);
                return row == null ? SERIES_LIMIT : addInput(sum ? FAMILY_SUM : FAMILY_COUNT, 0, row);
            }
        }
        final MetricKind resolved = kind != null ? kind : metadataKinds.getOrDefault(metric, kindByName(metric, protocol));
        final String rowUnit = unit != null ? unit : rule != null && rule.unit() != null ? rule.unit() : null;
        final int role = switch (resolved) {
            case COUNTER -> COUNTER;
            case LATENCY, HISTOGRAM, SUMMARY -> LATENCY;
            default -> GAUGE;
        };
        final MetricKind rowKind = role == LATENCY ? MetricKind.LATENCY : resolved;
        final Row row = row(source, metric, labels, rowKind, rowUnit);
        return row == null ? SERIES_LIMIT : addInput(role, row.scaleToNs, row);
    }

    /**
     * The kind of a metric by its name alone: {@code *_total} a counter; for events (not Prometheus, whose
     * {@code node_boot_time_seconds} is a gauge) {@code *_seconds}, {@code *_ms} and names holding {@code latency} or
     * {@code duration} a latency; anything else a gauge.
     */
    public static MetricKind kindByName(final String metric, final Protocol protocol) {
        if (metric.endsWith("_total")) {
            return MetricKind.COUNTER;
        }
        if (protocol == Protocol.EVENTS) {
            final String m = metric.toLowerCase(Locale.ROOT);
            if (timeScale(m) > 0 || m.contains("latency") || m.contains("duration")) {
                return MetricKind.LATENCY;
            }
        }
        return MetricKind.GAUGE;
    }

    /** ns per unit of a time metric, by its name's suffix; 0 if it names none. */
    static double timeScale(final String metric) {
        if (metric.endsWith("_seconds") || metric.endsWith("_s")) {
            return 1e9;
        }
        if (metric.endsWith("_milliseconds") || metric.endsWith("_ms")) {
            return 1e6;
        }
        if (metric.endsWith("_microseconds") || metric.endsWith("_us")) {
            return 1e3;
        }
        if (metric.endsWith("_nanoseconds") || metric.endsWith("_ns")) {
            return 1;
        }
        return 0;
    }

    /**
     * ns per unit {@code unit} (s, ms, us, ns); else by the name's suffix; else seconds for a name holding latency or
     * duration (Prometheus' base unit); else -1: not a time, values recorded as they are.
     */
    private static double scaleToNs(final String metric, final String unit) {
        if (unit != null) {
            switch (unit) {
                case "s" -> {
                    return 1e9;
                }
                case "ms" -> {
                    return 1e6;
                }
                case "us" -> {
                    return 1e3;
                }
                case "ns" -> {
                    return 1;
                }
                default -> {
                    // not a time unit: the values are recorded as they are
                    return -1;
                }
            }
        }
        final String m = metric.toLowerCase(Locale.ROOT);
        final double byName = timeScale(m);
        if (byName > 0) {
            return byName;
        }
        return m.contains("latency") || m.contains("duration") ? 1e9 : -1;
    }

    private Row family(final String source, final String family, final SortedMap<String, String> labels,
                       final MetricKind kind) {
        final Row existing = rowsByKey.get(rowKey(source, family, labels));
        return existing != null ? existing : row(source, family, labels, kind, null);
    }

    private Row row(final String source, final String metric, final SortedMap<String, String> labels,
                    final MetricKind kind, final String unit) {
        final String key = rowKey(source, metric, labels);
        final Row existing = rowsByKey.get(key);
        if (existing != null) {
            return existing;
        }
        final int id = rowCount;
        if (id == maxRows) {
            return null;
        }
        final boolean timed = kind == MetricKind.LATENCY || kind == MetricKind.HISTOGRAM
            || kind == MetricKind.SUMMARY;
        double scale = timed ? scaleToNs(metric, unit) : 1;
        final String rowUnit;
        if (timed && scale > 0) {
            rowUnit = "ns";
        } else {
            scale = 1;
            rowUnit = unit != null ? unit : "";
        }
        final String labelText = labelText(labels);
        final Row row = new Row(id, kind, source, metric, labelText, rowUnit, scale,
            source + '/' + metric + (labelText.isEmpty() ? "" : '{' + labelText + '}'), source(source).index());
        rows[id] = row;
        rowsByKey.put(key, row);
        rowCount = id + 1;
        return row;
    }

    private int addInput(final int role, final double param, final Row row) {
        if (row == null) {
            return SERIES_LIMIT;
        }
        final int id = inputCount;
        inputRole[id] = role;
        inputRow[id] = row.id;
        inputParam[id] = param;
        if (role == BUCKET || role == QUANTILE) {
            row.addPart(id, param);
        } else if (role == FAMILY_SUM) {
            row.sumInput = id;
        } else if (role == FAMILY_COUNT) {
            row.countInput = id;
        }
        inputCount = id + 1;
        return id;
    }

    private static String rowKey(final String source, final String metric, final Map<String, String> labels) {
        return source + '\u0000' + metric + '\u0000' + labels;
    }

    private static SortedMap<String, String> without(final SortedMap<String, String> labels, final String name) {
        final SortedMap<String, String> copy = new TreeMap<>(labels);
        copy.remove(name);
        return copy;
    }

    private static double parseBound(final String text) {
        try {
            return switch (text) {
                case "+Inf", "Inf", "inf", "+inf" -> Double.POSITIVE_INFINITY;
                default -> Double.parseDouble(text);
            };
        } catch (final NumberFormatException ex) {
            return Double.NaN;
        }
    }

    /** {@code k="v"} pairs, comma-separated, in the map's order; quotes and backslashes escaped. */
    public static String labelText(final Map<String, String> labels) {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, String> e : labels.entrySet()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(e.getKey()).append("=\"")
                .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- read by the aggregator (and reports)

    public int rowCount() {
        return rowCount;
    }

    public int inputCount() {
        return inputCount;
    }

    /** Row {@code id}, for {@code id < rowCount()}. */
    public Row row(final int id) {
        return rows[id];
    }

    int role(final int input) {
        return inputRole[input];
    }

    int rowOf(final int input) {
        return inputRow[input];
    }

    /** A bucket's upper bound, a quantile's q, a latency's ns per unit. */
    double param(final int input) {
        return inputParam[input];
    }

    /** Rows {@code from..to-1}. */
    public List<Row> rows(final int from, final int to) {
        final List<Row> list = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            list.add(rows[i]);
        }
        return list;
    }

    /** A row of the ticks: one series (or one histogram or summary family) of one source. */
    public static final class Row {
        public final int id;
        public final MetricKind kind;
        public final String source;
        public final String metric;
        public final String labels;
        /** {@code ns} when the row's percentiles are times; else the unit of its values. */
        public final String unit;
        /** Multiply a value by this for the histogram (ns for times). */
        public final double scaleToNs;
        public final String name;
        public final int sourceIndex;
        // Parts of a histogram (buckets by bound) or a summary (quantiles by q), sorted: replaced whole on change.
        volatile Parts parts = Parts.NONE;
        volatile int sumInput = -1;
        volatile int countInput = -1;

        Row(final int id, final MetricKind kind, final String source, final String metric, final String labels,
            final String unit, final double scaleToNs, final String name, final int sourceIndex) {
            this.id = id;
            this.kind = kind;
            this.source = source;
            this.metric = metric;
            this.labels = labels;
            this.unit = unit;
            this.scaleToNs = scaleToNs;
            this.name = name;
            this.sourceIndex = sourceIndex;
        }

        private void addPart(final int input, final double bound) {
            final Parts p = parts;
            final int n = p.inputs.length;
            int at = 0;
            while (at < n && p.bounds[at] < bound) {
                at++;
            }
            final int[] inputs = new int[n + 1];
            final double[] bounds = new double[n + 1];
            System.arraycopy(p.inputs, 0, inputs, 0, at);
            System.arraycopy(p.bounds, 0, bounds, 0, at);
            inputs[at] = input;
            bounds[at] = bound;
            System.arraycopy(p.inputs, at, inputs, at + 1, n - at);
            System.arraycopy(p.bounds, at, bounds, at + 1, n - at);
            parts = new Parts(inputs, bounds);
        }

        @Override
        public String toString() {
            return name + " (" + kind.name().toLowerCase(Locale.ROOT) + ")";
        }
    }

    @Override
    public String toString() {
        return "SeriesRegistry{rows=" + rowCount + ", inputs=" + inputCount + ", sources=" + sourceList.size() + '}';
    }

    /** For tests and reports: the rows, in id order. */
    public List<Row> rows() {
        return rows(0, rowCount);
    }

    /** A family's parts, ascending by bound: its bucket inputs and their {@code le}, or quantiles and their q. */
    record Parts(int[] inputs, double[] bounds) {
        static final Parts NONE = new Parts(new int[0], new double[0]);
    }
}
