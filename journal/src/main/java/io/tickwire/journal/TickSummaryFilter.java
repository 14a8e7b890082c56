package io.tickwire.journal;

import io.tickwire.sbe.GroupSizeEncodingDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Copies a {@code TickSummary} message keeping only some services: the header and root block as they are, the
 * services group with only the entries whose {@code serviceId} is included (each entry's fixed block and its
 * histogram), and whatever follows the group (the entry points group, from schema version 2) verbatim. The copy
 * is a valid message of the same version, for any reader of a whole tick (a formatter, the feed).
 * <p>
 * Works at the level of SBE's layout (group headers, var data lengths), not of the fields, so it copies messages of
 * every version alike. <b>Not thread safe</b>; reuses one growing buffer.
 */
public final class TickSummaryFilter {
    private static final int VAR_LENGTH_BYTES = 4; // varDataEncoding's uint32 length
    private final boolean[] include;
    private final ExpandableArrayBuffer copy = new ExpandableArrayBuffer(1024);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();

    /** @param include by service id, true to keep; ids beyond its length are dropped. */
    public TickSummaryFilter(final boolean[] include) {
        this.include = include.clone();
    }

    /**
     * Copy the tick in {@code buffer[offset, offset + length)} into {@link #buffer()} at offset 0, keeping only the
     * included services.
     *
     * @return the length of the copy.
     */
    public int filter(final DirectBuffer buffer, final int offset, final int length) {
        header.wrap(buffer, offset);
        final MutableDirectBuffer out = copy;
        int in = offset + MessageHeaderDecoder.ENCODED_LENGTH + header.blockLength();
        out.putBytes(0, buffer, offset, in - offset);
        int at = in - offset;
        final int entryBlock = buffer.getShort(in + GroupSizeEncodingDecoder.blockLengthEncodingOffset(),
            ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int count = buffer.getShort(in + GroupSizeEncodingDecoder.numInGroupEncodingOffset(),
            ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int countAt = at;
        out.putBytes(at, buffer, in, GroupSizeEncodingDecoder.ENCODED_LENGTH);
        at += GroupSizeEncodingDecoder.ENCODED_LENGTH;
        in += GroupSizeEncodingDecoder.ENCODED_LENGTH;
        int kept = 0;
        for (int i = 0; i < count; i++) {
            final int serviceId = buffer.getShort(in, ByteOrder.LITTLE_ENDIAN) & 0xFFFF; // the entry's first field
            final int dataLength = buffer.getInt(in + entryBlock, ByteOrder.LITTLE_ENDIAN);
            final int entryLength = entryBlock + VAR_LENGTH_BYTES + dataLength;
            if (serviceId < include.length && include[serviceId]) {
                out.putBytes(at, buffer, in, entryLength);
                at += entryLength;
                kept++;
            }
            in += entryLength;
        }
        out.putShort(countAt + GroupSizeEncodingDecoder.numInGroupEncodingOffset(), (short)kept,
            ByteOrder.LITTLE_ENDIAN);
        final int rest = offset + length - in;
        out.putBytes(at, buffer, in, rest);
        return at + rest;
    }

    /** The last copy, from offset 0. */
    public DirectBuffer buffer() {
        return copy;
    }
}
