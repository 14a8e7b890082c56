package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.tickwire.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A subscription's service filter: which rows of {@code TickSummary.services} it receives. Immutable; the
 * {@link Broadcaster} keeps one instance per distinct set of services, so that each tick is encoded once per filter,
 * whoever subscribes with it.
 * <p>
 * Filtering copies bytes, it does not re-encode: the root block and everything after the services group (the
 * {@code entries} group) are copied as they are, and of the services group only the kept rows (each its fixed block
 * and its {@code histogram} var data), under a group header with the new count. So the result has the message's own
 * schema version and block lengths, and the service ids stay the catalog's.
 * <pre>
 *   header | root block | services: blockLength u16, numInGroup u16, rows [block | u32 length | histogram] | rest
 * </pre>
 */
final class ServiceFilter {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int GROUP_HEADER = 4;
    private static final int VAR_LENGTH = 4;

    /** Replaced whole when an observed run's source grows a row: read by the listener thread and event loops. */
    private volatile boolean[] keep;
    private final List<String> sources;
    private final String key;

    /** @param serviceIds the catalog ids of the services kept (at least one). */
    ServiceFilter(final int[] serviceIds) {
        this(serviceIds, List.of());
    }

    /**
     * An observed run's filter: rows {@code serviceIds}, and every row of the sources named {@code sources}, those
     * described so far ({@link #extend}) and those to come.
     */
    ServiceFilter(final int[] serviceIds, final List<String> sources) {
        final int[] ids = serviceIds.clone();
        Arrays.sort(ids);
        final int max = ids.length == 0 ? -1 : ids[ids.length - 1];
        final boolean[] kept = new boolean[max + 1];
        for (final int id : ids) {
            kept[id] = true;
        }
        this.keep = kept;
        this.sources = List.copyOf(new TreeSet<>(sources));
        this.key = Arrays.toString(Arrays.stream(ids).distinct().toArray())
            + (this.sources.isEmpty() ? "" : " sources " + this.sources);
    }

    /**
     * Keep the rows of its sources in {@code rowsBySource} too (an observed run's rows as described so far). On the
     * broadcaster's listener thread (or under its filter lock, before first use); rows are only ever added.
     */
    void extend(final Map<String, int[]> rowsBySource) {
        if (sources.isEmpty()) {
            return;
        }
        boolean[] next = keep.clone(); // never changed once published: readers see one whole set
        for (final String source : sources) {
            for (final int id : rowsBySource.getOrDefault(source, new int[0])) {
                if (id >= next.length) {
                    next = Arrays.copyOf(next, Math.max(id + 1, next.length * 2));
                }
                next[id] = true;
            }
        }
        keep = next;
    }

    /** The same for equal sets of services. */
    String key() {
        return key;
    }

    boolean keeps(final int serviceId) {
        final boolean[] k = keep;
        return serviceId >= 0 && serviceId < k.length && k[serviceId];
    }

    /** @return the filtered message's length, for the {@code TickSummary} at {@code offset} ({@code length} bytes). */
    int filteredLength(final DirectBuffer buffer, final int offset, final int length) {
        final int groupAt = offset + MessageHeaderDecoder.ENCODED_LENGTH + rootBlockLength(buffer, offset);
        final int rowBlock = buffer.getShort(groupAt, LE) & 0xffff;
        final int rows = buffer.getShort(groupAt + 2, LE) & 0xffff;
        int dropped = 0;
        int row = groupAt + GROUP_HEADER;
        for (int i = 0; i < rows; i++) {
            final int end = rowEnd(buffer, row, rowBlock);
            if (!keeps(buffer.getShort(row, LE) & 0xffff)) {
                dropped += end - row;
            }
            row = end;
        }
        return length - dropped;
    }

    /** Append the filtered message to {@code out}; {@code out} must have {@link #filteredLength} bytes writable. */
    void write(final DirectBuffer buffer, final int offset, final int length, final ByteBuf out) {
        final int groupAt = offset + MessageHeaderDecoder.ENCODED_LENGTH + rootBlockLength(buffer, offset);
        final int rowBlock = buffer.getShort(groupAt, LE) & 0xffff;
        final int rows = buffer.getShort(groupAt + 2, LE) & 0xffff;
        copy(buffer, offset, groupAt - offset, out);
        final int countAt = out.writerIndex() + 2;
        out.writeShortLE(rowBlock);
        out.writeShortLE(0); // the count, once known
        int kept = 0;
        int row = groupAt + GROUP_HEADER;
        for (int i = 0; i < rows; i++) {
            final int end = rowEnd(buffer, row, rowBlock);
            if (keeps(buffer.getShort(row, LE) & 0xffff)) {
                copy(buffer, row, end - row, out);
                kept++;
            }
            row = end;
        }
        out.setShortLE(countAt, kept);
        copy(buffer, row, offset + length - row, out);
    }

    private static int rootBlockLength(final DirectBuffer buffer, final int offset) {
        return buffer.getShort(offset, LE) & 0xffff; // the header's blockLength
    }

    private static int rowEnd(final DirectBuffer buffer, final int row, final int rowBlock) {
        return row + rowBlock + VAR_LENGTH + buffer.getInt(row + rowBlock, LE);
    }

    private static void copy(final DirectBuffer buffer, final int from, final int length, final ByteBuf out) {
        if (length <= 0) {
            return;
        }
        final byte[] array = buffer.byteArray();
        if (array != null) {
            out.writeBytes(array, (int)(buffer.wrapAdjustment() + from), length);
        } else {
            final int at = out.writerIndex();
            buffer.getBytes(from, out.internalNioBuffer(at, length), length);
            out.writerIndex(at + length);
        }
    }
}
