package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One closed tick as it goes on the wire: the whole {@code TickSummary} and one copy per service filter in use when
 * it closed, each already framed ({@link BinaryFrameHeader} then the message), so that every subscriber is written
 * the same bytes (a retained duplicate); and the tick's events, framed as they arrive after it (a subscriber's filter
 * keeps the events of its services and those of none: {@link #eventFor}). The tick's events are complete once the
 * next tick (or the end) is published.
 * <p>
 * Reference counted on its own, on top of Netty's: the {@link TickTail} holds one reference, and an event loop that
 * takes a tick from the tail holds one while it writes duplicates of it ({@link #tryRetain}, then {@link #release}).
 * A tick evicted from the tail can still be being read, so taking a reference fails once the count has reached zero:
 * this is what makes the tail safe to read from any thread while its buffers are pooled.
 */
final class TickFrames {
    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(TickFrames.class, "refs", int.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final long tick;
    final ByteBuf all;
    private final ServiceFilter[] filters;
    private final ByteBuf[] filtered;
    /** Bytes held, all copies and events together; written by the listener thread only. */
    int bytes;
    private volatile int refs = 1; // through REFS
    // The tick's events: appended by the listener thread, read by event loops. The count is published after the
    // frames (and after a grown array), so a reader that sees n events finds them.
    private volatile Events events = Events.NONE;
    private volatile int eventCount;

    TickFrames(final long tick, final ByteBuf all, final ServiceFilter[] filters, final ByteBuf[] filtered) {
        this.tick = tick;
        this.all = all;
        this.filters = filters;
        this.filtered = filtered;
        int n = all.readableBytes();
        for (final ByteBuf f : filtered) {
            n += f.readableBytes();
        }
        this.bytes = n;
    }

    /** The frame for subscribers with {@code filter} (null: all services), or null if it was not encoded for it. */
    ByteBuf frameFor(final ServiceFilter filter) {
        if (filter == null) {
            return all;
        }
        for (int i = 0; i < filters.length; i++) {
            if (filters[i] == filter) {
                return filtered[i];
            }
        }
        return null;
    }

    /**
     * An event of this tick, framed, and the services it concerns ({@code -1}: none). Listener thread; takes over the
     * caller's reference.
     */
    void addEvent(final ByteBuf frame, final int serviceA, final int serviceB) {
        final int n = eventCount;
        Events e = events;
        if (n == e.frames.length) {
            e = e.grown();
            events = e;
        }
        e.frames[n] = frame;
        e.services[2 * n] = serviceA;
        e.services[2 * n + 1] = serviceB;
        bytes += frame.readableBytes();
        eventCount = n + 1;
    }

    /** Events of this tick so far. Any thread. */
    int eventCount() {
        return eventCount;
    }

    /** Event {@code i}'s frame ({@code i < eventCount()}); hold a reference to this tick while writing it. */
    ByteBuf event(final int i) {
        return events.frames[i];
    }

    /** Whether a subscriber with {@code filter} (null: all) is sent event {@code i}. */
    boolean eventFor(final int i, final ServiceFilter filter) {
        if (filter == null) {
            return true;
        }
        final int[] s = events.services;
        return (s[2 * i] < 0 && s[2 * i + 1] < 0) || filter.keeps(s[2 * i]) || filter.keeps(s[2 * i + 1]);
    }

    /** Take a reference, unless the last one is gone. Any thread. */
    boolean tryRetain() {
        while (true) {
            final int r = refs;
            if (r == 0) {
                return false;
            }
            if (REFS.compareAndSet(this, r, r + 1)) {
                return true;
            }
        }
    }

    /** Drop a reference; the last one releases the buffers (those still being written hold Netty's own). */
    void release() {
        if ((int)REFS.getAndAdd(this, -1) == 1) {
            all.release();
            for (final ByteBuf f : filtered) {
                f.release();
            }
            final Events e = events;
            for (int i = 0; i < eventCount; i++) {
                e.frames[i].release();
            }
        }
    }

    /**
     * Frame the {@code TickSummary} at {@code offset} ({@code length} bytes) as one binary WebSocket frame, filtered
     * by {@code filter} (null: whole), into a new buffer of exactly its size.
     */
    static ByteBuf encode(final ByteBufAllocator alloc, final DirectBuffer buffer, final int offset, final int length,
                          final ServiceFilter filter) {
        final int payload = filter == null ? length : filter.filteredLength(buffer, offset, length);
        final int size = BinaryFrameHeader.length(payload) + payload;
        final ByteBuf out = alloc.directBuffer(size, size);
        BinaryFrameHeader.write(out, payload);
        if (filter != null) {
            filter.write(buffer, offset, length, out);
        } else {
            final byte[] array = buffer.byteArray();
            if (array != null) {
                out.writeBytes(array, (int)(buffer.wrapAdjustment() + offset), length);
            } else {
                final int at = out.writerIndex();
                buffer.getBytes(offset, out.internalNioBuffer(at, length), length);
                out.writerIndex(at + length);
            }
        }
        return out;
    }

    /** An event message as one binary WebSocket frame, into a new buffer of exactly its size. */
    static ByteBuf encodeEvent(final ByteBufAllocator alloc, final DirectBuffer buffer, final int offset,
                               final int length) {
        return encode(alloc, buffer, offset, length, null);
    }

    /** The frames of a tick's events and the (up to) two services of each. */
    private static final class Events {
        static final Events NONE = new Events(new ByteBuf[0], new int[0]);
        final ByteBuf[] frames;
        final int[] services;

        Events(final ByteBuf[] frames, final int[] services) {
            this.frames = frames;
            this.services = services;
        }

        Events grown() {
            final int capacity = Math.max(4, frames.length << 1);
            return new Events(java.util.Arrays.copyOf(frames, capacity), java.util.Arrays.copyOf(services,
                2 * capacity));
        }
    }

    /** {@link #all}, filtered by {@code filter} into a new frame: for a filter that did not exist when it closed. */
    ByteBuf encodeFor(final ByteBufAllocator alloc, final ServiceFilter filter) {
        final int at = all.readerIndex();
        final int second = all.getUnsignedByte(at + 1) & 0x7f;
        final int headerLength = second <= 125 ? 2 : second == 126 ? 4 : BinaryFrameHeader.MAX_LENGTH;
        final int length = all.readableBytes() - headerLength;
        final UnsafeBuffer view = new UnsafeBuffer(all.nioBuffer(at + headerLength, length));
        return encode(alloc, view, 0, length, filter);
    }
}
