package io.tickwire.bench;

import io.tickwire.journal.JournalReader;
import io.tickwire.journal.TickLocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Seeking in a {@value #TICKS}-tick journal (generated in {@code @Setup}: two services per tick, so that the
 * journal stays a few hundred MB; the search's cost is in the number of excerpts, not their size). Each op seeks to a
 * random tick and reads it; the score is the average time per op.
 * <ul>
 *   <li>{@code seekTick}: {@link JournalReader#seek} (a binary search over the queue's index) then one read.</li>
 *   <li>{@code seekWallTime}: {@link TickLocator#firstTickClosedAtOrAfter} for a random tick's close time (a binary
 *       search over ticks, each probe a seek and a read) then a seek to the answer and one read.</li>
 *   <li>{@code scan} (baseline): reading from the start up to the random tick, what a reader without an index
 *       does.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class JournalSeekBenchmark {
    static final int TICKS = 1_000_000;
    private static final long WALL_BASE = 1_700_000_000_000_000_000L;
    private static final long WALL_STEP = 1_000_000L; // JournalReplayBenchmark.Journals: a tick closes every 1 ms

    private Path dir;
    private JournalReader reader;
    private TickLocator locator;
    private final SplittableRandom random = new SplittableRandom(3);
    private final long[] read = new long[1];
    private final JournalReader.TickHandler keep = (buffer, offset, length, tick) -> read[0] = tick;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tickwire-seek-bench");
        JournalReplayBenchmark.Journals.write(dir, TICKS, 2, 8);
        reader = JournalReader.open(dir);
        locator = new TickLocator(reader);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        reader.close();
        JournalReplayBenchmark.Journals.delete(dir);
    }

    @Benchmark
    public long seekTick() {
        final long target = random.nextLong(TICKS);
        if (!reader.seek(target) || !reader.next(keep) || read[0] != target) {
            throw new IllegalStateException("seek to " + target + " read " + read[0]);
        }
        return read[0];
    }

    @Benchmark
    public long seekWallTime() {
        final long target = random.nextLong(TICKS);
        final long tick = locator.firstTickClosedAtOrAfter(WALL_BASE + target * WALL_STEP);
        if (tick != target || !reader.seek(tick) || !reader.next(keep)) {
            throw new IllegalStateException("wall seek to " + target + " found " + tick);
        }
        return read[0];
    }

    @Benchmark
    @Warmup(iterations = 1, time = 3)
    @Measurement(iterations = 2, time = 5)
    public long scan() {
        final long target = random.nextLong(TICKS);
        reader.seek(0);
        while (reader.next(keep) && read[0] < target) {
            // reading on
        }
        return read[0];
    }
}
