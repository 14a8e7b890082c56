package io.tickwire.journal;

import io.tickwire.engine.TickListener;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.List;

/** Test listener (a copy of the engine's): keeps a copy of every message, and checks the order contract. */
final class TickCollector implements TickListener {
    final List<byte[]> ticks = new ArrayList<>();
    final List<Long> tickNumbers = new ArrayList<>();
    volatile byte[] catalog;
    volatile long lastTick = Long.MIN_VALUE;
    volatile EndReason reason;
    volatile String violation;
    private Thread thread;

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        checkThread();
        if (catalog != null || !ticks.isEmpty()) {
            violation = "catalog not first or twice";
        }
        catalog = copy(buffer, offset, length);
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                       final boolean endOfBatch) {
        checkThread();
        if (catalog == null) {
            violation = "tick before catalog";
        }
        if (tick != ticks.size()) {
            violation = "tick " + tick + " arrived at position " + ticks.size();
        }
        ticks.add(copy(buffer, offset, length));
        tickNumbers.add(tick);
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        checkThread();
        this.lastTick = lastTick;
        this.reason = reason;
    }

    private void checkThread() {
        if (thread == null) {
            thread = Thread.currentThread();
        } else if (thread != Thread.currentThread()) {
            violation = "called from two threads";
        }
    }

    static byte[] copy(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
