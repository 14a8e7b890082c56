package io.tickwire.cli;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.test.SimulatedJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --roll-cycle} and {@code --retain} on {@code run}; {@code export} and {@code replay} of a retained one. */
@Timeout(90)
class RetentionCliTest {
    @TempDir
    Path tmp;

    @Test
    void shouldRecordTheRollCycleAndRetentionOfARun() throws Exception {
        final Path journal = tmp.resolve("j");
        final Cli.Result run = Cli.execute("run", "../examples/mm1.yaml", "--speed", "max", "--ticks", "100",
            "--journal", journal.toString(), "--no-serve", "--roll-cycle", "ten_minutely", "--retain", "7d");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("(ten_minutely cycles, retaining 604800.0 s)");
        final Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(journal.resolve("run.properties"), StandardCharsets.UTF_8)) {
            props.load(in);
        }
        assertThat(props.getProperty("rollCycle")).isEqualTo("TEN_MINUTELY");
        assertThat(props.getProperty("retain")).isEqualTo("604800000ms");
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.firstTick()).isZero();
            assertThat(reader.lastTick()).isEqualTo(99);
        }

        final Cli.Result bad = Cli.execute("run", "../examples/mm1.yaml", "--ticks", "1", "--no-serve", "--journal",
            tmp.resolve("k").toString(), "--retain", "forever");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.errLines()).containsExactly("tickwire: --retain: expected an age (7d, 12h, 30min) or a size "
            + "(10GB, 500MB), got 'forever'");
        final Cli.Result cycle = Cli.execute("run", "../examples/mm1.yaml", "--ticks", "1", "--no-serve",
            "--journal", tmp.resolve("l").toString(), "--roll-cycle", "YEARLY");
        assertThat(cycle.code()).isEqualTo(2);
        assertThat(cycle.err()).startsWith("tickwire: --roll-cycle: unknown roll cycle 'YEARLY' (MINUTELY,");
    }

    @Test
    void shouldExportAndReplayTheRetainedPartOfAJournal() throws Exception {
        // 1,000 ticks over ten MINUTELY cycles on a clock that moves a minute every 100 ticks, keeping 3 minutes.
        final Diagram diagram = DiagramLoader.load(Paths.get("../examples/mm1.yaml"));
        final Path journal = tmp.resolve("retained");
        SimulatedJournals.runRetained(journal, diagram, 1);

        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "jsonl");
        assertThat(export.code()).as(export.err()).isZero();
        final String[] lines = export.out().split("\n");
        assertThat(lines).hasSize(300);
        assertThat(lines[0]).contains("\"tick\":700");
        final Cli.Result early = Cli.execute("export", journal.toString(), "--from-tick", "5");
        assertThat(early.code()).isEqualTo(2);
        assertThat(early.errLines()).containsExactly("tickwire: --from-tick 5 is not in the journal (ticks 700 to "
            + "999)");

        final Cli.Result replay = Cli.execute("replay", journal.toString(), "--speed", "max", "--port", "0");
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.err()).contains("ticks 700..999").contains("replay ended at tick 999");
    }
}
