package io.tickwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.EventCounts;
import io.tickwire.journal.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Report a journaled run per service after a warm-up: counts, exact mean and merged-histogram "
        + "percentiles, utilisation, mean queue, throughput and a Little's-law check (L = lambda x W); and end to "
        + "end per entry point. --html FILE also writes them, with plots, as one self-contained page."})
final class ReportCommand extends CliCommand {
    private static final double NANOS_PER_MILLI = 1e6;
    private static final double BYTES_PER_GIB = 1L << 30;
    private static final double NANOS_PER_SECOND = 1e9;

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A journal directory.")
    Path journal;

    @Option(names = "--json", description = "Print one JSON object instead of tables.")
    boolean json;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "0s",
        description = "Leave out the first TIME of simulated time, e.g. 10s (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--html", paramLabel = "FILE",
        description = "Also write one self-contained HTML file with plots over time, the latency percentile "
            + "distribution and these tables.")
    Path html;

    @Override
    protected int execute() throws Exception {
        final long warmupNs;
        try {
            warmupNs = Units.parseDurationNs(warmup);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--warmup: " + ex.getMessage(), ex);
        }
        if (warmupNs < 0) {
            throw new BadInputException("--warmup must be >= 0, got " + warmup);
        }
        final RunReport report;
        final EventCounts events;
        try (JournalReader reader = Journals.openWithTicks(journal)) {
            final long lastStartNs = reader.lastTick() * reader.tickLengthNs();
            final long endNs = lastStartNs + reader.tickLengthNs();
            if (warmupNs >= endNs) {
                throw new BadInputException("--warmup " + warmup + " is not before the end of the run ("
                    + Units.formatNs(endNs) + " simulated)");
            }
            if (warmupNs > lastStartNs) {
                throw new BadInputException("--warmup " + warmup + " leaves no whole tick: the last starts at "
                    + seconds(lastStartNs));
            }
            report = RunReport.compute(reader, warmupNs);
            // The events of the ticks of the window (scale decisions, replica lifecycle, faults, live edits).
            events = EventCounts.count(reader, (report.windowStartNs() + reader.tickLengthNs() - 1)
                / reader.tickLengthNs(), CatalogInfo.decode(reader.catalog()));
            if (html != null) {
                final String page = HtmlReport.render(reader, report, journal.toString());
                try {
                    Files.writeString(html, page, StandardCharsets.UTF_8);
                } catch (final IOException ex) {
                    throw new BadInputException("cannot write " + html + ": " + ex.getMessage(), ex);
                }
                err().println("wrote " + html);
                err().flush();
            }
        }
        if (json) {
            final ObjectNode root = toJson(report);
            events.putJson(root);
            out().println(new ObjectMapper().writeValueAsString(root));
        } else {
            final StringBuilder text = new StringBuilder(toText(report));
            events.appendText(text);
            out().print(text);
        }
        out().flush();
        return OK;
    }

    /** The {@code --json} object; figures that do not exist (a mean of nothing) are null, never 0. */
    ObjectNode toJson(final RunReport report) {
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode root = mapper.createObjectNode();
        root.put("journal", journal.toString());
        final ObjectNode simulation = root.putObject("simulation");
        simulation.put("name", report.simulationName());
        simulation.put("seed", report.seed());
        simulation.put("ticks", report.ticks());
        simulation.put("simulatedSeconds", report.simulatedNs() / NANOS_PER_SECOND);
        simulation.put("warmupSeconds", report.windowStartNs() / NANOS_PER_SECOND);
        final ObjectNode services = root.putObject("services");
        for (final RunReport.ServiceReport s : report.services()) {
            final ObjectNode n = services.putObject(s.name());
            final boolean latencies = s.completed() > 0;
            n.put("arrivals", s.arrivals());
            n.put("completed", s.completed());
            n.put("errors", s.errors());
            n.put("rejected", s.rejected());
            n.put("timeouts", s.timeouts());
            n.put("retries", s.retries());
            n.put("storage_bytes", s.storageBytes());
            putNumber(n, "mean_ms", s.meanNs() / NANOS_PER_MILLI);
            putNumber(n, "p50_ms", latencies ? s.p50Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "p90_ms", latencies ? s.p90Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "p99_ms", latencies ? s.p99Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "p999_ms", latencies ? s.p999Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "max_ms", latencies ? s.maxNs() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "utilization", s.utilization());
            putNumber(n, "mean_queue", s.meanQueue());
            putNumber(n, "mean_in_system", s.meanInSystem());
            putNumber(n, "throughput_per_s", s.throughputPerSecond());
            putNumber(n, "little_l", s.meanInSystem());
            putNumber(n, "little_lambda_w", s.littleLambdaW());
            putNumber(n, "little_ratio", s.littleRatio());
            putNumber(n, "cost", s.cost());
        }
        final ObjectNode entries = root.putObject("entries");
        for (final RunReport.EntryReport e : report.entries()) {
            final ObjectNode n = entries.putObject(e.name());
            final boolean latencies = e.completed() > 0;
            n.put("target", e.target());
            n.put("completed", e.completed());
            n.put("errors", e.errors());
            n.put("rejected", e.rejected());
            n.put("timeouts", e.timeouts());
            putNumber(n, "mean_ms", e.meanNs() / NANOS_PER_MILLI);
            putNumber(n, "p50_ms", latencies ? e.p50Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "p90_ms", latencies ? e.p90Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "p99_ms", latencies ? e.p99Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "p999_ms", latencies ? e.p999Ns() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "max_ms", latencies ? e.maxNs() / NANOS_PER_MILLI : Double.NaN);
            putNumber(n, "throughput_per_s", e.throughputPerSecond());
        }
        return root;
    }

    /**
     * Aligned tables: per service, what happened to requests, then how the service was occupied; then per entry point,
     * the requests end to end.
     */
    String toText(final RunReport report) {
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
        for (final RunReport.ServiceReport s : report.services()) {
            final boolean latencies = s.completed() > 0;
            requests.row(s.name(), Long.toString(s.arrivals()), Long.toString(s.completed()),
                Long.toString(s.errors()), Long.toString(s.rejected()), Long.toString(s.timeouts()),
                Long.toString(s.retries()), decimal(s.meanNs() / NANOS_PER_MILLI, 3),
                latencies ? decimal(s.p50Ns() / NANOS_PER_MILLI, 3) : "-",
                latencies ? decimal(s.p90Ns() / NANOS_PER_MILLI, 3) : "-",
                latencies ? decimal(s.p99Ns() / NANOS_PER_MILLI, 3) : "-",
                latencies ? decimal(s.p999Ns() / NANOS_PER_MILLI, 3) : "-",
                latencies ? decimal(s.maxNs() / NANOS_PER_MILLI, 3) : "-");
            occupancy.row(s.name(), decimal(s.utilization(), 3), decimal(s.meanQueue(), 3),
                decimal(s.meanInSystem(), 3), decimal(s.throughputPerSecond(), 3), decimal(s.meanInSystem(), 3),
                decimal(s.littleLambdaW(), 3), decimal(s.littleRatio(), 4),
                s.storageBytes() > 0 ? decimal(s.storageBytes() / BYTES_PER_GIB, 3) : "-", decimal(s.cost(), 6));
        }
        sb.append('\n');
        requests.appendTo(sb);
        sb.append('\n');
        occupancy.appendTo(sb);
        if (!report.entries().isEmpty()) {
            final Table endToEnd = new Table("entry point", "into", "completed", "errors", "rejected", "timeouts",
                "mean ms",
                "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "throughput/s");
            for (final RunReport.EntryReport e : report.entries()) {
                final boolean latencies = e.completed() > 0;
                endToEnd.row(e.name(), e.target(), Long.toString(e.completed()), Long.toString(e.errors()),
                    Long.toString(e.rejected()), Long.toString(e.timeouts()), decimal(e.meanNs() / NANOS_PER_MILLI, 3),
                    latencies ? decimal(e.p50Ns() / NANOS_PER_MILLI, 3) : "-",
                    latencies ? decimal(e.p90Ns() / NANOS_PER_MILLI, 3) : "-",
                    latencies ? decimal(e.p99Ns() / NANOS_PER_MILLI, 3) : "-",
                    latencies ? decimal(e.p999Ns() / NANOS_PER_MILLI, 3) : "-",
                    latencies ? decimal(e.maxNs() / NANOS_PER_MILLI, 3) : "-",
                    decimal(e.throughputPerSecond(), 3));
            }
            sb.append('\n');
            endToEnd.appendTo(sb, 2);
        }
        return sb.toString();
    }

    private static void putNumber(final ObjectNode node, final String field, final double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    private static String decimal(final double value, final int decimals) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "-";
    }

    private static String seconds(final long ns) {
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
