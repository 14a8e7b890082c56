package io.tickwire.transport.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.Simulation;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The notifier against a real Alertmanager (Debian's {@code prometheus-alertmanager}, started here on 127.0.0.1 with
 * no clustering), whose route sends to a webhook receiver of this test with {@code send_resolved}: Alertmanager
 * takes the firing alert (its API lists it, active) and notifies it, then the resolved one; and end to end, a served
 * run of {@code examples/retry-storm.yaml} whose alert rule fires and resolves, with the diagram's labels.
 */
@Timeout(180)
class AlertmanagerIntegrationTest {
    static final String MISSING = "install prometheus-alertmanager (Debian package)";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private Process alertmanager;
    private WebhookReceiver receiver;
    private AlertNotifier notifier;

    @AfterEach
    void stop() throws Exception {
        if (notifier != null) {
            notifier.close();
        }
        if (alertmanager != null) {
            alertmanager.destroy();
            if (!alertmanager.waitFor(10, TimeUnit.SECONDS)) {
                alertmanager.destroyForcibly();
            }
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void shouldHaveAlertmanagerReceiveTheFiringThenTheResolvedAlert() throws Exception {
        final Path binary = binary();
        receiver = WebhookReceiver.start();
        final String am = startAlertmanager(binary, receiver.url());
        notifier = AlertNotifier.start(new AlertNotifier.Context().alertmanagers(List.of(am)).resendDelayMs(1_000)
            .initialBackoffMs(100).maxBackoffMs(1_000).externalUrl("http://127.0.0.1:8080"));
        final AlertWire run = new AlertWire(notifier.newListener(3, List.of(new AlertRule("PaymentsSlow",
            Map.of("severity", "page"), Map.of("summary", "payments p99 above 500ms")))), 3, "checkout");

        run.firing(10, "PaymentsSlow");
        final JsonNode[] listed = new JsonNode[1];
        AlertNotifierTest.await("Alertmanager lists the alert, active", () -> {
            listed[0] = activeAlert(am);
            return listed[0] != null;
        });
        final JsonNode alert = listed[0];
        assertThat(alert.get("labels").get("run").asText()).isEqualTo("3");
        assertThat(alert.get("labels").get("simulation").asText()).isEqualTo("checkout");
        assertThat(alert.get("labels").get("service").asText()).isEqualTo("payments");
        assertThat(alert.get("labels").get("severity").asText()).isEqualTo("page");
        assertThat(alert.get("annotations").get("summary").asText()).isEqualTo("payments p99 above 500ms");
        assertThat(alert.get("annotations").get("value").asText()).isEqualTo("812.5");
        assertThat(alert.get("generatorURL").asText()).isEqualTo("http://127.0.0.1:8080/?sim=3&focus=payments");

        AlertNotifierTest.await(() -> "the receiver notified firing; got " + receiver.accepted(),
            () -> notification(receiver, "firing") != null);
        final JsonNode firing = notification(receiver, "firing");
        assertThat(firing.get("alerts").get(0).get("labels").get("alertname").asText()).isEqualTo("PaymentsSlow");
        assertThat(firing.get("alerts").get(0).get("status").asText()).isEqualTo("firing");

        run.resolved(20, "PaymentsSlow", 8);
        AlertNotifierTest.await(() -> "the receiver notified resolved; got " + receiver.accepted(),
            () -> notification(receiver, "resolved") != null);
        final JsonNode resolved = notification(receiver, "resolved").get("alerts").get(0);
        assertThat(resolved.get("status").asText()).isEqualTo("resolved");
        assertThat(resolved.get("labels").get("alertname").asText()).isEqualTo("PaymentsSlow");
        assertThat(notifier.targets().get(0).failed()).isZero();
        assertThat(notifier.targets().get(0).sent()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldNotifyTheRetryStormsAlertFromARunningSimulation() throws Exception {
        final Path binary = binary();
        receiver = WebhookReceiver.start();
        final String am = startAlertmanager(binary, receiver.url());
        // The rule table is the notifier's default: the diagram's alerts, with their labels and annotations.
        notifier = AlertNotifier.start(new AlertNotifier.Context().alertmanagers(List.of(am)).resendDelayMs(1_000)
            .initialBackoffMs(100).maxBackoffMs(1_000));
        try (FeedServerFixture feed = FeedServerFixture.start(new FeedServer.Context().alertNotifier(notifier))) {
            // 4x real time: the alert fires at 22.2s simulated and resolves at 31.0s (the example's header), 2.2s of
            // wall time apart: Alertmanager's group (group_wait 200ms) notifies the firing alert before the
            // resolution arrives. 36s simulated, 720 ticks of 50ms.
            final Simulation sim = feed.launchExample("retry-storm.yaml", new Simulation.Context().ticks(720)
                .speed(4), null);
            AlertNotifierTest.await(() -> "the receiver notified firing; got " + receiver.accepted(),
                () -> notification(receiver, "firing") != null);
            final JsonNode firing = notification(receiver, "firing").get("alerts").get(0);
            assertThat(firing.get("labels").get("alertname").asText()).isEqualTo("ApiPagesFailing");
            assertThat(firing.get("labels").get("severity").asText()).isEqualTo("page");
            assertThat(firing.get("labels").get("service").asText()).isEqualTo("api");
            assertThat(firing.get("labels").get("simulation").asText()).isEqualTo("retry-storm");
            assertThat(firing.get("labels").get("run").asText()).isEqualTo(Long.toString(sim.id()));
            assertThat(firing.get("annotations").get("summary").asText())
                .isEqualTo("api fails more than 5% of its pages");
            assertThat(firing.get("generatorURL").asText())
                .isEqualTo("http://127.0.0.1:" + feed.port() + "/?sim=" + sim.id() + "&focus=api");

            AlertNotifierTest.await(() -> "the receiver notified resolved; got " + receiver.accepted(),
                () -> notification(receiver, "resolved") != null);
            final JsonNode resolved = notification(receiver, "resolved").get("alerts").get(0);
            assertThat(resolved.get("labels").get("alertname").asText()).isEqualTo("ApiPagesFailing");
            assertThat(resolved.get("startsAt").asText()).isEqualTo(firing.get("startsAt").asText());
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
            assertThat(notifier.targets().get(0).failed()).isZero();
        }
    }

    /** The Debian package's binary, or the test fails saying what to install. */
    static Path binary() {
        for (final String dirName : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin").split(":")) {
            final Path p = Paths.get(dirName.isEmpty() ? "." : dirName, "prometheus-alertmanager");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail(MISSING);
    }

    /** Alertmanager on a free port with no gossip, routing everything to {@code webhook}; its URL once ready. */
    private String startAlertmanager(final Path binary, final String webhook) throws Exception {
        final Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
            route:
              receiver: hook
              group_by: ['alertname']
              group_wait: 200ms
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: hook
                webhook_configs:
                  - url: '%s'
                    send_resolved: true
            """.formatted(webhook));
        for (int attempt = 1; ; attempt++) {
            final int port = freePort();
            final Path log = dir.resolve("alertmanager-" + attempt + ".log");
            alertmanager = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.path=" + dir.resolve("data-" + attempt), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=", "--log.level=info")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            final String url = "http://127.0.0.1:" + port;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (alertmanager.isAlive() && System.nanoTime() - deadline < 0) {
                if (status(url + "/-/ready") == 200) {
                    return url;
                }
                Thread.sleep(50);
            }
            alertmanager.destroyForcibly().waitFor();
            if (attempt == 3) {
                throw new AssertionError("Alertmanager did not become ready: " + Files.readString(log));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int status(final String url) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (final IOException ex) {
            return -1;
        }
    }

    /** Our alert as {@code GET /api/v2/alerts} lists it, if active. */
    private static JsonNode activeAlert(final String am) {
        try {
            final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(am + "/api/v2/alerts"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (final JsonNode a : WebhookReceiver.JSON.readTree(r.body())) {
                if ("PaymentsSlow".equals(a.get("labels").get("alertname").asText())
                    && "active".equals(a.get("status").get("state").asText())) {
                    return a;
                }
            }
            return null;
        } catch (final IOException ex) {
            return null;
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static JsonNode notification(final WebhookReceiver receiver, final String status) {
        for (final JsonNode n : receiver.accepted()) {
            if (status.equals(n.get("status").asText())) {
                return n;
            }
        }
        return null;
    }
}
