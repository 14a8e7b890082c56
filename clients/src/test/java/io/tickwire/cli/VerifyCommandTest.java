package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalWriter;
import io.tickwire.journal.test.SimulatedJournals;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tickwire verify}: a journal proven by its re-simulation, with any number of workers, or refuted. */
@Timeout(120)
class VerifyCommandTest {
    private static final long TICKS = 600;
    /** Two independent systems: two partitions, so --workers 2 really runs two workers. */
    private static final String DIAGRAM = SimulatedJournals.TWO_SYSTEMS;

    @TempDir
    static Path tmp;
    private static Path diagram;
    private static Path journal;

    @BeforeAll
    static void journalARun() throws Exception {
        diagram = tmp.resolve("two-systems.yaml");
        Files.writeString(diagram, DIAGRAM);
        journal = tmp.resolve("seed-1");
        run(journal, 1, 2);
    }

    @Test
    void shouldFindTheJournalIdenticalWithOneOrTwoWorkers() {
        for (final String workers : new String[] {"1", "2"}) {
            final Cli.Result r = Cli.execute("verify", journal.toString(), "--workers", workers);
            assertThat(r.code()).as("--workers %s: %s", workers, r.err()).isZero();
            assertThat(r.out()).isEqualTo("identical: " + TICKS + " ticks" + System.lineSeparator());
            // Two partitions: no message that fewer workers than asked for were used.
            assertThat(r.err()).doesNotContain("independent partition");
        }
    }

    @Test
    void shouldExitOneNamingTheTickAndFieldWhenTheSeedIsWrong() throws Exception {
        // A run with seed 2, whose run.properties then claims seed 1: verify re-simulates with the wrong seed.
        final Path other = tmp.resolve("seed-2-claiming-1");
        run(other, 2, 1);
        final Path properties = other.resolve(JournalLayout.RUN_FILE);
        final List<String> lines = Files.readAllLines(properties, StandardCharsets.UTF_8);
        assertThat(lines).contains("seed=2");
        Files.write(properties, lines.stream().map(l -> l.equals("seed=2") ? "seed=1" : l)
            .collect(Collectors.toList()), StandardCharsets.UTF_8);

        final Cli.Result r = Cli.execute("verify", other.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        final String[] out = r.out().split("\\R");
        assertThat(out[0]).matches("differs at tick \\d+: (services|entries)\\[[a-z]+]\\.[A-Za-z0-9]+(\\[\\d+])? "
            + "journal=\\S+ simulated=\\S+");
        // The catalog still says what the run really used.
        assertThat(out[1]).isEqualTo("differs at catalog: seed journal=2 simulated=1");
    }

    @Test
    void shouldExitTwoForAJournalItCannotVerify() throws Exception {
        final Cli.Result missing = Cli.execute("verify", tmp.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.errLines()).containsExactly("tickwire: no such journal: " + tmp.resolve("nope"));

        // A run that started (its catalog is journaled) but closed no tick.
        final Path noTicks = tmp.resolve("no-ticks");
        final Diagram d = DiagramLoader.parse(DIAGRAM);
        try (Simulation sim = Simulation.create(d, new Simulation.Context().seed(1));
             JournalWriter writer = JournalWriter.create(noTicks, d, sim.seed(), sim.id())) {
            final byte[] catalog = sim.catalog();
            writer.onCatalog(new UnsafeBuffer(catalog), 0, catalog.length);
        }
        final Cli.Result empty = Cli.execute("verify", noTicks.toString());
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.errLines()).containsExactly("tickwire: journal " + noTicks + " has no ticks");
        assertThat(empty.out()).isEmpty();

        final Cli.Result workers = Cli.execute("verify", journal.toString(), "--workers", "0");
        assertThat(workers.code()).isEqualTo(2);
        assertThat(workers.errLines()).containsExactly("tickwire: --workers must be >= 1, got 0");
    }

    private static void run(final Path dir, final long seed, final int workers) {
        final Cli.Result r = Cli.execute("run", diagram.toString(), "--speed", "max", "--ticks", Long.toString(TICKS),
            "--seed", Long.toString(seed), "--workers", Integer.toString(workers), "--journal", dir.toString(),
            "--no-serve");
        assertThat(r.code()).as(r.err()).isZero();
    }
}
