package io.tickwire.journal;

import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Retention of a journal: whole old cycle files deleted, oldest first, so that the journal keeps at most an age
 * ({@code --retain 7d}) or a size ({@code --retain 10GB}) of ticks. Run by the {@link JournalWriter} on a thread of
 * its own (never the listener thread), with the writer's queue.
 * <p>
 * What is never deleted: the cycle the appender writes (the current one by the queue's clock, and the last one), and
 * a cycle that a {@link JournalReader} of this process is positioned in ({@link #hold}); deletion stops at the first
 * such cycle, so the journal never has a hole.
 * A reader in another process that has a deleted cycle mapped keeps reading it: on Linux an unlinked file lives
 * until its last mapping is gone; it then moves on to the next cycle, which is still there, and a reader that seeks
 * refreshes its table of cycles first ({@link JournalReader#firstTick()} moves forward).
 * <p>
 * The catalog excerpt is in the first cycle; it is kept in {@code catalog.sbe} as well ({@link JournalLayout}) so
 * that a journal whose first cycle was deleted still has its catalog.
 */
public final class JournalRetention {
    /** The roll cycles a journal may use, by the name given on the command line and kept in run.properties. */
    public static final Map<String, RollCycle> ROLL_CYCLES;
    /** The default: 4 G excerpts a cycle, one file an hour. */
    public static final String DEFAULT_ROLL_CYCLE = "FAST_HOURLY";

    /**
     * The cycles the {@link JournalReader}s of this process are positioned in: "queue dir/cycle" → readers. Kept by
     * the readers themselves, synchronously, when their position moves to another cycle (Chronicle's own
     * {@code StoreFileListener} is told of acquisitions later, on its background releaser thread, too late to rely on).
     */
    private static final Map<String, AtomicInteger> HELD = new ConcurrentHashMap<>();

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)",
        Pattern.CASE_INSENSITIVE);
    private static final Pattern AGE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(s|m|min|h|d|w)",
        Pattern.CASE_INSENSITIVE);

    static {
        final Map<String, RollCycle> cycles = new LinkedHashMap<>();
        cycles.put("MINUTELY", LegacyRollCycles.MINUTELY);
        cycles.put("FIVE_MINUTELY", RollCycles.FIVE_MINUTELY);
        cycles.put("TEN_MINUTELY", RollCycles.TEN_MINUTELY);
        cycles.put("TWENTY_MINUTELY", RollCycles.TWENTY_MINUTELY);
        cycles.put("HALF_HOURLY", RollCycles.HALF_HOURLY);
        cycles.put("FAST_HOURLY", RollCycles.FAST_HOURLY);
        cycles.put("HOURLY", LegacyRollCycles.HOURLY);
        cycles.put("TWO_HOURLY", RollCycles.TWO_HOURLY);
        cycles.put("FOUR_HOURLY", RollCycles.FOUR_HOURLY);
        cycles.put("SIX_HOURLY", RollCycles.SIX_HOURLY);
        cycles.put("FAST_DAILY", RollCycles.FAST_DAILY);
        cycles.put("DAILY", LegacyRollCycles.DAILY);
        cycles.put("WEEKLY", RollCycles.WEEKLY);
        ROLL_CYCLES = Collections.unmodifiableMap(cycles);
    }

    /** How much to keep: an age in ms, a size in bytes, or neither (0: keep everything). */
    public record Policy(long maxAgeMs, long maxBytes) {
        public static final Policy KEEP_ALL = new Policy(0, 0);

        public boolean keepsAll() {
            return maxAgeMs <= 0 && maxBytes <= 0;
        }

        /**
         * {@code 7d}, {@code 12h}, {@code 30min} (an age: s, m|min, h, d, w) or {@code 10GB}, {@code 500MB} (a size:
         * B, KB, MB, GB, TB powers of 1000; KiB, MiB, GiB, TiB powers of 1024).
         *
         * @throws IllegalArgumentException for anything else, or a value of 0.
         */
        public static Policy parse(final String text) {
            final String t = text.trim();
            Matcher m = SIZE.matcher(t);
            if (m.matches()) {
                final double n = Double.parseDouble(m.group(1));
                final String unit = m.group(2).toUpperCase(Locale.ROOT);
                final double scale = switch (unit) {
                    case "B" -> 1;
                    case "KB" -> 1e3;
                    case "MB" -> 1e6;
                    case "GB" -> 1e9;
                    case "TB" -> 1e12;
                    case "KIB" -> 1024.0;
                    case "MIB" -> 1024.0 * 1024;
                    case "GIB" -> 1024.0 * 1024 * 1024;
                    default -> 1024.0 * 1024 * 1024 * 1024;
                };
                final long bytes = (long)(n * scale);
                if (bytes <= 0) {
                    throw new IllegalArgumentException("a retained size must be > 0, got " + text);
                }
                return new Policy(0, bytes);
            }
            m = AGE.matcher(t);
            if (m.matches()) {
                final double n = Double.parseDouble(m.group(1));
                final double scale = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "s" -> 1e3;
                    case "m", "min" -> 60e3;
                    case "h" -> 3600e3;
                    case "d" -> 86_400e3;
                    default -> 7 * 86_400e3;
                };
                final long ms = (long)(n * scale);
                if (ms <= 0) {
                    throw new IllegalArgumentException("a retained age must be > 0, got " + text);
                }
                return new Policy(ms, 0);
            }
            throw new IllegalArgumentException("expected an age (7d, 12h, 30min) or a size (10GB, 500MB), got '"
                + text + "'");
        }

        @Override
        public String toString() {
            return maxAgeMs > 0 ? maxAgeMs + "ms" : maxBytes > 0 ? maxBytes + "B" : "all";
        }
    }

    private final SingleChronicleQueue queue;
    private final Policy policy;
    private final RollCycle rollCycle;
    private final DateTimeFormatter fileNames;
    private ExcerptTailer tailer; // on the retention thread only

    JournalRetention(final SingleChronicleQueue queue, final Policy policy) {
        this.queue = queue;
        this.policy = policy;
        this.rollCycle = queue.rollCycle();
        this.fileNames = DateTimeFormatter.ofPattern(rollCycle.format(), Locale.ROOT).withZone(ZoneOffset.UTC);
    }

    /** A reader of {@code queueDir} is positioned in {@code cycle}: retention leaves it alone until released. */
    static void hold(final String queueDir, final int cycle) {
        synchronized (HELD) { // against a check-then-delete in enforce
            HELD.computeIfAbsent(key(queueDir, cycle), k -> new AtomicInteger()).incrementAndGet();
        }
    }

    static void release(final String queueDir, final int cycle) {
        synchronized (HELD) {
            HELD.computeIfPresent(key(queueDir, cycle), (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    private static String key(final String queueDir, final int cycle) {
        return queueDir + '/' + cycle;
    }

    /** The roll cycle called {@code name} (case-insensitive). @throws IllegalArgumentException naming the choices. */
    public static RollCycle rollCycle(final String name) {
        final RollCycle cycle = ROLL_CYCLES.get(name.trim().toUpperCase(Locale.ROOT));
        if (cycle == null) {
            throw new IllegalArgumentException("unknown roll cycle '" + name + "' (" + String.join(", ",
                ROLL_CYCLES.keySet()) + ")");
        }
        return cycle;
    }

    /** The name of {@code cycle} in {@link #ROLL_CYCLES}. */
    static String nameOf(final RollCycle cycle) {
        for (final Map.Entry<String, RollCycle> e : ROLL_CYCLES.entrySet()) {
            if (e.getValue() == cycle) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("not a journal roll cycle: " + cycle);
    }

    /**
     * Delete the cycles the policy no longer keeps, oldest first, stopping at the first that must stay.
     * <b>On one thread</b> (it keeps a tailer).
     *
     * @return the first tick still in the journal after deleting, or -1 if nothing was deleted.
     * @throws IOException if a file cannot be deleted.
     */
    long enforce(final long nowMs) throws IOException {
        if (policy.keepsAll()) {
            return -1;
        }
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE || first >= last) {
            return -1; // one cycle (or none): it is the current one
        }
        final int current = Math.min(last, queue.cycle()); // the appender's, and never the last one
        final NavigableSet<Long> cycles = queue.listCyclesBetween(first, last);
        final List<Integer> doomed = new ArrayList<>();
        if (policy.maxAgeMs() > 0) {
            for (final long c : cycles) {
                final long endMs = (c + 1) * rollCycle.lengthInMillis(); // every excerpt of it is older than this
                if (c < current && endMs <= nowMs - policy.maxAgeMs()) {
                    doomed.add((int)c);
                } else {
                    break;
                }
            }
        } else {
            long kept = 0;
            final List<Long> newestFirst = new ArrayList<>(cycles.descendingSet());
            int keepFrom = -1; // index in newestFirst of the oldest cycle kept
            for (int i = 0; i < newestFirst.size(); i++) {
                kept += size(newestFirst.get(i).intValue());
                if (kept > policy.maxBytes() && newestFirst.get(i) < current) {
                    break;
                }
                keepFrom = i;
            }
            for (int i = newestFirst.size() - 1; i > keepFrom; i--) {
                doomed.add(newestFirst.get(i).intValue());
            }
        }
        int deleted = 0;
        for (final int cycle : doomed) {
            final Path file = file(cycle);
            // Check and delete as one step against hold(): a reader that holds a cycle after the check would
            // otherwise find it gone. Readers hold a cycle before they probe it, and the next before they let go
            // of the last, so the first held cycle stops deletion short of every cycle a reader may still need.
            synchronized (HELD) {
                if (HELD.containsKey(key(queue.file().getAbsolutePath(), cycle))) {
                    break; // a reader of this process holds it: next time
                }
                Files.deleteIfExists(file);
            }
            deleted++;
        }
        if (deleted == 0) {
            return -1;
        }
        queue.refreshDirectoryListing();
        return firstTick();
    }

    private long size(final int cycle) {
        try {
            return Files.size(file(cycle));
        } catch (final IOException ex) {
            return 0;
        }
    }

    Path file(final int cycle) {
        return queue.file().toPath().resolve(fileNames.format(Instant.ofEpochMilli(
            (long)cycle * rollCycle.lengthInMillis())) + SingleChronicleQueue.SUFFIX);
    }

    /** The first tick of the first cycle left: the tick field of its first TickSummary. */
    private long firstTick() {
        if (tailer == null) {
            tailer = queue.createTailer();
        }
        tailer.toStart();
        for (int i = 0; i < 4; i++) { // the first tick is at most behind a catalog
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return -1;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                final long at = bytes.readPosition();
                if (bytes.readRemaining() >= MessageHeaderDecoder.ENCODED_LENGTH + 16
                    && bytes.readUnsignedShort(at + 2) == TickSummaryDecoder.TEMPLATE_ID) {
                    // Chronicle's Bytes read in native order: little-endian here, as SBE writes.
                    return bytes.readLong(at + MessageHeaderDecoder.ENCODED_LENGTH
                        + TickSummaryDecoder.tickEncodingOffset());
                }
            }
        }
        return -1;
    }

    void close() {
        if (tailer != null) {
            tailer.close();
        }
    }
}
