package io.tickwire.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No web page can drive the server: a cross-site request a browser sends without asking (a text/plain POST, a form,
 * a WebSocket upgrade from another origin) is refused, and so is any request naming another host (DNS rebinding).
 * Programs (no Origin) and the server's own pages still work.
 */
@Timeout(60)
class ServerGuardTest {
    private FeedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldRefuseARunLaunchedFromAnotherOrigin() throws Exception {
        final int port = start(new FeedServer.Context().port(0));
        // What a page on evil.example sends with fetch(..., {method: 'POST', body}): no preflight needed.
        assertThat(post(port, "Origin: http://evil.example\nContent-Type: text/plain;charset=UTF-8\n"))
            .startsWith("HTTP/1.1 403 Forbidden")
            .contains("requests from the origin 'http://evil.example' are refused");
        assertThat(post(port, "Origin: http://evil.example\nContent-Type: application/yaml\n"))
            .startsWith("HTTP/1.1 403 Forbidden");
        assertThat(post(port, "Origin: null\nContent-Type: application/yaml\n")).startsWith("HTTP/1.1 403 Forbidden");
        assertThat(post(port, "Origin: http://127.0.0.1:" + (port + 1) + "\nContent-Type: application/yaml\n"))
            .startsWith("HTTP/1.1 403 Forbidden");
        assertThat(server.registry().list()).isEmpty();

        // The server's own pages, by address or as localhost, and programs without an Origin.
        assertThat(post(port, "Origin: http://127.0.0.1:" + port + "\nContent-Type: application/yaml\n"))
            .startsWith("HTTP/1.1 201 Created");
        assertThat(post(port, "Origin: http://localhost:" + port + "\nContent-Type: application/json\n"))
            .startsWith("HTTP/1.1 201 Created");
        assertThat(post(port, "Content-Type: application/x-yaml\n")).startsWith("HTTP/1.1 201 Created");
        // The dashboard's bodiless POSTs carry no Content-Type: its Origin, which no page can forge, lets them by.
        assertThat(RawHttp.exchange(port, "POST /simulations/1/stop HTTP/1.1\nHost: 127.0.0.1:" + port
            + "\nOrigin: http://127.0.0.1:" + port + "\nContent-Length: 0\nConnection: close\n\n"))
            .startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void shouldCheckHostAndOriginBeforeTheTokenAndLetTheTokenStandForAContentType() throws Exception {
        final String token = "0123456789abcdef0123";
        final int port = start(new FeedServer.Context().port(0).token(token));
        final String bearer = "Authorization: Bearer " + token + "\n";
        // A page of another site that knows the token is still refused, and so is a rebound name.
        assertThat(post(port, "Origin: http://evil.example\n" + bearer + "Content-Type: application/yaml\n"))
            .startsWith("HTTP/1.1 403 Forbidden");
        assertThat(RawHttp.exchange(port, "GET /simulations HTTP/1.1\nHost: evil.example:" + port + "\n" + bearer
            + "Connection: close\n\n")).startsWith("HTTP/1.1 421");
        // Without the token: 401, whatever the content type.
        assertThat(post(port, "Content-Type: application/yaml\n")).startsWith("HTTP/1.1 401");
        // With it, a program's simple content type (curl -d) is no sign of a page: a page cannot send Authorization.
        assertThat(post(port, bearer + "Content-Type: application/x-www-form-urlencoded\n"))
            .startsWith("HTTP/1.1 201 Created");
        assertThat(server.registry().list()).hasSize(1);
    }

    @Test
    void shouldRefuseAStateChangingRequestWithASimpleContentType() throws Exception {
        final int port = start(new FeedServer.Context().port(0));
        for (final String type : List.of("text/plain", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "TEXT/PLAIN; charset=utf-8")) {
            assertThat(post(port, "Content-Type: " + type + "\n")).as(type)
                .startsWith("HTTP/1.1 415 Unsupported Media Type")
                .contains("needs a Content-Type such as application/yaml or application/json");
        }
        assertThat(post(port, "")).startsWith("HTTP/1.1 415").contains("(got none)");
        assertThat(RawHttp.exchange(port, "POST /simulations/1/stop HTTP/1.1\nHost: 127.0.0.1:" + port
            + "\nContent-Length: 0\nConnection: close\n\n")).startsWith("HTTP/1.1 415");
        assertThat(server.registry().list()).isEmpty();
        // Reading is not changing: a GET needs no content type.
        assertThat(RawHttp.exchange(port, "GET /simulations HTTP/1.1\nHost: 127.0.0.1:" + port
            + "\nConnection: close\n\n")).startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void shouldRefuseAHostHeaderThatNamesAnotherServer() throws Exception {
        final int port = start(new FeedServer.Context().port(0).allowedHosts(List.of("tickwire.example")));
        // A page of evil.example whose name now resolves to 127.0.0.1 (DNS rebinding) still sends its own name.
        assertThat(get(port, "evil.example:" + port)).startsWith("HTTP/1.1 421 Misdirected Request")
            .contains("Host 'evil.example:" + port + "' is not this server's address");
        assertThat(get(port, "127.0.0.2:" + port)).startsWith("HTTP/1.1 421");
        assertThat(get(port, "127.0.0.1:" + (port + 1))).startsWith("HTTP/1.1 421");
        assertThat(get(port, "127.0.0.1")).startsWith("HTTP/1.1 421"); // port 80
        assertThat(get(port, "127.0.0.1:" + port)).startsWith("HTTP/1.1 200 OK");
        assertThat(get(port, "LOCALHOST:" + port)).startsWith("HTTP/1.1 200 OK");
        assertThat(get(port, "tickwire.example")).startsWith("HTTP/1.1 200 OK"); // a configured name, any port
    }

    @Test
    void shouldRefuseAFeedUpgradeFromAnotherOrigin() throws Exception {
        final int port = start(new FeedServer.Context().port(0).allowedOrigins(List.of("https://dash.example")));
        assertThat(RawHttp.exchange(port, RawHttp.upgrade(port, "Origin: http://evil.example\n")))
            .startsWith("HTTP/1.1 403 Forbidden").contains("may open the feed");
        assertThat(RawHttp.exchangeFor(port, RawHttp.upgrade(port, "Origin: http://127.0.0.1:" + port + "\n"), 500))
            .startsWith("HTTP/1.1 101 Switching Protocols");
        assertThat(RawHttp.exchangeFor(port, RawHttp.upgrade(port, "Origin: https://dash.example\n"), 500))
            .startsWith("HTTP/1.1 101 Switching Protocols");
        assertThat(RawHttp.exchangeFor(port, RawHttp.upgrade(port, ""), 500))
            .startsWith("HTTP/1.1 101 Switching Protocols");
    }

    private int start(final FeedServer.Context ctx) throws InterruptedException {
        server = FeedServer.start(ctx);
        return server.port();
    }

    private static String post(final int port, final String headers) throws Exception {
        final byte[] body = TWO_SERVICES.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        return RawHttp.exchange(port, "POST /simulations?speed=max&ticks=5 HTTP/1.1\nHost: 127.0.0.1:" + port + "\n"
            + headers + "Content-Length: " + body.length + "\nConnection: close\n\n" + TWO_SERVICES);
    }

    private static String get(final int port, final String host) throws Exception {
        return RawHttp.exchange(port, "GET /simulations HTTP/1.1\nHost: " + host + "\nConnection: close\n\n");
    }
}
