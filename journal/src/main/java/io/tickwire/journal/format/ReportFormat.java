package io.tickwire.journal.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tickwire.sbe.MetricKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link RunReport} as {@code tickwire report} prints it: aligned text tables, or one JSON object. Figures that do
 * not exist (a mean of nothing, a utilisation without the integrals) are "-" in text and null in JSON, never 0.
 */
public final class ReportFormat {
    private static final double NANOS_PER_MILLI = 1e6;
    private static final double BYTES_PER_GIB = 1L << 30;
    private static final double NANOS_PER_SECOND = 1e9;

    private ReportFormat() {
    }

    /** The {@code --json} object, on one line (no newline). */
    public static String json(final RunReport report, final String journal) {
        try {
            return new ObjectMapper().writeValueAsString(jsonTree(report, journal));
        } catch (final JsonProcessingException ex) {
            throw new IllegalStateException("a tree of plain values did not serialise", ex);
        }
    }

    /** The {@code --json} object as a tree, for a caller that adds to it (the events' counts). */
    public static ObjectNode jsonTree(final RunReport report, final String journal) {
        final ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("journal", journal);
        final ObjectNode simulation = root.putObject("simulation");
        simulation.put("name", report.simulationName());
        simulation.put("seed", report.seed());
        simulation.put("ticks", report.ticks());
        simulation.put("simulatedSeconds", report.simulatedNs() / NANOS_PER_SECOND);
        simulation.put("warmupSeconds", report.windowStartNs() / NANOS_PER_SECOND);
        final ObjectNode services = root.putObject("services");
        for (final ServiceFigures s : report.services()) {
            final ObjectNode n = services.putObject(s.name());
            n.put("arrivals", s.arrivals());
            n.put("completed", s.completed());
            n.put("errors", s.errors());
            n.put("rejected", s.rejected());
            n.put("timeouts", s.timeouts());
            n.put("retries", s.retries());
            n.put("rate_limited", s.rateLimited());
            n.put("bulkhead_refused", s.bulkheadRefused());
            n.put("breaker_refused", s.breakerRefused());
            n.put("storage_bytes", s.storageBytes());
            putLatencies(n, s);
            putNumber(n, "utilization", s.utilization());
            putNumber(n, "mean_queue", s.meanQueue());
            putNumber(n, "mean_in_system", s.meanInSystem());
            putNumber(n, "throughput_per_s", s.throughputPerSecond());
            putNumber(n, "little_l", s.meanInSystem());
            putNumber(n, "little_lambda_w", s.littleLambdaW());
            putNumber(n, "little_ratio", s.littleRatio());
            putNumber(n, "cost", s.cost());
        }
        if (report.catalog().observed()) {
            final ObjectNode series = root.putObject("series");
            for (final ServiceFigures s : report.services()) {
                final ObjectNode n = series.putObject(s.name());
                final MetricKind kind = report.catalog().kind(s.id());
                n.put("kind", kind == null ? "unknown" : kind.name().toLowerCase(Locale.ROOT));
                n.put("samples", s.arrivals());
                n.put("late", s.late());
                putNumber(n, "last", s.value());
                putNumber(n, "min", s.valueMin());
                putNumber(n, "max", s.valueMax());
                putNumber(n, "mean", s.valueMean());
                putNumber(n, "rate_per_s", kind == MetricKind.COUNTER ? s.rate() : Double.NaN);
            }
        }
        final ObjectNode entries = root.putObject("entries");
        for (final EntryFigures e : report.entries()) {
            final ObjectNode n = entries.putObject(e.name());
            n.put("target", e.target());
            n.put("completed", e.completed());
            n.put("errors", e.errors());
            n.put("rejected", e.rejected());
            n.put("timeouts", e.timeouts());
            putLatencies(n, e);
            putNumber(n, "throughput_per_s", e.throughputPerSecond());
        }
        return root;
    }

