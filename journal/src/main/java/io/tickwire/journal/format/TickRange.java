package io.tickwire.journal.format;

import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import org.agrona.DirectBuffer;

import java.io.IOException;

/**
 * The ticks of a journal that a format reads: from the reader's position up to {@code toTick} (inclusive), each
 * passed on to a handler. Read with {@code while (!range.done() && reader.next(range))}: the range says when its last
 * tick has gone by, so that a reader is never moved past it to find out.
 */
final class TickRange implements JournalReader.TickHandler {
    private final long toTick;
    private final JournalReader.TickHandler handler;
    private boolean done;

    TickRange(final long toTick, final JournalReader.TickHandler handler) {
        this.toTick = toTick;
        this.handler = handler;
    }

    /** The journal's catalog, decoded (an observed run's rows described too); every format names services from it. */
    static CatalogInfo catalog(final JournalReader reader) throws IOException {
        return CatalogInfo.decode(catalogBytes(reader), reader.observed() ? reader.series() : null);
    }

    /** The journal's {@code Catalog} message, header included. */
    static byte[] catalogBytes(final JournalReader reader) throws IOException {
        final byte[] catalog = reader.catalog();
        if (catalog == null) {
            throw new IOException("journal " + reader.directory() + " has no catalog: its run never started");
        }
        return catalog;
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        if (tick > toTick) {
            done = true;
            return;
        }
        done = tick == toTick;
        handler.onTick(buffer, offset, length, tick);
    }

    /** True once the last tick of the range (or one after it) has been read. */
    boolean done() {
        return done;
    }
}
