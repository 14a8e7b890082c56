package io.tickwire.journal;

import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;

/**
 * Finds ticks by time, on top of {@link JournalReader#seek(long)}: by simulated time with arithmetic, by wall-clock
 * time with a binary search.
 * <ul>
 *   <li><b>Simulated time.</b> Tick t is the fixed window {@code [t·tick, (t+1)·tick)} of simulated time, so the
 *       tick for a time is a division: no read at all.</li>
 *   <li><b>Wall time.</b> A tick's {@code wallTimeNs} is the epoch time at which it closed, which never decreases
 *       along a run; the search halves the range of ticks with one probe per step, a probe being a
 *       {@link JournalReader#seek} (itself a binary search over the queue's indexes) and the read of that one tick.
 *       For n ticks: ⌈log2 n⌉ + 1 probes at most (21 for a million ticks), each O(log n) excerpt reads.</li>
 * </ul>
 * Each method returns a tick number, or -1 when no tick of the journal answers; the reader is left wherever the
 * last probe left it: {@link JournalReader#seek} the answer before reading on.
 * <p>
 * <b>Not thread safe</b>, like the reader it uses. Allocates nothing.
 */
public final class TickLocator {
    private final JournalReader reader;
    private final long tickLengthNs;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder summary = new TickSummaryDecoder();
    private final JournalReader.TickHandler wallTime = this::onTick;
    private long probedWallTimeNs;
    private int probes;

    public TickLocator(final JournalReader reader) {
        this.reader = reader;
        this.tickLengthNs = reader.tickLengthNs();
    }

    /**
     * The first tick that starts at or after {@code simNs} of simulated time ({@code ⌈simNs / tick⌉}), or the
     * journal's first tick if that is later; -1 if the journal has no tick starting that late.
     */
    public long firstTickStartingAtOrAfter(final long simNs) {
        final long tick = Math.max(reader.firstTick(), ceilDiv(Math.max(simNs, 0), tickLengthNs));
        return tick <= reader.lastTick() ? tick : -1;
    }

    /**
     * The last tick that ends at or before {@code simNs} of simulated time ({@code ⌊simNs / tick⌋ - 1}), or the
     * journal's last tick if that is earlier; -1 if no tick of the journal ends that early.
     */
    public long lastTickEndingAtOrBefore(final long simNs) {
        final long first = reader.firstTick();
        if (first < 0) {
            return -1;
        }
        final long tick = Math.min(reader.lastTick(), Math.floorDiv(simNs, tickLengthNs) - 1);
        return tick >= first ? tick : -1;
    }

    /** The first tick that closed at or after {@code wallNs} (epoch ns), or -1 if every tick closed before it. */
    public long firstTickClosedAtOrAfter(final long wallNs) {
        probes = 0;
        long lo = reader.firstTick();
        long hi = reader.lastTick();
        if (lo < 0) {
            return -1;
        }
        long found = -1;
        while (lo <= hi) {
            final long mid = lo + ((hi - lo) >>> 1);
            if (wallTimeOf(mid) >= wallNs) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    /** The last tick that closed at or before {@code wallNs} (epoch ns), or -1 if every tick closed after it. */
    public long lastTickClosedAtOrBefore(final long wallNs) {
        probes = 0;
        long lo = reader.firstTick();
        long hi = reader.lastTick();
        if (lo < 0) {
            return -1;
        }
        long found = -1;
        while (lo <= hi) {
            final long mid = lo + ((hi - lo) >>> 1);
            if (wallTimeOf(mid) <= wallNs) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The wall-clock time at which {@code tick} closed: one seek and one tick read. */
    public long wallTimeOf(final long tick) {
        probes++;
        if (!reader.seek(tick) || !reader.next(wallTime)) {
            throw new IllegalStateException("journal " + reader.directory() + ": tick " + tick + " vanished");
        }
        return probedWallTimeNs;
    }

    /** Ticks read by the last wall-time search (its cost: for tests and the docs). */
    public int lastProbes() {
        return probes;
    }

    private void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        header.wrap(buffer, offset);
        probedWallTimeNs = summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version()).wallTimeNs();
    }

    private static long ceilDiv(final long a, final long b) {
        return -Math.floorDiv(-a, b);
    }
}
