package io.tickwire.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** HTTP as bytes on a socket, for requests a client library would not send (a foreign Host, half a header). */
final class RawHttp {
    private RawHttp() {
    }

    /** Send {@code request} (CRLFs added for LFs) and read until the server closes or 10 s pass. */
    static String exchange(final int port, final String request) throws IOException {
        try (Socket socket = connect(port)) {
            write(socket, request);
            return readUntilClosed(socket, 10_000);
        }
    }

    /** Send {@code request} and read only what arrives within {@code ms} (an upgrade keeps the connection open). */
    static String exchangeFor(final int port, final String request, final int ms) throws IOException {
        try (Socket socket = connect(port)) {
            write(socket, request);
            return readUntilClosed(socket, ms);
        }
    }

    static Socket connect(final int port) throws IOException {
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return socket;
    }

    static void write(final Socket socket, final String text) throws IOException {
        final OutputStream out = socket.getOutputStream();
        out.write(text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** What the socket gives until EOF, or until {@code ms} pass without the connection closing. */
    static String readUntilClosed(final Socket socket, final int ms) throws IOException {
        socket.setSoTimeout(ms);
        final InputStream in = socket.getInputStream();
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (final SocketTimeoutException ex) {
            // still open: return what came
        } catch (final IOException reset) {
            // closed by a reset: what came is the answer
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    /** A WebSocket upgrade of {@code /feed}, with {@code extra} headers (lines ending in \n). */
    static String upgrade(final int port, final String extra) {
        return "GET /feed HTTP/1.1\nHost: 127.0.0.1:" + port + "\nUpgrade: websocket\nConnection: Upgrade\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n" + extra + "\n";
    }
}
