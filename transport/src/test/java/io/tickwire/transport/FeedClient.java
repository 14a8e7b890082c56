package io.tickwire.transport;

import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ListSimulationsEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.PingEncoder;
import io.tickwire.sbe.SubscribeEncoder;
import io.tickwire.sbe.UnsubscribeEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Test feed client on the JDK's WebSocket: keeps every binary message, records the close. */
final class FeedClient implements WebSocket.Listener, AutoCloseable {
    record Close(int code, String reason) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private WebSocket ws;

    static FeedClient connect(final int port, final String query) throws Exception {
        final FeedClient client = new FeedClient();
        client.ws = HTTP.newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/feed" + query), client)
            .get(10, TimeUnit.SECONDS);
        return client;
    }

    /** The next message that is not a {@code Heartbeat}, or null if none comes within {@code timeoutMs}. */
    byte[] nextNonHeartbeat(final long timeoutMs) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            final long left = (deadline - System.nanoTime()) / 1_000_000L;
            final byte[] message = left <= 0 ? null : next(left);
            if (message == null || templateId(message) != io.tickwire.sbe.HeartbeatDecoder.TEMPLATE_ID) {
                return message;
            }
        }
    }

    /** The next whole binary message, or null if none comes within {@code timeoutMs}. */
    byte[] next(final long timeoutMs) throws InterruptedException {
        return messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    void sendBinary(final byte[] message) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(message), true).get(5, TimeUnit.SECONDS);
    }

    void sendText(final String text) throws Exception {
        ws.sendText(text, true).get(5, TimeUnit.SECONDS);
    }

    void subscribe(final long requestId, final long simulationId) throws Exception {
        sendBinary(subscribeMessage(requestId, simulationId));
    }

    void unsubscribe(final long requestId, final long simulationId) throws Exception {
        sendBinary(unsubscribeMessage(requestId, simulationId));
    }

    void subscribe(final long requestId, final long simulationId, final long fromSequence,
                   final ConflationPolicy policy, final String services) throws Exception {
        sendBinary(subscribeMessage(requestId, simulationId, fromSequence, policy, services));
    }

    /** A {@code Subscribe} message, header included: the latest tick then live, conflated, every service. */
    static byte[] subscribeMessage(final long requestId, final long simulationId) {
        return subscribeMessage(requestId, simulationId, -1, ConflationPolicy.CONFLATE, "");
    }

    static byte[] subscribeMessage(final long requestId, final long simulationId, final long fromSequence,
                                   final ConflationPolicy policy, final String services) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256 + services.length() * 4]);
        final SubscribeEncoder e = new SubscribeEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId).fromSequence(fromSequence)
            .policy(policy).services(services);
        return copy(buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] listSimulationsMessage(final long requestId) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final ListSimulationsEncoder e = new ListSimulationsEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).requestId(requestId);
        return copy(buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] pingMessage(final long requestId, final long clientTimeNs) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final PingEncoder e = new PingEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).requestId(requestId).clientTimeNs(clientTimeNs);
        return copy(buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** An {@code Unsubscribe} message, header included. */
    static byte[] unsubscribeMessage(final long requestId, final long simulationId) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final UnsubscribeEncoder e = new UnsubscribeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).requestId(requestId).simulationId(simulationId);
        return copy(buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static int templateId(final byte[] message) {
        return new MessageHeaderDecoder().wrap(new UnsafeBuffer(message), 0).templateId();
    }

    static int schemaId(final byte[] message) {
        return new MessageHeaderDecoder().wrap(new UnsafeBuffer(message), 0).schemaId();
    }

    @Override
    public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last) {
        final byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        partial.writeBytes(bytes);
        if (last) {
            messages.add(partial.toByteArray());
            partial.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(final WebSocket webSocket, final Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (ws != null && !ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        if (ws != null) {
            ws.abort();
        }
    }

    private static byte[] copy(final UnsafeBuffer buffer, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
