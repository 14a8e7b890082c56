package io.tickwire.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tail} with and without the bearer token; then a real Prometheus (Debian's package) scrapes {@code tickwire serve}'s {@code /metrics} with the bearer token, as the
 * README's scrape configuration says: the target is up and the runs' series are queryable. Everything on 127.0.0.1,
 * ephemeral ports, a temporary configuration and data directory.
 */
@Timeout(180)
class PrometheusScrapeTest {
    private static final String TOKEN = "prometheus-scrape-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldBeScrapedByPrometheus() throws Exception {
        final String prometheus = Installation.tool("prometheus", "prometheus");
        final Installation tw = Installation.unpack(tmp);
        final Path tokenFile = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        try (Installation.Running server = tw.start("serve", "--port", "0", "--token-file", tokenFile.toString())) {
            final String url = server.awaitServing(60);
            final Installation.Outcome started = tw.tickwire(60, "runs", "start",
                tw.home.resolve("examples/checkout.yaml").toString(), "--server", url, "--speed", "10",
                "--token-file", tokenFile.toString());
            assertThat(started.code()).as(started.err()).isZero();
            // The Java feed client (tail) sends the token too; without it the upgrade is refused.
            final String feed = url.replaceFirst("^http", "ws") + "/feed?sim=1";
            final Installation.Outcome tail = tw.tickwire(60, "tail", feed, "--count", "3", "--token-file",
                tokenFile.toString());
            assertThat(tail.code()).as(tail.err()).isZero();
            assertThat(tail.out().lines()).hasSize(3);
            final Installation.Outcome refused = tw.tickwire(60, "tail", feed, "--count", "3");
            assertThat(refused.code()).isNotZero();
            assertThat(refused.err()).contains("401");

            final int port = freePort();
            final Path config = Files.writeString(tmp.resolve("prometheus.yml"), String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "scrape_configs:",
                "  - job_name: tickwire",
                "    authorization:",
                "      credentials_file: " + tokenFile,
                "    static_configs:",
                "      - targets: ['" + url.substring("http://".length()) + "']",
                ""));
            final Process p = new ProcessBuilder(prometheus, "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            try {
                final HttpClient http = HttpClient.newHttpClient();
                final String api = "http://127.0.0.1:" + port + "/api/v1/";
                JsonNode result = null;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (System.nanoTime() < deadline) {
                    try {
                        final JsonNode q = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(api + "query?query="
                            + URLEncoder.encode("tickwire_ticks_closed_total{job=\"tickwire\"}", StandardCharsets.UTF_8)))
                            .build(), HttpResponse.BodyHandlers.ofString()).body());
                        if (q.path("data").path("result").size() > 0) {
                            result = q.path("data").path("result");
                            break;
                        }
                    } catch (final java.io.IOException starting) {
                        // Prometheus is not listening yet
                    }
                    Thread.sleep(200);
                }
                assertThat(result).as("Prometheus never stored a tick count; its log:\n"
                    + Files.readString(tmp.resolve("prometheus.log"))).isNotNull();
                assertThat(result.get(0).path("metric").path("simulation").asText()).isEqualTo("checkout");
                assertThat(result.get(0).path("value").get(1).asDouble()).isPositive();

                final JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(api + "targets"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
                final JsonNode target = targets.path("data").path("activeTargets").get(0);
                assertThat(target.path("health").asText()).as(target.toString()).isEqualTo("up");
                assertThat(target.path("lastError").asText()).isEmpty();
            } finally {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            assertThat(server.terminate(60)).isZero();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
