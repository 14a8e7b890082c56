package io.tickwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.AlertHistory;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.EventCounts;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.format.ReportFormat;
import io.tickwire.journal.format.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Report a journaled run per service after a warm-up: counts, exact mean and merged-histogram "
        + "percentiles, utilisation, mean queue, throughput and a Little's-law check (L = lambda x W); and end to "
        + "end per entry point. --html FILE also writes them, with plots, as one self-contained page."})
final class ReportCommand extends CliCommand {
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
        final AlertHistory alerts;
        try (JournalReader reader = Journals.openWithTicks(journal, err())) {
            final long lastStartNs = reader.lastTick() * reader.tickLengthNs();
            final long endNs = lastStartNs + reader.tickLengthNs();
            if (warmupNs >= endNs) {
                throw new BadInputException("--warmup " + warmup + " is not before the end of the run ("
                    + Units.formatNs(endNs) + " simulated)");
            }
            if (warmupNs > lastStartNs) {
                throw new BadInputException("--warmup " + warmup + " leaves no whole tick: the last starts at "
                    + ReportFormat.seconds(lastStartNs));
            }
            report = RunReport.compute(reader, warmupNs);
            // The events of the ticks of the window (scale decisions, replica lifecycle, faults, live edits).
            events = EventCounts.count(reader, (report.windowStartNs() + reader.tickLengthNs() - 1)
                / reader.tickLengthNs(), CatalogInfo.decode(reader.catalog()));
            // The alert rules and their firing intervals, over the whole run.
            alerts = AlertHistory.read(reader);
            if (html != null) {
                final String page = HtmlReport.render(reader, report, journal.toString(), alerts);
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
            final ObjectNode root = ReportFormat.jsonTree(report, journal.toString());
            events.putJson(root);
            alerts.putJson(root);
            out().println(new ObjectMapper().writeValueAsString(root));
        } else {
            final StringBuilder text = new StringBuilder(ReportFormat.text(report, journal.toString()));
            events.appendText(text);
            alerts.appendText(text);
            out().print(text);
        }
        out().flush();
        return OK;
    }
}
