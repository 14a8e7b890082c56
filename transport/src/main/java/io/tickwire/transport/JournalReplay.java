package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickwire.journal.JournalReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * One subscription's reader of its run's journal, for the ticks older than the in-memory tail: reads bounded
 * batches of framed (and filtered) ticks on a replay thread, never on an event loop. The reader is opened on the
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
     * Frames of ticks {@code fromSequence}, {@code fromSequence + 1}, ... as journaled, up to {@code maxTicks} or
     * just past {@code maxBytes}; empty if the journal does not hold {@code fromSequence} (yet).
     *
     * @throws IOException if the journal cannot be opened; IllegalStateException if it skips a tick.
     */
    List<ByteBuf> read(final long fromSequence, final ServiceFilter filter, final int maxTicks, final long maxBytes,
                       final ByteBufAllocator alloc) throws IOException {
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
        final List<ByteBuf> frames = new ArrayList<>(Math.min(maxTicks, 64));
        final long[] bytes = {0};
        try {
            while (frames.size() < maxTicks && bytes[0] < maxBytes && reader.next((buffer, offset, length, tick) -> {
                if (tick != expected) {
                    throw new IllegalStateException("journal " + directory + ": tick " + tick + " where "
                        + expected + " was expected");
                }
                final ByteBuf frame = TickFrames.encode(alloc, buffer, offset, length, filter);
                frames.add(frame);
                bytes[0] += frame.readableBytes();
                expected++;
            })) {
                // next() delivered one
            }
        } catch (final RuntimeException ex) {
            frames.forEach(ByteBuf::release);
            expected = -1;
            throw ex;
        }
        return frames;
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
