package io.tickwire.journal;

import io.tickwire.journal.test.Messages;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * Child process of {@link JournalCrashTest}: journals ticks as fast as it can, never closing, until it is killed.
 * Prints {@link #READY} once {@link #READY_AFTER} ticks are in.
 */
public final class CrashingWriter {
    static final String READY = "ready";
    static final long READY_AFTER = 1_000;

    private CrashingWriter() {
    }

    public static void main(final String[] args) throws Exception {
        final JournalWriter writer = JournalWriter.create(Path.of(args[0]), Messages.diagram(), Messages.SEED,
            Messages.SIMULATION_ID);
        final UnsafeBuffer catalog = Messages.catalog();
        writer.onCatalog(catalog, 0, catalog.capacity());
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        for (long tick = 0; ; tick++) {
            writer.onTick(buffer, 0, Messages.tick(buffer, tick), tick, true);
            if (tick == READY_AFTER - 1) {
                System.out.println(READY);
                System.out.flush();
            }
        }
    }
}
