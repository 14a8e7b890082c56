package io.tickwire.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.tickwire.cli.ExampleRuns.withoutWallClock;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #3's must-show, by the commands a user types: the checkout example (one connected system, split by the
 * diagram into partitions) run with the same seed on one worker and on four exports byte-identical CSV but for the
 * wall-clock column, and {@code verify} finds each journal identical to its re-simulation.
 */
@Timeout(300)
class CheckoutWorkersTest {
    private static final int TICKS = 400;

    @TempDir
    Path tmp;

    @Test
    void shouldExportIdenticalCsvWithOneAndFourWorkersAndVerifyBoth() {
        final String one = runAndExport("1");
        final String four = runAndExport("4");
        assertThat(withoutWallClock(four)).isEqualTo(withoutWallClock(one));
        // Not vacuous: every tick of every service is there, and the system did real work.
        assertThat(one.split("\n")).hasSize(1 + TICKS * 8);
        assertThat(one).contains(",payments,").contains(",orders.db,");
    }

    private String runAndExport(final String workers) {
        final Path journal = tmp.resolve("workers-" + workers);
        final Cli.Result run = Cli.execute("run", "../examples/checkout.yaml", "--speed", "max", "--ticks",
            Integer.toString(TICKS), "--workers", workers, "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        if (!workers.equals("1")) {
            // The system really is split: no note that fewer workers than asked for were used.
            assertThat(run.err()).doesNotContain("independent partition");
        }
        final Cli.Result verify = Cli.execute("verify", journal.toString());
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).startsWith("identical: " + TICKS + " ticks");
        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "csv");
        assertThat(export.code()).as(export.err()).isZero();
        return export.out();
    }
}
