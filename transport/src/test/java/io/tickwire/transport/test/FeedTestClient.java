package io.tickwire.transport.test;

import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.sbe.ConflationPolicy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one wire-level test client of the feed (published in transport's test-jar): a WebSocket client on a plain
 * socket that sends whole frames as given (several in one TCP write, text, oversized, malformed: what a real client
 * library will not send) and checks every frame the server sends against RFC 6455 section 5.2: FIN set (the feed
 * never fragments), RSV bits clear, a known opcode, no mask, the payload length in its shortest form. A violation
 * throws. Requests are encoded by {@link FeedWire}; answers are read with {@code FeedWire.read*}. It speaks to the
 * ingest route too ({@link #connectTo}): a source that ignores its window.
 * <p>
 * Two ways to read, one per client:
 * <ul>
 *   <li><b>on the caller's thread</b>, {@link #read()} and {@link #nextBinary()}: nothing is read unless asked, so a
 *       client can stall (with a small receive buffer, {@link #connect(int, String, int)}) to be a slow reader;</li>
 *   <li><b>through a queue</b>, {@link #next(long)}, {@link #nextNonHeartbeat(long)} and {@link #closed()}: the
 *       first of them starts a reader thread of the client's own that keeps every binary message, answers pings,
 *       and records the server's close (answering it, as RFC 6455 asks).</li>
 * </ul>
 * Sending is thread-safe; each way of reading is for one thread.
 */
public final class FeedTestClient implements AutoCloseable {
    public static final int OPCODE_TEXT = 0x1;
    public static final int OPCODE_BINARY = 0x2;
    public static final int OPCODE_CLOSE = 0x8;
    public static final int OPCODE_PING = 0x9;
    public static final int OPCODE_PONG = 0xa;
    private static final byte[] MASK = {0x37, (byte)0xfa, 0x21, 0x3d};
    private static final int READ_TIMEOUT_MS = 30_000;

    /** One frame as read: its opcode and unmasked payload. */
    public record Frame(int opcode, byte[] payload) {
        /** A close frame's status code; 1005 (none given) for an empty payload. */
        public int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        /** A close frame's reason. */
        public String closeReason() {
            return payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    /** How the server closed the connection. */
    public record Close(int code, String reason) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private Thread reader;
    private volatile boolean closing;

    private FeedTestClient(final Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
    }

    /** Connect to {@code ws://127.0.0.1:port/feed<query>} ({@code query} empty or {@code ?...}) and upgrade. */
    public static FeedTestClient connect(final int port, final String query) throws IOException {
        return connect(port, query, 0);
    }

    /**
     * As {@link #connect(int, String)}, with SO_RCVBUF set before connecting ({@code receiveBufferBytes} > 0): a
     * client that stops reading then holds little in its kernel, so the server finds it out soon.
     */
    public static FeedTestClient connect(final int port, final String query, final int receiveBufferBytes)
        throws IOException {
        return open(port, "/feed" + query, receiveBufferBytes);
    }

    /**
     * Connect to another WebSocket route of the server, {@code ws://127.0.0.1:port<target>} (e.g.
     * {@code /ingest?observation=1}), and upgrade: its frames are checked and read as the feed's.
     */
    public static FeedTestClient connectTo(final int port, final String target) throws IOException {
        return open(port, target, 0);
    }

    private static FeedTestClient open(final int port, final String target, final int receiveBufferBytes)
        throws IOException {
        final Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            final FeedTestClient client = new FeedTestClient(socket);
            client.upgrade(port, target);
            return client;
        } catch (final IOException | RuntimeException ex) {
            socket.close();
            throw ex;
        }
    }

    private void upgrade(final int port, final String target) throws IOException {
        out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
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

    // ---- sending ----------------------------------------------------------------------------------------------------

    /** A {@code Subscribe}: the latest tick then live, conflated, every service. */
    public void subscribe(final long requestId, final long simulationId) throws IOException {
        sendBinary(FeedWire.subscribe(requestId, simulationId));
    }

    public void subscribe(final long requestId, final long simulationId, final long fromSequence,
                          final ConflationPolicy policy, final String services) throws IOException {
        sendBinary(FeedWire.subscribe(requestId, simulationId, fromSequence, policy, services));
    }

    public void unsubscribe(final long requestId, final long simulationId) throws IOException {
        sendBinary(FeedWire.unsubscribe(requestId, simulationId));
    }

    public void listSimulations(final long requestId) throws IOException {
        sendBinary(FeedWire.listSimulations(requestId));
    }

    public void ping(final long requestId, final long clientTimeNs) throws IOException {
        sendBinary(FeedWire.ping(requestId, clientTimeNs));
    }

    /** One binary frame holding {@code message}, whatever it is. */
    public void sendBinary(final byte[] message) throws IOException {
        send(frame(OPCODE_BINARY, message));
    }

    /** One text frame (which the feed refuses). */
    public void sendText(final String text) throws IOException {
        send(frame(OPCODE_TEXT, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Each message as one binary frame, all of them in <b>one</b> write (one TCP segment, here). */
    public void sendInOneWrite(final byte[]... messages) throws IOException {
        final ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (final byte[] message : messages) {
            frames.writeBytes(frame(OPCODE_BINARY, message));
        }
        send(frames.toByteArray());
    }

    private synchronized void send(final byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A masked client frame, FIN set, its length in the shortest form. */
    private static byte[] frame(final int opcode, final byte[] payload) {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length <= 125) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= 0xffff) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int)((long)payload.length >>> shift));
            }
        }
        frame.write(MASK, 0, MASK.length);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ MASK[i & 3]);
        }
        return frame.toByteArray();
    }

    // ---- reading on the caller's thread -----------------------------------------------------------------------------

    /**
     * The next frame, checked; null at the end of the stream.
     *
     * @throws IOException if the frame breaks RFC 6455 (the message says how), or on a read timeout (30 s).
     */
    public Frame read() throws IOException {
        if (reader != null && Thread.currentThread() != reader) {
            throw new IllegalStateException("this client is read by its reader thread: use next()");
        }
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
        if (opcode != OPCODE_BINARY && opcode != OPCODE_CLOSE && opcode != OPCODE_PING && opcode != OPCODE_PONG) {
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
    public byte[] nextBinary() throws IOException {
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

    // ---- reading through the queue ----------------------------------------------------------------------------------

    /** The next whole binary message, or null if none comes within {@code timeoutMs}. */
    public byte[] next(final long timeoutMs) throws InterruptedException {
        startReader();
        return messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The next message that is not a {@code Heartbeat}, or null if none comes within {@code timeoutMs}. */
    public byte[] nextNonHeartbeat(final long timeoutMs) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            final byte[] message = left <= 0 ? null : next(left);
            if (message == null || FeedWire.messageOf(message) != FeedMessage.HEARTBEAT) {
                return message;
            }
        }
    }

    /**
     * Completed with the server's close frame; exceptionally when the connection ends without one or a frame
     * breaks RFC 6455.
     */
    public CompletableFuture<Close> closed() {
        startReader();
        return closed;
    }

    private synchronized void startReader() {
        if (reader != null) {
            return;
        }
        reader = new Thread(this::readAll, "feed-test-client-" + socket.getLocalPort());
        reader.setDaemon(true);
        reader.start();
    }

    private void readAll() {
        try {
            Frame frame;
            while ((frame = read()) != null) {
                switch (frame.opcode()) {
                    case OPCODE_BINARY -> messages.add(frame.payload());
                    case OPCODE_PING -> send(frame(OPCODE_PONG, frame.payload()));
                    case OPCODE_CLOSE -> {
                        closed.complete(new Close(frame.closeCode(), frame.closeReason()));
                        send(frame(OPCODE_CLOSE, frame.payload().length < 2 ? new byte[0]
                            : new byte[] {frame.payload()[0], frame.payload()[1]}));
                        return;
                    }
                    default -> {
                        // an unsolicited pong
                    }
                }
            }
            closed.completeExceptionally(new EOFException("connection closed without a close frame"));
        } catch (final IOException | RuntimeException ex) {
            closed.completeExceptionally(closing ? new EOFException("closed by the test") : ex);
        }
    }

    /** A normal close frame, then the socket. */
    @Override
    public void close() {
        closing = true;
        try {
            if (!socket.isClosed() && !closed.isDone()) {
                send(frame(OPCODE_CLOSE, new byte[] {0x03, (byte)0xe8}));
            }
        } catch (final IOException ex) {
            // already gone
        }
        try {
            socket.close();
        } catch (final IOException ex) {
            // nothing to do
        }
    }
}
