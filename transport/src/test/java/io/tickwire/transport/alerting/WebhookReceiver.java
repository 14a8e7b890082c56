package io.tickwire.transport.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on 127.0.0.1 (the JDK's HTTP server): records the JSON bodies it accepted (answered 200), and
 * answers the statuses it is told to first (503, ...), or hangs every request until released.
 */
final class WebhookReceiver implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<JsonNode> accepted = new ArrayList<>();
    private final Deque<Integer> scripted = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;

    private WebhookReceiver(final int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            final Thread t = new Thread(r, "test-webhook");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            try (exchange) {
                final byte[] body = exchange.getRequestBody().readAllBytes();
                requests.incrementAndGet();
                if (hang) {
                    release.await(60, TimeUnit.SECONDS);
                }
                final Integer status;
                synchronized (this) {
                    status = scripted.pollFirst();
                }
                if (status != null && status != 200) {
                    exchange.sendResponseHeaders(status, -1);
                    return;
                }
                synchronized (this) {
                    accepted.add(JSON.readTree(body));
                }
                exchange.sendResponseHeaders(200, -1);
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    /** On an ephemeral port. */
    static WebhookReceiver start() throws IOException {
        return new WebhookReceiver(0);
    }

    /** On {@code port}. */
    static WebhookReceiver start(final int port) throws IOException {
        return new WebhookReceiver(port);
    }

    /** Answer the next requests with these statuses (then 200). */
    synchronized WebhookReceiver answering(final int... statuses) {
        for (final int s : statuses) {
            scripted.addLast(s);
        }
        return this;
    }

    /** Hold every request until {@link #close()}. */
    WebhookReceiver hanging() {
        hang = true;
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    int requests() {
        return requests.get();
    }

    synchronized List<JsonNode> accepted() {
        return new ArrayList<>(accepted);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService)server.getExecutor()).shutdownNow();
    }
}
