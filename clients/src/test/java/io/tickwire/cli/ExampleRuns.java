package io.tickwire.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** An example run the way a user runs it: {@code run}, {@code verify}, {@code export} and {@code events}. */
final class ExampleRuns {
    private ExampleRuns() {
    }

    /** What a run exported: its ticks as CSV and its events as JSON lines. */
    record Exported(String csv, String events) {
    }

    /** Runs examples/{@code example}.yaml into {@code journal}, then proves it with verify and exports it. */
    static Exported runExportAndVerify(final Path journal, final String example, final String workers,
                                       final String duration) {
        final Cli.Result run = Cli.execute("run", "../examples/" + example + ".yaml", "--speed", "max", "--duration",
            duration, "--workers", workers, "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        if (!workers.equals("1")) {
            assertThat(run.err()).doesNotContain("independent partition");
        }
        final Cli.Result verify = Cli.execute("verify", journal.toString(), "--workers", workers);
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).startsWith("identical: ").contains(" events");
        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "csv");
        assertThat(export.code()).as(export.err()).isZero();
        final Cli.Result events = Cli.execute("events", journal.toString(), "--json");
        assertThat(events.code()).as(events.err()).isZero();
        return new Exported(export.out(), events.out());
    }

    /**
     * Conservation, tick by tick and per service, from the export: arrivals = completed (errors included) + rejected
     * + the change in requests held (queued + in service). Nothing vanishes in a crash, a drain or a partition.
     */
    static void assertNothingLost(final String csv) {
        final String[] lines = csv.split("\n");
        final List<String> header = Arrays.asList(lines[0].split(","));
        final int service = header.indexOf("service");
        final int arrivals = header.indexOf("arrivals");
        final int completed = header.indexOf("completed");
        final int rejected = header.indexOf("rejected");
        final int queue = header.indexOf("queue_depth");
        final int busy = header.indexOf("busy");
        final Map<String, Long> held = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            final String[] row = lines[i].split(",");
            final long now = Long.parseLong(row[queue]) + Long.parseLong(row[busy]);
            final long before = held.getOrDefault(row[service], 0L);
            assertThat(Long.parseLong(row[arrivals])).as("row %s", lines[i])
                .isEqualTo(Long.parseLong(row[completed]) + Long.parseLong(row[rejected]) + now - before);
            held.put(row[service], now);
        }
        assertThat(held).isNotEmpty();
    }

    /** Drop the last column, wall_time_ns: the only one that differs between runs. */
    static List<String> withoutWallClock(final String csv) {
        return Arrays.stream(csv.split("\n"))
            .map(line -> line.substring(0, line.lastIndexOf(',')))
            .collect(Collectors.toList());
    }
}
