package io.tickwire.journal;

import io.tickwire.engine.test.TickCollector;
import io.tickwire.journal.test.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A writer that dies (kill -9) or is never closed leaves a journal that opens and reads every tick appended. */
@Timeout(60)
class JournalCrashTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadEveryTickAppendedBeforeTheWriterWasKilled() throws Exception {
        final Path journal = dir.resolve("killed");
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // the Chronicle flags
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrashingWriter.class.getName());
        command.add(journal.toString());
        final Process child = new ProcessBuilder(command)
            .redirectError(dir.resolve("child.err").toFile())
            .start();
        try {
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).as("child ready (see child.err)").isEqualTo(CrashingWriter.READY);
                Thread.sleep(50); // killed while appending, most likely mid-excerpt
                child.destroyForcibly(); // SIGKILL
            }
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);
        } finally {
            child.destroyForcibly();
        }

        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.seed()).isEqualTo(Messages.SEED);
            assertThat(reader.diagramSource()).isEqualTo(Messages.YAML);
            assertThat(reader.catalog()).isNotNull();
            assertThat(reader.ended()).isFalse();
            assertThat(reader.firstTick()).isZero();
            final long last = reader.lastTick();
            assertThat(last).isGreaterThanOrEqualTo(CrashingWriter.READY_AFTER - 1);

            final long[] expected = {0};
            while (reader.next((buffer, offset, length, tick) -> {
                assertThat(tick).isEqualTo(expected[0]);
                assertThat(TickCollector.copy(buffer, offset, length)).isEqualTo(Messages.tickBytes(tick));
                expected[0]++;
            })) {
                assertThat(expected[0]).isLessThanOrEqualTo(last + 1);
            }
            assertThat(expected[0]).isEqualTo(last + 1);
            assertThat(reader.seek(last)).isTrue();
            System.out.printf("killed writer: %d ticks read back%n", last + 1);
        }
    }

    @Test
    void shouldReadAJournalWhoseWriterWasNeverClosed() throws IOException {
        final Path journal = dir.resolve("open");
        final JournalWriter writer = JournalWriter.create(journal, Messages.diagram(), 1, 1);
        try {
            Messages.writeTicks(writer, 777);
            try (JournalReader reader = JournalReader.open(journal)) {
                assertThat(reader.ended()).isFalse();
                assertThat(reader.lastTick()).isEqualTo(776);
                long count = 0;
                while (reader.next((buffer, offset, length, tick) -> { })) {
                    count++;
                }
                assertThat(count).isEqualTo(777);
            }
        } finally {
            writer.close(); // only to release the test JVM's mappings, after the reading
        }
    }
}
