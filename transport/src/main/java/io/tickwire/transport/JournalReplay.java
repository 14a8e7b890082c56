package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickwire.codec.EventMessages;
import io.tickwire.journal.JournalReader;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * One subscription's reader of its run's journal, for the ticks older than the in-memory tail: reads bounded
 * batches of framed (and filtered) ticks, each with its events, on a replay thread, never on an event loop. The reader is opened on the
 * first batch and kept, positioned, for the next; a {@link JournalReader#seek} is made only when the subscription
 * asks for another place (it jumped, e.g. after conflating).
 * <p>
 * Used on its one replay thread only: one task at a time (the subscription has at most one in flight), then a last
 * task closes it.
 */
final class JournalReplay implements AutoCloseable {
    private final Path directory;
    private final ExecutorService thread;
    private JournalReader reader;
    private long expected = -1; // the tick the reader delivers next, -1 if not positioned
    private boolean closed;

    /** @param thread the one thread that reads it (Chronicle's tailers are confined to one). */
    JournalReplay(final Path directory, final ExecutorService thread) {
        this.directory = directory;
        this.thread = thread;
    }

    /** The thread to call {@link #read} and {@link #close} on. */
    ExecutorService thread() {
        return thread;
    }

    /**
     * Ticks {@code fromSequence}, {@code fromSequence + 1}, ... as journaled, each framed with its events (those
     * {@code filter} keeps), up to {@code maxTicks} or just past {@code maxBytes}; empty if the journal does not hold
     * {@code fromSequence} (yet). A tick is returned only with all its events: once the journal holds the next tick, or its end.
     *
     * @param settled the journal will not grow (its run ended, perhaps without journaling its end): its last tick's
     *                events are all there.
     * @throws IOException if the journal cannot be opened; IllegalStateException if it skips a tick.
     */
    List<Replayed> read(final long fromSequence, final ServiceFilter filter, final int maxTicks,
                        final long maxBytes, final ByteBufAllocator alloc, final boolean settled) throws IOException {
        if (closed) {
            return List.of();
        }
        if (reader == null) {
            reader = JournalReader.open(directory);
        }
        if (expected != fromSequence) {
            if (!reader.seek(fromSequence)) {
                expected = -1;
                final long first = reader.firstTick();
                if (first > fromSequence) {
                    throw new SequenceUnavailableException("sequence " + fromSequence + " is no longer held: ticks "
                        + first + ".." + reader.lastTick() + " are available");
                }
                return List.of();
            }
            expected = fromSequence;
        }
        final Batch batch = new Batch(filter, alloc, maxTicks, maxBytes);
        try {
            while (!batch.full && reader.nextRecord(batch)) {
                // one record at a time
            }
            if (batch.pending != null) {
                if (!batch.full && (settled || reader.ended())) {
                    batch.complete(); // the journal's last tick: its events are all in
                } else {
                    batch.pending.release(); // its events may not all be in yet: read it again next time
                    batch.pending = null;
                    expected = -1;
                }
            }
            if (batch.full) {
                expected = -1; // the record after the batch was read: the next batch seeks
            } else if (expected != -1) {
                expected = fromSequence + batch.ticks.size();
            }
        } catch (final RuntimeException ex) {
            batch.ticks.forEach(Replayed::release);
            if (batch.pending != null) {
                batch.pending.release();
            }
            expected = -1;
            throw ex;
        }
        return batch.ticks;
    }

    /**
     * The events of ticks {@code first..last} (those {@code filter} keeps), framed, in order: for a subscription
     * that skipped those ticks. Null if the journal does not hold them all yet (its next tick is not in).
     */
    List<ByteBuf> readEvents(final long first, final long last, final ServiceFilter filter,
                             final ByteBufAllocator alloc) throws IOException {
        if (closed) {
            return List.of();
        }
        if (reader == null) {
            reader = JournalReader.open(directory);
        }
        expected = -1; // the reader moves: the next batch of ticks seeks
        if (!reader.seek(first)) {
            if (reader.firstTick() > first) {
                throw new SequenceUnavailableException("the events of tick " + first + " are no longer held: ticks "
                    + reader.firstTick() + ".." + reader.lastTick() + " are available");
            }
            return null;
        }
        final List<ByteBuf> events = new ArrayList<>();
        final int[] services = new int[2];
        final boolean[] complete = {false};
        final JournalReader.RecordHandler handler = new JournalReader.RecordHandler() {
            @Override
            public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
                complete[0] = tick > last;
            }

            @Override
            public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick,
                                final int templateId) {
                if (tick < first || tick > last) {
                    return;
                }
                EventMessages.services(buffer, offset, services);
                if (filter == null || (services[0] < 0 && services[1] < 0) || filter.keeps(services[0])
                    || filter.keeps(services[1])) {
                    events.add(TickFrames.encodeEvent(alloc, buffer, offset, length));
                }
            }
        };
        try {
            while (!complete[0] && reader.nextRecord(handler)) {
                // one record at a time
            }
        } catch (final RuntimeException ex) {
            events.forEach(ByteBuf::release);
            throw ex;
        }
        if (!complete[0] && !reader.ended()) {
            events.forEach(ByteBuf::release);
            return null;
        }
        return events;
    }

    /** A tick read back from the journal, framed, with its events (as the subscription's filter keeps them). */
    record Replayed(ByteBuf frame, List<ByteBuf> events, int eventCount) {
        void release() {
            frame.release();
            events.forEach(ByteBuf::release);
        }
    }

    /** Assembles ticks and their events as the reader goes. */
    private final class Batch implements JournalReader.RecordHandler {
        final ServiceFilter filter;
        final ByteBufAllocator alloc;
        final int maxTicks;
        final long maxBytes;
        final List<Replayed> ticks = new ArrayList<>();
        final int[] services = new int[2];
        Replayed pending;
        long pendingTick;
        int pendingEvents;
        List<ByteBuf> pendingFrames;
        long bytes;
        boolean full;

        Batch(final ServiceFilter filter, final ByteBufAllocator alloc, final int maxTicks, final long maxBytes) {
            this.filter = filter;
            this.alloc = alloc;
            this.maxTicks = maxTicks;
            this.maxBytes = maxBytes;
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            if (pending != null) {
                complete();
            }
            if (ticks.size() >= maxTicks || bytes >= maxBytes) {
                full = true;
                return;
            }
            final long wanted = expected == -1 ? -1 : expected + ticks.size();
            if (wanted != -1 && tick != wanted) {
                throw new IllegalStateException("journal " + directory + ": tick " + tick + " where " + wanted
                    + " was expected");
            }
            final ByteBuf frame = TickFrames.encode(alloc, buffer, offset, length, filter);
            bytes += frame.readableBytes();
            pendingTick = tick;
            pendingEvents = 0;
            pendingFrames = new ArrayList<>(0);
            pending = new Replayed(frame, pendingFrames, 0);
        }

        @Override
        public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick,
                            final int templateId) {
            if (pending == null || tick != pendingTick) {
                return; // an event of a tick before the first read (there is none: a seek lands on a tick)
            }
            pendingEvents++;
            EventMessages.services(buffer, offset, services);
            if (filter == null || (services[0] < 0 && services[1] < 0) || filter.keeps(services[0])
                || filter.keeps(services[1])) {
                final ByteBuf frame = TickFrames.encodeEvent(alloc, buffer, offset, length);
                bytes += frame.readableBytes();
                pendingFrames.add(frame);
            }
        }

        void complete() {
            ticks.add(new Replayed(pending.frame(), pendingFrames, pendingEvents));
            pending = null;
        }
    }

    /** The tick asked for has left the journal (retention). */
    static final class SequenceUnavailableException extends IllegalStateException {
        SequenceUnavailableException(final String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
