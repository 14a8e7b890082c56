package io.tickwire.journal;

import io.tickwire.engine.TickListener;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.journal.test.Messages;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention: a journal of ten one-minute cycles (the MINUTELY roll cycle, on an injected clock) loses its old cycles
 * whole, oldest first, never the current one nor one a reader holds open; readers see the first tick move forward,
 * and a reader open across a deletion reads on.
 */
class JournalRetentionTest {
    /** 2020-01-01T00:00:00Z, a whole minute. */
    private static final long START_MS = 1_577_836_800_000L;
    private static final int TICKS_PER_MINUTE = 100;
    private static final int MINUTES = 10;

    @TempDir
    Path dir;

    private final List<Long> ticks = new ArrayList<>();
    private final List<byte[]> bytes = new ArrayList<>();
    private final JournalReader.TickHandler collect = (buffer, offset, length, tick) -> {
        ticks.add(tick);
        bytes.add(TickCollector.copy(buffer, offset, length));
    };

    @Test
    void shouldDeleteCyclesOlderThanTheAgeButNotOneAReaderHoldsOpen() throws IOException {
        final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(START_MS));
        final List<Long> moved = new ArrayList<>();
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1, new JournalWriter.Context()
            .rollCycle("MINUTELY").retention(JournalRetention.Policy.parse("3min")).timeProvider(time)
            .retentionCheckMs(0))) {
            writer.onFirstTickMoved(moved::add);
            writeMinutes(writer, time);
            assertThat(cycleFiles()).hasSize(MINUTES);

            try (JournalReader reader = JournalReader.open(dir)) {
                assertThat(reader.firstTick()).isZero();
                assertThat(reader.seek(150)).isTrue();
                for (int i = 0; i < 3; i++) {
                    assertThat(reader.next(collect)).isTrue();
                }
                // Now 10 min: cycles ending 3 min ago or earlier (minutes 0..6) may go, but minute 1 is held open.
                assertThat(writer.enforceRetention()).isEqualTo(100);
                assertThat(cycleFiles()).hasSize(MINUTES - 1);
                assertThat(moved).containsExactly(100L);

                // The reader open across the deletion reads on, into the cycles after it, to the end.
                while (reader.next(collect)) {
                    assertThat(ticks.size()).isLessThanOrEqualTo(MINUTES * TICKS_PER_MINUTE);
                }
                assertThat(ticks).hasSize(MINUTES * TICKS_PER_MINUTE - 150);
                for (int i = 0; i < ticks.size(); i++) {
                    assertThat(ticks.get(i)).isEqualTo(150L + i);
                    assertThat(bytes.get(i)).isEqualTo(Messages.tickBytes(150L + i));
                }
                // It no longer holds minute 1: the next pass deletes minutes 1..6; the current one always stays.
                assertThat(writer.enforceRetention()).isEqualTo(700);
                assertThat(reader.firstTick()).isEqualTo(700);
                assertThat(reader.seek(150)).isFalse();
                assertThat(reader.seek(699)).isFalse();
                assertThat(reader.seek(700)).isTrue();
                ticks.clear();
                assertThat(reader.next(collect)).isTrue();
                assertThat(ticks).containsExactly(700L);
            }
            assertThat(cycleFiles()).hasSize(3);
            time.advanceMillis(TimeUnit.HOURS.toMillis(1));
            writer.onEnd(MINUTES * TICKS_PER_MINUTE - 1, TickListener.EndReason.COMPLETED);
            assertThat(writer.enforceRetention()).as("an ended journal keeps what it has").isEqualTo(700);
            assertThat(cycleFiles()).hasSize(4);
        }

        // A reader opened afterwards: the catalog (its excerpt was in the first cycle) and the retained range.
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.catalog()).isEqualTo(TickCollector.copy(Messages.catalog(), 0,
                Messages.catalog().capacity()));
            assertThat(reader.firstTick()).isEqualTo(700);
            assertThat(reader.lastTick()).isEqualTo(999);
            assertThat(reader.ended()).isTrue();
        }
        final Properties run = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(JournalLayout.RUN_FILE), StandardCharsets.UTF_8)) {
            run.load(in);
        }
        assertThat(run.getProperty("rollCycle")).isEqualTo("MINUTELY");
        assertThat(run.getProperty("retain")).isEqualTo("180000ms");
    }

    @Test
    void shouldKeepTheNewestCyclesWithinASize() throws IOException {
        final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(START_MS));
        final long fileBytes;
        final Path probe = dir.resolve("probe");
        try (JournalWriter writer = JournalWriter.create(probe, Messages.diagram(), 1, 1, new JournalWriter.Context()
            .rollCycle("MINUTELY").timeProvider(time))) {
            Messages.writeTicks(writer, 1);
        }
        try (Stream<Path> files = Files.list(probe.resolve(JournalLayout.QUEUE_DIR))) {
            fileBytes = Files.size(files.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow());
        }

        final Path journal = dir.resolve("sized");
        try (JournalWriter writer = JournalWriter.create(journal, Messages.diagram(), 1, 1, new JournalWriter.Context()
            .rollCycle("MINUTELY").retention(new JournalRetention.Policy(0, fileBytes * 5 / 2)).timeProvider(time)
            .retentionCheckMs(0))) {
            dir = journal;
            writeMinutes(writer, time);
            // Each cycle file is as big as the probe's: two fit in two and a half.
            assertThat(writer.enforceRetention()).isEqualTo((MINUTES - 2) * TICKS_PER_MINUTE);
            assertThat(cycleFiles()).hasSize(2);
            try (JournalReader reader = JournalReader.open(journal)) {
                assertThat(reader.firstTick()).isEqualTo((MINUTES - 2) * TICKS_PER_MINUTE);
                assertThat(reader.catalog()).isNotNull();
            }
        }
    }

    @Test
    void shouldParseAgesAndSizes() {
        assertThat(JournalRetention.Policy.parse("7d")).isEqualTo(new JournalRetention.Policy(7 * 86_400_000L, 0));
        assertThat(JournalRetention.Policy.parse("12h").maxAgeMs()).isEqualTo(12 * 3_600_000L);
        assertThat(JournalRetention.Policy.parse("30min").maxAgeMs()).isEqualTo(1_800_000L);
        assertThat(JournalRetention.Policy.parse("10GB")).isEqualTo(new JournalRetention.Policy(0, 10_000_000_000L));
        assertThat(JournalRetention.Policy.parse("1GiB").maxBytes()).isEqualTo(1L << 30);
        assertThatThrownBy(() -> JournalRetention.Policy.parse("soon")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("expected an age (7d, 12h, 30min) or a size (10GB, 500MB), got 'soon'");
        assertThatThrownBy(() -> JournalRetention.Policy.parse("0d")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JournalRetention.rollCycle("FORTNIGHTLY"))
            .hasMessageStartingWith("unknown roll cycle 'FORTNIGHTLY' (MINUTELY, FIVE_MINUTELY");
        assertThat(JournalRetention.rollCycle("ten_minutely"))
            .isSameAs(JournalRetention.ROLL_CYCLES.get("TEN_MINUTELY"));
    }

    /** Catalog, then 100 ticks in each of ten minutes; the clock ends at the start of minute 10. */
    private static void writeMinutes(final JournalWriter writer, final SetTimeProvider time) {
        final org.agrona.concurrent.UnsafeBuffer catalog = Messages.catalog();
        writer.onCatalog(catalog, 0, catalog.capacity());
        for (int m = 0; m < MINUTES; m++) {
            Messages.appendTicks(writer, (long)m * TICKS_PER_MINUTE, (long)(m + 1) * TICKS_PER_MINUTE);
            time.advanceMillis(60_000);
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(JournalLayout.QUEUE_DIR))) {
            return files.filter(p -> p.toString().endsWith(".cq4")).toList();
        }
    }
}
