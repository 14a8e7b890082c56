package io.tickwire.transport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A feed client on a plain socket, for what the JDK's WebSocket cannot do: several client messages in one TCP write,
 * and a strict check of the server's framing. Every frame read is checked against RFC 6455 section 5.2 for a server:
 * FIN set (the feed never fragments), RSV bits clear, a known opcode, no mask, and the payload length in its shortest
 * form (7 bits up to 125, 16 bits up to 65535, else 64 bits with the top bit clear). A violation throws.
 * <p>
 * Not thread-safe: one thread reads, one (possibly another) writes.
 */
final class RawFeedClient implements AutoCloseable {
    static final int OPCODE_BINARY = 0x2;
    static final int OPCODE_CLOSE = 0x8;
    private static final byte[] MASK = {0x37, (byte)0xfa, 0x21, 0x3d};

    /** One frame as read: its opcode and unmasked payload. */
    record Frame(int opcode, byte[] payload) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawFeedClient(final Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
    }

    /** Connect to {@code /feed<query>} and complete the upgrade. */
    static RawFeedClient connect(final int port, final String query) throws IOException {
        return connectWithReceiveBuffer(port, query, 0);
    }

    /**
     * As {@link #connect}, with SO_RCVBUF set before connecting ({@code bytes} > 0): a client that stops reading
     * then holds little in its kernel, so the server finds it out soon.
     */
    static RawFeedClient connectWithReceiveBuffer(final int port, final String query, final int bytes)
        throws IOException {
        final Socket socket = new Socket();
        if (bytes > 0) {
            socket.setReceiveBufferSize(bytes);
        }
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            final RawFeedClient client = new RawFeedClient(socket);
            client.upgrade(port, query);
            return client;
        } catch (final IOException | RuntimeException ex) {
            socket.close();
            throw ex;
        }
    }

    private void upgrade(final int port, final String query) throws IOException {
        out.write(("GET /feed" + query + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            final int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream during the upgrade, after: " + head);
            }
            head.append((char)b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head);
        }
    }

    /** Send each message as one masked binary frame, all of them in <b>one</b> write (one TCP segment, here). */
    void sendInOneWrite(final byte[]... messages) throws IOException {
        final ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (final byte[] message : messages) {
            if (message.length > 125) {
                throw new IllegalArgumentException("client messages here fit a 7-bit length");
            }
            frames.write(0x80 | OPCODE_BINARY);
            frames.write(0x80 | message.length);
            frames.write(MASK, 0, MASK.length);
            for (int i = 0; i < message.length; i++) {
                frames.write(message[i] ^ MASK[i & 3]);
            }
        }
        out.write(frames.toByteArray());
        out.flush();
    }

    /**
     * The next frame, checked; null at the end of the stream.
     *
     * @throws IOException if the frame breaks RFC 6455 (the message says how), or on a read timeout (30 s).
     */
    Frame read() throws IOException {
        final int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        final int b1 = in.readUnsignedByte();
        if ((b0 & 0x80) == 0) {
            throw new IOException("fragmented frame (FIN clear): 0x" + Integer.toHexString(b0));
        }
        if ((b0 & 0x70) != 0) {
            throw new IOException("RSV bits set: 0x" + Integer.toHexString(b0));
        }
        final int opcode = b0 & 0x0f;
        if (opcode != OPCODE_BINARY && opcode != OPCODE_CLOSE && opcode != 0x9 && opcode != 0xa) {
            throw new IOException("unexpected opcode 0x" + Integer.toHexString(opcode));
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("masked frame from the server");
        }
        final int length7 = b1 & 0x7f;
        final long length;
        if (length7 == 126) {
            length = in.readUnsignedShort();
            if (length < 126) {
                throw new IOException("16-bit length " + length + " for a payload that fits in 7 bits");
            }
        } else if (length7 == 127) {
            length = in.readLong();
            if (length < 0) {
                throw new IOException("64-bit length with the most significant bit set");
            }
            if (length <= 0xffff) {
                throw new IOException("64-bit length " + length + " for a payload that fits in 16 bits");
            }
        } else {
            length = length7;
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new IOException("payload of " + length + " bytes");
        }
        final byte[] payload = new byte[(int)length];
        in.readFully(payload);
        return new Frame(opcode, payload);
    }

    /** The next binary message; null at a close frame or the end of the stream. */
    byte[] nextBinary() throws IOException {
        while (true) {
            final Frame frame = read();
            if (frame == null || frame.opcode() == OPCODE_CLOSE) {
                return null;
            }
            if (frame.opcode() == OPCODE_BINARY) {
                return frame.payload();
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
