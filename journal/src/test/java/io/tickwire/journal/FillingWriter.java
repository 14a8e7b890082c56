package io.tickwire.journal;

import io.tickwire.journal.test.Messages;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * Child process of {@link JournalDiskFullTest}: journals ticks into {@code args[0]}, keeping {@code args[1]} bytes
 * free, until the writer says its disk is full (or a tick count no test filesystem holds), then closes it and prints
 * what it wrote. A writer that waits for the filesystem to fill would die of SIGBUS instead.
 */
public final class FillingWriter {
    static final long MAX_TICKS = 50_000_000;

    private FillingWriter() {
    }

    public static void main(final String[] args) throws Exception {
        final boolean[] told = new boolean[1];
        final JournalWriter writer = JournalWriter.create(Path.of(args[0]), Messages.diagram(), Messages.SEED,
            Messages.SIMULATION_ID, new JournalWriter.Context().diskCheckBytes(256 << 10)
                .minFreeBytes(Long.parseLong(args[1])));
        writer.onDiskFull(() -> told[0] = true);
        final UnsafeBuffer catalog = Messages.catalog();
        writer.onCatalog(catalog, 0, catalog.capacity());
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        for (long tick = 0; tick < MAX_TICKS && writer.diskFull() == null; tick++) {
            writer.onTick(buffer, 0, Messages.tick(buffer, tick), tick, true);
        }
        writer.onEnd(MAX_TICKS - 1, io.tickwire.engine.TickListener.EndReason.COMPLETED); // ignored once full
        writer.close();
        System.out.println("ticks=" + writer.ticksWritten());
        System.out.println("told=" + told[0]);
        System.out.println(writer.diskFull());
    }
}
