package io.tickwire.transport.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.Simulation;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server with an alert notifier: its runs get the notifier's listener, generatorURL points at the server, the
 * counters are on {@code /metrics}, and closing the server closes the notifier.
 */
@Timeout(120)
class ServedAlertNotifierTest {
    private static final String DIAGRAM = """
        name: served-alerts
        tick: 10ms
        seed: 42
        services:
          - name: gateway
            latency: { distribution: exponential, mean: 1ms }
            calls: [ { to: payments } ]
          - name: payments
            latency: { distribution: exponential, mean: 2ms }
        load:
          - { target: gateway, rate: 200/s }
        """;

    @Test
    void shouldLinkTheServerAndCountOnMetrics() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.start()) {
            final AlertNotifier notifier = AlertNotifier.start(new AlertNotifier.Context().webhooks(List.of(hook.url()))
                .initialBackoffMs(50));
            try (FeedServerFixture feed = FeedServerFixture.start(new FeedServer.Context().alertNotifier(notifier))) {
                final Simulation sim = feed.launch(DIAGRAM, new Simulation.Context().ticks(20)
                    .speed(Simulation.Context.SPEED_MAX), null);
                assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
                assertThat(sim.failure()).isNull();

                new AlertWire(notifier.newListener(sim.id(), List.of()), sim.id(), "served-alerts")
                    .firing(3, "PaymentsSlow");
                AlertNotifierTest.await("delivered", () -> hook.accepted().size() == 1);
                final JsonNode alert = hook.accepted().get(0).get("alerts").get(0);
                assertThat(alert.get("generatorURL").asText())
                    .isEqualTo("http://127.0.0.1:" + feed.port() + "/?sim=" + sim.id() + "&focus=payments");
                AlertNotifierTest.await("counted", () -> notifier.targets().get(0).sent() == 1);

                final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + feed.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                final String target = "{kind=\"webhook\",target=\"" + hook.url() + "\"}";
                assertThat(metrics).contains("tickwire_alert_notifications_sent_total" + target + " 1.0")
                    .contains("tickwire_alert_notifications_failed_total" + target + " 0.0")
                    .contains("tickwire_alert_notifications_dropped_total" + target + " 0.0")
                    .contains("tickwire_alert_notifications_queued" + target + " 0.0");
            }
            // Closed with the server: what comes later is dropped, counted.
            notifier.newListener(99, List.of()).onEnd(-1, io.tickwire.engine.TickListener.EndReason.COMPLETED);
            new AlertWire(notifier.newListener(99, List.of()), 99, "late").firing(3, "Late");
            assertThat(notifier.targets().get(0).dropped()).isEqualTo(1);
        }
    }
}
