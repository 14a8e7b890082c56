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
 * the same bytes (a retained duplicate).
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
    /** Bytes held, all copies together. */
    final int bytes;
    private volatile int refs = 1; // through REFS

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
