package io.tickwire.transport.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.observe.Observation;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An observed run's rule table is its configuration's {@code alerts:}: a rule on a series fed over {@code POST
 * /metrics} fires, and the webhook gets it with the rule's labels and annotations.
 */
@Timeout(120)
class ObservedAlertNotifierTest {
    private static final String CONFIG = """
        name: hosts
        tick: 100ms
        lateness: 10min
        skew: 1min
        alerts:
          - name: HighLoad
            expr: value(web-1/load) > 4
            labels: {severity: page}
            annotations: {summary: load above 4}
        """;

    @Test
    void shouldNotifyAnObservedRunsAlertWithItsLabels(@TempDir final Path dir) throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.start()) {
            final AlertNotifier notifier = AlertNotifier.start(new AlertNotifier.Context().webhooks(List.of(hook.url()))
                .initialBackoffMs(50));
            try (FeedServerFixture feed = FeedServerFixture.start(new FeedServer.Context().alertNotifier(notifier))) {
                final HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + feed.port() + "/observations")).header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofString(CONFIG.replace("> 4", "> four"))).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(400);
                assertThat(refused.body()).contains("alerts[0].expr: not a number: 'four' at column 21");
                final Observation obs = feed.registry().launch(ObserveLoader.parse(CONFIG), new Observation.Context(),
                    id -> dir.resolve("journal"));
                assertThat(AlertRule.of(obs)).containsExactly(new AlertRule("HighLoad", Map.of("severity", "page"),
                    Map.of("summary", "load above 4")));
                final long ms = obs.originNs() / 1_000_000;
                final HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + feed.port() + "/metrics"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "[{\"source\":\"web-1\",\"metric\":\"load\",\"kind\":\"gauge\",\"value\":5,\"timestamp\":"
                            + (ms + 50) + "}]")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
                while (obs.tickOf(obs.clock().nanoTime()) < 1) {
                    Thread.sleep(10);
                }
                obs.stop(); // closes tick 0: the rule fires (for: 0)
                assertThat(obs.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
                AlertNotifierTest.await("delivered", () -> !hook.accepted().isEmpty());
                final JsonNode alert = hook.accepted().get(0).get("alerts").get(0);
                assertThat(alert.get("status").asText()).isEqualTo("firing");
                assertThat(alert.get("labels").get("alertname").asText()).isEqualTo("HighLoad");
                assertThat(alert.get("labels").get("severity").asText()).isEqualTo("page");
                assertThat(alert.get("labels").get("simulation").asText()).isEqualTo("hosts");
                assertThat(alert.get("annotations").get("summary").asText()).isEqualTo("load above 4");
            }
        }
    }
}
