package io.tickwire.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs without {@code --journal} journal under the data directory ({@code $TICKWIRE_DATA_DIR}, else XDG's data home),
 * never under the working directory (at the repo root that is the journal module's source folder).
 */
@Timeout(120)
class DataDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void shouldPreferTheVariableThenXdgDataHomeThenTheHomeDirectory() {
        assertThat(DataDirectory.root(Map.of("TICKWIRE_DATA_DIR", "/srv/tw", "XDG_DATA_HOME", "/xdg"), "/home/u"))
            .isEqualTo(Paths.get("/srv/tw"));
        assertThat(DataDirectory.root(Map.of("XDG_DATA_HOME", "/xdg"), "/home/u")).isEqualTo(Paths.get("/xdg/tickwire"));
        assertThat(DataDirectory.root(Map.of(), "/home/u")).isEqualTo(Paths.get("/home/u/.local/share/tickwire"));
        // Blank is unset; a relative XDG_DATA_HOME is invalid (the XDG spec) and ignored.
        assertThat(DataDirectory.root(Map.of("TICKWIRE_DATA_DIR", " ", "XDG_DATA_HOME", "rel"), "/home/u"))
            .isEqualTo(Paths.get("/home/u/.local/share/tickwire"));
        assertThat(DataDirectory.root(Map.of("TICKWIRE_DATA_DIR", "data"), "/home/u"))
            .isEqualTo(Paths.get("data").toAbsolutePath());
    }

    @Test
    void shouldJournalARunWithoutJournalUnderTheDataDirectoryAndAGivenJournalWhereItSays() throws Exception {
        final Path data = tmp.resolve("data");
        final Path work = Files.createDirectories(tmp.resolve("work"));
        final Processes.Outcome run = tickwire(work, data, "run", mm1(), "--speed", "max", "--ticks", "20",
            "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        final List<Path> journals = list(data.resolve("journals"));
        assertThat(journals).hasSize(1);
        assertThat(journals.get(0).getFileName().toString()).matches("mm1-\\d{8}-\\d{6}");
        assertThat(run.err()).contains("journal:   " + journals.get(0));
        assertThat(list(work)).as("no directory in the working directory, only the run's output files")
            .noneMatch(Files::isDirectory);

        final Path given = tmp.resolve("given");
        final Processes.Outcome flagged = tickwire(work, data, "run", mm1(), "--speed", "max", "--ticks", "20",
            "--no-serve", "--journal", given.toString());
        assertThat(flagged.code()).as(flagged.err()).isZero();
        assertThat(given.resolve("run.properties")).exists();
        assertThat(list(data.resolve("journals"))).hasSize(1);
    }

    private static String mm1() {
        return Paths.get("../examples/mm1.yaml").toAbsolutePath().normalize().toString();
    }

    /** The CLI in a JVM of its own in {@code workDir}, as a user runs it, with {@code TICKWIRE_DATA_DIR} set. */
    private static Processes.Outcome tickwire(final Path workDir, final Path data, final String... args) throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // the Chronicle flags
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TickwireCli.class.getName()));
        command.addAll(List.of(args));
        return Processes.run(command, workDir, 100, Map.of(DataDirectory.ENV, data.toString()));
    }

    private static List<Path> list(final Path dir) throws Exception {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }
}
