package io.tickwire.transport;

import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.transport.test.FeedTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.get;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one server holds is bounded, and absurd input is answered, never crashes a thread: runs (429), connections
 * (503), request and idle timeouts, the diagram's size (413), counts (400 with the field path), and no answer carries
 * a Java exception's text.
 */
@Timeout(60)
class ServerLimitsTest {
    private FeedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldRefuseTwoBillionUsersWith400AndCarryOn() throws Exception {
        final int port = start(new FeedServer.Context().port(0));
        final HttpResponse<String> absurd = send(port, "POST", "/simulations", """
            name: crowd
            services: [{name: api, latency: {mean: 1ms}}]
            load: [{target: api, users: 2147483647}]
            """);
        assertThat(absurd.statusCode()).as(absurd.body()).isEqualTo(400);
        assertThat(json(absurd).path("problems").get(0).asText())
            .isEqualTo("load[0].users: must be an integer in [1, 1000000] (got 2147483647)");
        final HttpResponse<String> rate = send(port, "POST", "/simulations", TWO_SERVICES.replace("200/s", "1e12/s"));
        assertThat(rate.statusCode()).isEqualTo(400);
        assertThat(json(rate).path("error").asText()).startsWith("load[0].rate: must be at most 1e9/s");
        // The server carries on.
        assertThat(send(port, "POST", "/simulations?speed=max&ticks=5", TWO_SERVICES).statusCode()).isEqualTo(201);
    }

