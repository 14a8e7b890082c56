package io.tickwire.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's must-show, by the commands a user types: examples/autoscale.yaml and examples/chaos.yaml, run with 1, 2
 * and 4 workers, export byte-identical CSV but for the wall-clock column and list identical events, and {@code verify}
 * finds every journal identical to its re-simulation, events included.
 */
@Timeout(600)
class OperationsExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void shouldRunTheAutoscaleExampleIdenticallyWithOneTwoAndFourWorkers() {
        // 8 minutes: the campaign, the scale-out and the scale-in after it.
        final String[] one = runExportAndVerify("autoscale", "1", "8m");
        assertThat(one[1]).contains("\"type\":\"scale\"");
        for (final String workers : new String[] {"2", "4"}) {
            final String[] other = runExportAndVerify("autoscale", workers, "8m");
            assertThat(withoutWallClock(other[0])).isEqualTo(withoutWallClock(one[0]));
            assertThat(other[1]).isEqualTo(one[1]);
        }
    }

    @Test
    void shouldRunTheChaosExampleIdenticallyWithOneTwoAndFourWorkers() {
        final String[] one = runExportAndVerify("chaos", "1", "400s");
        assertThat(one[1]).contains("\"kind\":\"partition\"").contains("\"kind\":\"database_slow\"");
        for (final String workers : new String[] {"2", "4"}) {
            final String[] other = runExportAndVerify("chaos", workers, "400s");
            assertThat(withoutWallClock(other[0])).isEqualTo(withoutWallClock(one[0]));
            assertThat(other[1]).isEqualTo(one[1]);
        }
    }

    /** The run's CSV export and its events as JSON lines, after verify has proven its journal. */
    private String[] runExportAndVerify(final String example, final String workers, final String duration) {
        final Path journal = tmp.resolve(example + "-" + workers);
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
        return new String[] {export.out(), events.out()};
    }

    /** Drop the last column, wall_time_ns: the only one that differs between runs. */
    private static List<String> withoutWallClock(final String csv) {
        return Arrays.stream(csv.split("\n"))
            .map(line -> line.substring(0, line.lastIndexOf(',')))
            .collect(Collectors.toList());
    }
}
