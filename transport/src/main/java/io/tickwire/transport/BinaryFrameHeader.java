package io.tickwire.transport;

import io.netty.buffer.ByteBuf;

/**
 * The header of a whole (FIN), unmasked binary WebSocket frame as a server sends it, RFC 6455 section 5.2:
 * <pre>
 *   0x82  len                 payload of 0..125 bytes           2 bytes
 *   0x82  126  len (16 bits)  126..65,535                       4 bytes
 *   0x82  127  len (64 bits)  65,536 and more (top bit clear)   10 bytes
 * </pre>
 * Server frames are not masked, so a frame's bytes are the same for every client: the {@link Broadcaster} writes
 * this header once per message, ahead of the payload, and hands the encoded frames to the connections as they are.
 * The length takes its shortest form, as the RFC requires and as Netty's own frame encoder writes it.
 * <p>
 * Public for benchmarks and tools (bench's {@code FrameEncodeBenchmark} sets it against Netty's frame encoder); within
 * Tickwire the {@link Broadcaster} is its one user.
 */
public final class BinaryFrameHeader {
    /** FIN and opcode 0x2 (binary). */
    static final int FIN_BINARY = 0x82;
    /** The longest header: 2 bytes, then a 64-bit length. */
    static final int MAX_LENGTH = 10;
    private static final int MAX_7_BIT = 125;
    private static final int MAX_16_BIT = 0xffff;
    private static final int LENGTH_16 = 126;
    private static final int LENGTH_64 = 127;

    private BinaryFrameHeader() {
    }

    /** @return the header's length for a payload of {@code payloadLength} bytes. */
    public static int length(final int payloadLength) {
        if (payloadLength <= MAX_7_BIT) {
            return 2;
        }
        return payloadLength <= MAX_16_BIT ? 4 : MAX_LENGTH;
    }

    /** Write the header for a payload of {@code payloadLength} bytes (>= 0) at {@code out}'s writer index. */
    public static void write(final ByteBuf out, final int payloadLength) {
        if (payloadLength < 0) {
            throw new IllegalArgumentException("payload length " + payloadLength);
        }
        if (payloadLength <= MAX_7_BIT) {
            out.writeShort(FIN_BINARY << 8 | payloadLength);
        } else if (payloadLength <= MAX_16_BIT) {
            out.writeShort(FIN_BINARY << 8 | LENGTH_16);
            out.writeShort(payloadLength);
        } else {
            out.writeShort(FIN_BINARY << 8 | LENGTH_64);
            out.writeLong(payloadLength);
        }
    }
}