    @Test
    void shouldNameTheFieldOfABooleanServiceNameWithADatabaseAndNoExceptionText() throws Exception {
        final int port = start(new FeedServer.Context().port(0));
        final HttpResponse<String> response = send(port, "POST", "/simulations", """
            name: shop
            services:
              - {name: yes, latency: {mean: 1ms}, database: {latency: {mean: 1ms}}}
            load: [{target: api, rate: 1/s}]
            """);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).path("error").asText())
            .startsWith("services[0].name: must be 1-64 of letters, digits, '_', '.', '-' (got true)");
        assertThat(response.body()).doesNotContain("Exception", "java.", "io.tickwire");
    }

    @Test
    void shouldRefuseInvalidUtf8AsTheCliDoes() throws Exception {
        final int port = start(new FeedServer.Context().port(0));
        final byte[] body = ("# caf\u00e9\n" + TWO_SERVICES).getBytes(StandardCharsets.ISO_8859_1);
        final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/simulations")).header("Content-Type", "application/yaml")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).path("error").asText()).isEqualTo("not valid UTF-8: byte 0xE9 at line 1, column 6");
        assertThat(server.registry().list()).isEmpty();
    }

    @Test
    void shouldRefuseABodyLargerThanTheDiagramLimitWith413() throws Exception {
        final int port = start(new FeedServer.Context().port(0)
            .diagramLimits(DiagramLimits.DEFAULT.withMaxBytes(4096)));
        final String padded = TWO_SERVICES + "#" + "x".repeat(5000) + "\n";
        assertThat(send(port, "POST", "/simulations", padded).statusCode()).isEqualTo(413);
        assertThat(send(port, "POST", "/simulations?speed=max&ticks=5", TWO_SERVICES).statusCode()).isEqualTo(201);
    }

    @Test
    void shouldRefuseARunBeyondTheLimitWith429() throws Exception {
        final int port = start(new FeedServer.Context().port(0).maxRuns(2));
        assertThat(send(port, "POST", "/simulations?speed=1", TWO_SERVICES).statusCode()).isEqualTo(201);
        assertThat(send(port, "POST", "/simulations?speed=1", TWO_SERVICES).statusCode()).isEqualTo(201);
        final HttpResponse<String> third = send(port, "POST", "/simulations?speed=1", TWO_SERVICES);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("retry-after")).isPresent();
        assertThat(json(third).path("error").asText()).contains("its limit (maxRuns)");
        // Once one has ended, there is room again.
        assertThat(send(port, "POST", "/simulations/1/stop", null).statusCode()).isEqualTo(200);
        assertThat(send(port, "POST", "/simulations?speed=1", TWO_SERVICES).statusCode()).isEqualTo(201);
    }

    @Test
    void shouldRefuseAConnectionBeyondTheLimitWith503() throws Exception {
        final int port = start(new FeedServer.Context().port(0).maxConnections(2));
        try (Socket a = RawHttp.connect(port); Socket b = RawHttp.connect(port)) {
            RawHttp.write(a, "GET /health HTTP/1.1\nHost: 127.0.0.1:" + port + "\n\n");
            RawHttp.write(b, "GET /health HTTP/1.1\nHost: 127.0.0.1:" + port + "\n\n");
            // Both answered: both are counted (each connection is counted on its own event loop).
            assertThat(readSome(a)).startsWith("HTTP/1.1 200 OK");
            assertThat(readSome(b)).startsWith("HTTP/1.1 200 OK");
            final String third = RawHttp.exchange(port, "GET /health HTTP/1.1\nHost: 127.0.0.1:" + port + "\n\n");
            assertThat(third).startsWith("HTTP/1.1 503 Service Unavailable").contains("its limit (maxConnections)");
        }
        await("a place again once the two closed", 5_000, () -> {
            try {
                return get(port, "/health").statusCode() == 200;
            } catch (final Exception ex) {
                return false;
            }
        });
    }

    @Test
    void shouldCloseAConnectionWhoseRequestDripsInAndOneThatIsIdle() throws Exception {
        final int port = start(new FeedServer.Context().port(0).requestTimeoutMs(300).idleTimeoutMs(400));
        try (Socket slow = RawHttp.connect(port); Socket idle = RawHttp.connect(port)) {
            // A header a byte every 50 ms: never idle, never whole.
            final String header = "GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Slow: " + "a".repeat(200);
            final long start = System.nanoTime();
            String answer = "";
            for (int i = 0; i < header.length(); i++) {
                try {
                    slow.getOutputStream().write(header.charAt(i));
                    slow.getOutputStream().flush();
                } catch (final java.io.IOException closed) {
                    break;
                }
                Thread.sleep(50);
                if (slow.getInputStream().available() > 0) {
                    answer = RawHttp.readUntilClosed(slow, 5_000);
                    break;
                }
            }
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout");
            assertThat(System.nanoTime() - start).isLessThan(header.length() * 50_000_000L);
            assertThat(RawHttp.readUntilClosed(idle, 10_000)).isEmpty(); // closed, not timed out: EOF
            assertThat(idle.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void shouldKeepAFeedConnectionWithHeartbeatsOpenPastTheIdleTimeout() throws Exception {
        final int port = start(new FeedServer.Context().port(0).idleTimeoutMs(300).heartbeatIntervalMs(50));
        assertThat(send(port, "POST", "/simulations?speed=0.001", TWO_SERVICES).statusCode()).isEqualTo(201);
        try (FeedTestClient subscribed = FeedTestClient.connect(port, "");
             FeedTestClient silent = FeedTestClient.connect(port, "")) {
            subscribed.subscribe(1, 1); // a tick every 10 s: heartbeats between
            // The silent one is idle: closed, saying why.
            assertThat(silent.closed().get(10, java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo(new FeedTestClient.Close(1001, "idle"));
            // Thirty heartbeats (some five idle timeouts) later the subscribed one is still open.
            int heartbeats = 0;
            while (heartbeats < 30) {
                final byte[] m = subscribed.next(10_000);
                assertThat(m).as("a heartbeat within 10 s").isNotNull();
                if (FeedWire.messageOf(m) == FeedMessage.HEARTBEAT) {
                    heartbeats++;
                }
            }
            assertThat(subscribed.closed()).isNotDone();
        }
    }

    private int start(final FeedServer.Context ctx) throws InterruptedException {
        server = FeedServer.start(ctx);
        return server.port();
    }

    private static String readSome(final Socket socket) throws Exception {
        socket.setSoTimeout(5_000);
        final InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[4096];
        final int n = in.read(buffer);
        return new String(buffer, 0, Math.max(0, n), StandardCharsets.UTF_8);
    }
}
