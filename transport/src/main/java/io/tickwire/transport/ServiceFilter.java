package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.tickwire.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

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

    private final boolean[] keep;
    private final String key;

    /** @param serviceIds the catalog ids of the services kept (at least one). */
    ServiceFilter(final int[] serviceIds) {
        final int[] ids = serviceIds.clone();
        Arrays.sort(ids);
        final int max = ids.length == 0 ? -1 : ids[ids.length - 1];
        this.keep = new boolean[max + 1];
        for (final int id : ids) {
            keep[id] = true;
        }
        this.key = Arrays.toString(Arrays.stream(ids).distinct().toArray());
    }

    /** The same for equal sets of services. */
    String key() {
        return key;
    }

    boolean keeps(final int serviceId) {
        return serviceId >= 0 && serviceId < keep.length && keep[serviceId];
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
