package io.tickwire.journal;

import io.tickwire.engine.test.TickCollector;
import io.tickwire.journal.test.Messages;
import io.tickwire.journal.test.SmallFilesystem;
import io.tickwire.sbe.EndReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full disk never destroys a journal: on a 16 MiB filesystem the writer stops while some space is left, ends the
 * journal at a tick, and every tick it wrote reads back.
 */
@Timeout(120)
class JournalDiskFullTest {
    @TempDir
    Path dir;

    @Test
    void shouldEndTheJournalCleanlyBeforeTheFilesystemIsFull() throws Exception {
        final Path out = dir.resolve("out");
        final List<String> java = new ArrayList<>(SmallFilesystem.javaCommand(FillingWriter.class.getName()));
        java.add("$SMALL_FS/j");
        java.add(String.valueOf(4L << 20));
        final String script = SmallFilesystem.shell(java).replace("'$SMALL_FS/j'", "\"$SMALL_FS/j\"") + "\n"
            + "rc=$?\nmkdir -p \"$OUT\" && cp -a \"$SMALL_FS/j\" \"$OUT/j\"\nexit $rc\n";
        final SmallFilesystem.Outcome outcome = SmallFilesystem.run(dir.resolve("small"), 16, script,
            Map.of("OUT", out.toString()), dir, 90, null);

        assertThat(outcome.code()).as("child: %s", outcome.err()).isZero();
        final String[] lines = outcome.out().split("\n");
        final long ticks = Long.parseLong(lines[0].substring("ticks=".length()));
        assertThat(ticks).isGreaterThan(1000).isLessThan(FillingWriter.MAX_TICKS);
        assertThat(lines[1]).isEqualTo("told=true");
        assertThat(lines[2]).matches("journal .*/small/j: [0-9.]+ MiB free on its filesystem, less than the 4.0 MiB "
            + "it keeps free: the journal ends at tick " + (ticks - 1));

        try (JournalReader reader = JournalReader.open(out.resolve("j"))) {
            assertThat(reader.damage()).isNull();
            assertThat(reader.ended()).isTrue();
            assertThat(reader.endReason()).isEqualTo(EndReason.DISK_FULL);
            assertThat(reader.lastTick()).isEqualTo(ticks - 1);
            final long[] next = {0};
            while (reader.next((buffer, offset, length, tick) -> {
                assertThat(tick).isEqualTo(next[0]);
                assertThat(TickCollector.copy(buffer, offset, length)).isEqualTo(Messages.tickBytes(tick));
                next[0]++;
            })) {
                assertThat(next[0]).isLessThanOrEqualTo(ticks);
            }
            assertThat(next[0]).isEqualTo(ticks);
        }
    }
}
