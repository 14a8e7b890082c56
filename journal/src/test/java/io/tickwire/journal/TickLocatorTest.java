package io.tickwire.journal;

import io.tickwire.engine.TickListener;
import io.tickwire.journal.test.Messages;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeking by time: simulated time by arithmetic, wall time by binary search, against a linear scan of the same
 * journal (rolled over several cycle files, so that the search crosses cycles).
 */
@Timeout(60)
class TickLocatorTest {
    private static final long TICKS = 10_000;
    private static final long WALL_BASE = 1_700_000_000_000_000_000L; // Messages: tick t closed at base + 1000 t
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void shouldMapSimulatedTimeToTicksByArithmetic() throws IOException {
        write(TICKS);
        try (JournalReader reader = JournalReader.open(dir)) {
            final TickLocator locator = new TickLocator(reader);
            // 50 ms ticks: tick 600 is [30 s, 30.05 s).
            assertThat(locator.firstTickStartingAtOrAfter(30 * SECOND)).isEqualTo(600);
            assertThat(locator.firstTickStartingAtOrAfter(30 * SECOND + 1)).isEqualTo(601);
            assertThat(locator.firstTickStartingAtOrAfter(0)).isZero();
            assertThat(locator.firstTickStartingAtOrAfter(-5)).isZero();
            assertThat(locator.firstTickStartingAtOrAfter(TICKS * Messages.TICK_NS - 1)).isEqualTo(-1);
            assertThat(locator.firstTickStartingAtOrAfter((TICKS - 1) * Messages.TICK_NS)).isEqualTo(TICKS - 1);

            assertThat(locator.lastTickEndingAtOrBefore(90 * SECOND)).isEqualTo(1799);
            assertThat(locator.lastTickEndingAtOrBefore(90 * SECOND - 1)).isEqualTo(1798);
            assertThat(locator.lastTickEndingAtOrBefore(Messages.TICK_NS - 1)).isEqualTo(-1);
            assertThat(locator.lastTickEndingAtOrBefore(Messages.TICK_NS)).isZero();
            assertThat(locator.lastTickEndingAtOrBefore(Long.MAX_VALUE)).isEqualTo(TICKS - 1);
        }
    }

    @Test
    void shouldFindTicksByWallTimeAsAScanDoesInLogarithmicProbes() throws IOException {
        write(TICKS);
        try (JournalReader reader = JournalReader.open(dir)) {
            final TickLocator locator = new TickLocator(reader);
            final long[] wall = new long[(int)TICKS];
            for (int t = 0; t < TICKS; t++) {
                wall[t] = locator.wallTimeOf(t);
                assertThat(wall[t]).isEqualTo(WALL_BASE + t * 1_000L);
            }
            final int maxProbes = 64 - Long.numberOfLeadingZeros(TICKS) + 1; // ceil(log2 n) + 1
            final Random random = new Random(42);
            for (int i = 0; i < 2_000; i++) {
                final long at = WALL_BASE - 5_000 + (long)(random.nextDouble() * (TICKS * 1_000L + 10_000));
                assertThat(locator.firstTickClosedAtOrAfter(at)).as("at %d", at).isEqualTo(scanFirstAtOrAfter(wall, at));
                assertThat(locator.lastProbes()).isLessThanOrEqualTo(maxProbes);
                assertThat(locator.lastTickClosedAtOrBefore(at)).as("at %d", at).isEqualTo(scanLastAtOrBefore(wall, at));
                assertThat(locator.lastProbes()).isLessThanOrEqualTo(maxProbes);
            }
            assertThat(locator.firstTickClosedAtOrAfter(WALL_BASE + 5_000_000L)).isEqualTo(5_000);
            assertThat(locator.firstTickClosedAtOrAfter(WALL_BASE + 5_000_001L)).isEqualTo(5_001);
            assertThat(locator.lastTickClosedAtOrBefore(WALL_BASE - 1)).isEqualTo(-1);
            assertThat(locator.firstTickClosedAtOrAfter(WALL_BASE + TICKS * 1_000L)).isEqualTo(-1);

            // The answer is a position: seek it and read on from there.
            final long tick = locator.firstTickClosedAtOrAfter(WALL_BASE + 1_234_500L);
            assertThat(reader.seek(tick)).isTrue();
            final long[] read = {-1};
            assertThat(reader.next((buffer, offset, length, t) -> read[0] = t)).isTrue();
            assertThat(read[0]).isEqualTo(1_235);
        }
    }

    private static long scanFirstAtOrAfter(final long[] wall, final long at) {
        for (int t = 0; t < wall.length; t++) {
            if (wall[t] >= at) {
                return t;
            }
        }
        return -1;
    }

    private static long scanLastAtOrBefore(final long[] wall, final long at) {
        for (int t = wall.length - 1; t >= 0; t--) {
            if (wall[t] <= at) {
                return t;
            }
        }
        return -1;
    }

    /** Ticks over four hourly cycle files. */
    private void write(final long ticks) throws IOException {
        final SetTimeProvider time = new SetTimeProvider(1_800_000_000_000_000_000L);
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1, time)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            final long quarter = ticks / 4;
            for (long from = 0; from < ticks; from += quarter) {
                Messages.appendTicks(writer, from, Math.min(ticks, from + quarter));
                time.advanceMillis(TimeUnit.HOURS.toMillis(1));
            }
            writer.onEnd(ticks - 1, TickListener.EndReason.COMPLETED);
        }
    }
}
