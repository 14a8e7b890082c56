package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Diagrams, HTTP calls and waits shared by transport's tests (the feed's fixtures are in {@code test/}). */
final class TestSupport {
    /** Two services, 10 ms ticks, a fixed seed. */
    static final String TWO_SERVICES = """
        name: feedtest
        tick: 10ms
        seed: 42
        services:
          - name: api
            latency: { distribution: exponential, mean: 1ms }
            calls: [ { to: db } ]
          - name: db
            replicas: 2
            latency: { distribution: exponential, mean: 2ms }
        load:
          - { target: api, rate: 200/s }
        """;

    static final String NEGATIVE_LATENCY = """
        name: bad-negative-latency
        services:
          - name: api
            latency:
              distribution: exponential
              mean: -5ms
        load:
          - target: api
            rate: 100/s
        """;

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestSupport() {
    }

    /** As a program sends it: no Origin, and a state-changing request says its body is YAML (see RequestGuard). */
    static HttpResponse<String> send(final int port, final String method, final String pathAndQuery,
                                     final String body) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (!"GET".equals(method)) {
            request.header("Content-Type", "application/yaml");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(final int port, final String path) throws Exception {
        return send(port, "GET", path, null);
    }

    static JsonNode json(final HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    static void await(final String what, final long timeoutMs, final BooleanSupplier condition)
        throws InterruptedException {
        await(() -> what, timeoutMs, condition);
    }

    /** @param what described when the wait times out, with what is known then. */
    static void await(final Supplier<String> what, final long timeoutMs, final BooleanSupplier condition)
        throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what.get());
            }
            Thread.sleep(10);
        }
    }
}
