package io.tickwire.engine.test;

import io.tickwire.engine.TickListener;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test listener: keeps a copy of every message it is given, and checks the order contract as it goes (catalog first
 * and once, ticks in order from 0, a tick's events right after it, every call on one thread) and records a breach in
 * {@link #violation}.
 * Published in engine's test-jar for the tests of every module that runs a simulation. Its fields are read once
 * the run has ended ({@link #ended}).
 */
public final class TickCollector implements TickListener {
    public final List<byte[]> ticks = new ArrayList<>();
    public final List<Long> tickNumbers = new ArrayList<>();
    /** Every event (e.g. ReplicaEvent), in the order given, and the tick each belongs to. */
    public final List<byte[]> events = new ArrayList<>();
    public final List<Long> eventTicks = new ArrayList<>();
    public final CountDownLatch ended = new CountDownLatch(1);
    public volatile byte[] catalog;
    public volatile long lastTick = Long.MIN_VALUE;
    public volatile EndReason reason;
    public volatile String violation;
    private final Thread[] thread = new Thread[1];

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
    public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        checkThread();
        if (tick != ticks.size() - 1) {
            violation = "event of tick " + tick + " after tick " + (ticks.size() - 1);
        }
        events.add(copy(buffer, offset, length));
        eventTicks.add(tick);
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        // After a failure the end comes from the closing thread, once this listener's own has stopped.
        if (reason != EndReason.FAILED) {
            checkThread();
        }
        this.lastTick = lastTick;
        this.reason = reason;
        ended.countDown();
    }

    /** Tick {@code index}, decoded. */
    public TickSummaryDecoder decode(final int index) {
        final UnsafeBuffer buffer = new UnsafeBuffer(ticks.get(index));
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        return new TickSummaryDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }

    private void checkThread() {
        if (thread[0] == null) {
            thread[0] = Thread.currentThread();
        } else if (thread[0] != Thread.currentThread()) {
            violation = "called from two threads";
        }
    }

    /** The {@code length} bytes at {@code offset}, copied. */
    public static byte[] copy(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    /**
     * Asserts that {@code actual} saw the same run as {@code expected}: every tick byte for byte but its wall-clock
     * stamp, and the same events at the same ticks (the determinism contract, for any number of workers).
     */
    public static void assertSameRun(final TickCollector expected, final TickCollector actual) {
        assertThat(actual.ticks).hasSameSizeAs(expected.ticks);
        for (int i = 0; i < expected.ticks.size(); i++) {
            assertThat(zeroWallTime(actual.ticks.get(i))).as("tick %d", i)
                .isEqualTo(zeroWallTime(expected.ticks.get(i)));
        }
        assertThat(actual.eventTicks).isEqualTo(expected.eventTicks);
        assertThat(actual.events).hasSameSizeAs(expected.events);
        for (int i = 0; i < expected.events.size(); i++) {
            assertThat(actual.events.get(i)).as("event %d", i).isEqualTo(expected.events.get(i));
        }
    }

    /** A TickSummary's bytes with its wall-clock stamp zeroed: the only field that differs between equal runs. */
    public static byte[] zeroWallTime(final byte[] tick) {
        final byte[] copy = tick.clone();
        new UnsafeBuffer(copy).putLong(
            MessageHeaderDecoder.ENCODED_LENGTH + TickSummaryDecoder.wallTimeNsEncodingOffset(), 0);
        return copy;
    }
}