    /**
     * Aligned tables: per service, what happened to requests, then how the service was occupied; then per entry point,
     * the requests end to end.
     */
    public static String text(final RunReport report, final String journal) {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("journal     ").append(journal).append('\n');
        sb.append("simulation  ").append(report.simulationName())
            .append(", seed ").append(report.seed())
            .append(", ").append(report.ticks()).append(" ticks, ")
            .append(seconds(report.simulatedNs())).append(" simulated\n");
        sb.append("window      ").append(seconds(report.windowStartNs())).append(" to ")
            .append(seconds(report.simulatedNs())).append(" (warm-up ").append(seconds(report.warmupNs()))
            .append("): ").append(seconds(report.windowNs())).append('\n');

        final Table requests = new Table("service", "arrivals", "completed", "errors", "rejected", "timeouts",
            "retries", "mean ms", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
        final Table occupancy = new Table("service", "utilization", "mean queue", "mean in system", "throughput/s",
            "little L", "lambda*W", "L/(lambda*W)", "storage GiB", "cost");
        for (final ServiceFigures s : report.services()) {
            final List<String> row = new ArrayList<>(List.of(s.name(), Long.toString(s.arrivals()),
                Long.toString(s.completed()), Long.toString(s.errors()), Long.toString(s.rejected()),
                Long.toString(s.timeouts()), Long.toString(s.retries())));
            row.addAll(latencyCells(s));
            requests.row(row.toArray(new String[0]));
            occupancy.row(s.name(), decimal(s.utilization(), 3), decimal(s.meanQueue(), 3),
                decimal(s.meanInSystem(), 3), decimal(s.throughputPerSecond(), 3), decimal(s.meanInSystem(), 3),
                decimal(s.littleLambdaW(), 3), decimal(s.littleRatio(), 4),
                s.storageBytes() > 0 ? decimal(s.storageBytes() / BYTES_PER_GIB, 3) : "-", decimal(s.cost(), 6));
        }
        sb.append('\n');
        requests.appendTo(sb);
        if (report.catalog().observed()) {
            sb.append('\n');
            series(report).appendTo(sb, 2);
        } else {
            sb.append('\n');
            occupancy.appendTo(sb);
            // Only for runs that refused something: a run without rate limits, bulkheads or breakers reads as before.
            final Table refused = new Table("service", "rate limited", "bulkhead refused", "breaker refused");
            boolean anyRefused = false;
            for (final ServiceFigures s : report.services()) {
                if (s.rateLimited() + s.bulkheadRefused() + s.breakerRefused() > 0) {
                    anyRefused = true;
                    refused.row(s.name(), Long.toString(s.rateLimited()), Long.toString(s.bulkheadRefused()),
                        Long.toString(s.breakerRefused()));
                }
            }
            if (anyRefused) {
                sb.append('\n');
                refused.appendTo(sb);
            }
        }
        if (!report.entries().isEmpty()) {
            final Table endToEnd = new Table("entry point", "into", "completed", "errors", "rejected", "timeouts",
                "mean ms", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "throughput/s");
            for (final EntryFigures e : report.entries()) {
                final List<String> row = new ArrayList<>(List.of(e.name(), e.target(), Long.toString(e.completed()),
                    Long.toString(e.errors()), Long.toString(e.rejected()), Long.toString(e.timeouts())));
                row.addAll(latencyCells(e));
                row.add(decimal(e.throughputPerSecond(), 3));
                endToEnd.row(row.toArray(new String[0]));
            }
            sb.append('\n');
            endToEnd.appendTo(sb, 2);
        }
        return sb.toString();
    }

    /**
     * An observed run's series over the window, by kind: a gauge's last, min, max and mean of its samples; a
     * counter's rate (its increases over the window's length); a latency's percentiles are in the table above.
     */
    private static Table series(final RunReport report) {
        final Table t = new Table("series", "kind", "samples", "late", "last", "min", "max", "mean", "rate/s");
        for (final ServiceFigures s : report.services()) {
            final MetricKind kind = report.catalog().kind(s.id());
            t.row(s.name(), kind == null ? "-" : kind.name().toLowerCase(Locale.ROOT), Long.toString(s.arrivals()),
                Long.toString(s.late()), number(s.value()), number(s.valueMin()), number(s.valueMax()),
                number(s.valueMean()), kind == MetricKind.COUNTER ? number(s.rate()) : "-");
        }
        return t;
    }

    /** A value in its own unit: up to 6 significant figures, "-" if none. */
    private static String number(final double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "-";
    }

    /** Mean, p50, p90, p99, p99.9 and max in ms, 3 decimals; "-" when nothing completed (the tables' columns). */
    public static List<String> latencyCells(final LatencyFigures r) {
        final boolean latencies = r.completed() > 0;
        final List<String> cells = new ArrayList<>(6);
        cells.add(decimal(r.meanNs() / NANOS_PER_MILLI, 3));
        for (final long ns : new long[] {r.p50Ns(), r.p90Ns(), r.p99Ns(), r.p999Ns(), r.maxNs()}) {
            cells.add(latencies ? decimal(ns / NANOS_PER_MILLI, 3) : "-");
        }
        return cells;
    }

    private static void putLatencies(final ObjectNode n, final LatencyFigures r) {
        final boolean latencies = r.completed() > 0;
        putNumber(n, "mean_ms", r.meanNs() / NANOS_PER_MILLI);
        putNumber(n, "p50_ms", latencies ? r.p50Ns() / NANOS_PER_MILLI : Double.NaN);
        putNumber(n, "p90_ms", latencies ? r.p90Ns() / NANOS_PER_MILLI : Double.NaN);
        putNumber(n, "p99_ms", latencies ? r.p99Ns() / NANOS_PER_MILLI : Double.NaN);
        putNumber(n, "p999_ms", latencies ? r.p999Ns() / NANOS_PER_MILLI : Double.NaN);
        putNumber(n, "max_ms", latencies ? r.maxNs() / NANOS_PER_MILLI : Double.NaN);
    }

    private static void putNumber(final ObjectNode node, final String field, final double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    /** {@code value} with {@code decimals} decimals, or "-" if it does not exist. */
    public static String decimal(final double value, final int decimals) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "-";
    }

    /** Simulated seconds, 3 decimals: {@code 12.500 s}. */
    public static String seconds(final long ns) {
        return String.format(Locale.ROOT, "%.3f s", ns / NANOS_PER_SECOND);
    }

    /** Columns as wide as their widest cell: names aligned left, figures right. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(final String... header) {
            rows.add(header);
        }

        void row(final String... cells) {
            rows.add(cells);
        }

        void appendTo(final StringBuilder sb) {
            appendTo(sb, 1);
        }

        /** @param textColumns how many leading columns hold names (aligned left). */
        void appendTo(final StringBuilder sb, final int textColumns) {
            final int columns = rows.get(0).length;
            final int[] widths = new int[columns];
            for (final String[] row : rows) {
                for (int c = 0; c < columns; c++) {
                    widths[c] = Math.max(widths[c], row[c].length());
                }
            }
            for (final String[] row : rows) {
                for (int c = 0; c < columns; c++) {
                    if (c < textColumns) {
                        sb.append(c == 0 ? "" : "  ").append(row[c]).append(" ".repeat(widths[c] - row[c].length()));
                    } else {
                        sb.append("  ").append(" ".repeat(widths[c] - row[c].length())).append(row[c]);
                    }
                }
                sb.append('\n');
            }
        }
    }
}
