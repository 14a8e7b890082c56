package io.tickwire.cli;

import io.tickwire.journal.test.SimulatedJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journal with garbage at its tail — what a writer killed by a full disk left — is read up to its last good tick by
 * every command, which says so on stderr, instead of failing on the whole journal.
 */
@Timeout(120)
class DamagedJournalCliTest {
    private static final long TICKS = 200;

    @TempDir
    Path tmp;

    @Test
    void shouldReadADamagedJournalUpToItsLastGoodTick() throws Exception {
        final Path journal = tmp.resolve("j");
        SimulatedJournals.run(journal, SimulatedJournals.TWO_SYSTEMS, 11, TICKS, 1);
        // After its SimulationEnd: an excerpt of another schema (id 1, as the full disk left it), 24 bytes long.
        SimulatedJournals.appendExcerpt(journal, new byte[] {16, 0, 10, 0, 1, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
            11, 12, 13, 14, 15, 16});
        final String note = "read as the end of the journal";

        final Path csv = tmp.resolve("j.csv");
        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "csv", "--out",
            csv.toString());
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(export.err()).contains("has schema id 1, expected 7477: " + note);
        assertThat(Files.readAllLines(csv)).hasSize((int)(TICKS * 3 + 1)); // three services a tick, and a header

        final Cli.Result report = Cli.execute("report", journal.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(report.err()).contains(note);

        final Cli.Result verify = Cli.execute("verify", journal.toString());
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).isEqualTo("identical: " + TICKS + " ticks\n");
    }
}
