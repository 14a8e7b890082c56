package io.tickwire.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Off loopback: a bind other than loopback is refused without a token; with a token and TLS (a self-signed
 * certificate made by openssl here), control, /metrics and the feed need the token — curl with {@code --cacert} and
 * Node's {@code ws} (the token as a subprotocol, as a browser sends it) are the clients.
 */
@Timeout(180)
class SecurityTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldRefuseANonLoopbackBindWithoutAToken() throws Exception {
        final Installation tw = Installation.unpack(tmp);
        final Installation.Outcome serve = tw.tickwire(60, "serve", "--bind", "0.0.0.0", "--port", "0");
        assertThat(serve.code()).as(serve.err()).isEqualTo(2);
        assertThat(serve.err()).contains("tickwire: binding 0.0.0.0 (not loopback) needs a token");
    }

    @Test
    void shouldRequireTheTokenOverTls() throws Exception {
        final Installation tw = Installation.unpack(tmp);
        final Path cert = tmp.resolve("cert.pem");
        final Path key = tmp.resolve("key.pem");
        final Installation.Outcome openssl = Installation.run(List.of(Installation.tool("openssl", "openssl"), "req",
            "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"), tmp, 60, Map.of());
        assertThat(openssl.code()).as(openssl.err()).isZero();
        final Path tokenFile = Files.writeString(tmp.resolve("token"), TOKEN + "\n");

        try (Installation.Running server = tw.start("serve", "--port", "0", "--token-file", tokenFile.toString(),
            "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
            final String url = server.awaitServing(60);
            assertThat(url).startsWith("https://127.0.0.1:");

            assertThat(curl(cert, url + "/health", null)).isEqualTo("200");
            assertThat(curl(cert, url + "/", null)).as("the dashboard's page").isEqualTo("200");
            assertThat(curl(cert, url + "/simulations", null)).isEqualTo("401");
            assertThat(curl(cert, url + "/simulations", "wrong-token-0123456789")).isEqualTo("401");
            assertThat(curl(cert, url + "/metrics", null)).isEqualTo("401");
            assertThat(curl(cert, url + "/simulations", TOKEN)).isEqualTo("200");
            assertThat(curl(cert, url + "/metrics", TOKEN)).isEqualTo("200");

            final Installation.Outcome refused = tw.tickwire(60, "runs", "start",
                tw.home.resolve("examples/checkout.yaml").toString(), "--server", url, "--cacert", cert.toString());
            assertThat(refused.code()).isEqualTo(2);
            assertThat(refused.err()).contains("server answered 401");
            final Installation.Outcome started = tw.tickwire(60, "runs", "start",
                tw.home.resolve("examples/checkout.yaml").toString(), "--server", url, "--cacert", cert.toString(),
                "--token-file", tokenFile.toString(), "--speed", "10");
            assertThat(started.code()).as(started.err()).isZero();
            final long id = JSON.readTree(started.out()).get("id").asLong();

            final String wss = url.replaceFirst("^https", "wss") + "/feed?sim=" + id;
            final JsonNode withToken = node(wss, cert, TOKEN);
            assertThat(withToken.get("status").asText()).as(withToken.toString()).isEqualTo("open");
            assertThat(withToken.get("protocol").asText()).isEqualTo("tickwire.feed");
            assertThat(withToken.get("binaryFrames").asInt()).isGreaterThanOrEqualTo(3);
            final JsonNode without = node(wss, cert, "-");
            assertThat(without.get("status").asText()).isEqualTo("error");
            assertThat(without.get("message").asText()).contains("401");

            assertThat(server.terminate(60)).as(server.err.toString()).isZero();
        }
    }

    private String curl(final Path ca, final String url, final String token) throws Exception {
        final List<String> command = new ArrayList<>(List.of(Installation.tool("curl", "curl"), "-s", "-o",
            "/dev/null", "-w", "%{http_code}", "--cacert", ca.toString()));
        if (token != null) {
            command.add("-H");
            command.add("Authorization: Bearer " + token);
        }
        command.add(url);
        final Installation.Outcome curl = Installation.run(command, tmp, 60, Map.of());
        assertThat(curl.code()).as(curl.err()).isZero();
        return curl.out().trim();
    }

    private JsonNode node(final String url, final Path ca, final String token) throws Exception {
        final Path modules = Paths.get(System.getProperty("tickwire.node.modules"));
        assertThat(modules.resolve("ws/package.json")).as("clients/node_modules/ws (npm ci by the clients build)")
            .isRegularFile();
        final Installation.Outcome node = Installation.run(List.of(Installation.tool("node", "nodejs"),
            Paths.get("src/test/js/ws-token.mjs").toAbsolutePath().toString(), modules.toString(), url,
            ca.toString(), token, "20000"), tmp, 60, Map.of());
        assertThat(node.code()).as(node.err()).isZero();
        return JSON.readTree(node.out());
    }
}
