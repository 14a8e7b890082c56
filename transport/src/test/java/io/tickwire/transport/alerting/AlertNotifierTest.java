package io.tickwire.transport.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.AlertState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The notifier against real HTTP receivers on 127.0.0.1, fed real SBE {@code AlertEvent}s as a run's output ring hands
 * them to a listener: what it posts, its retries, its isolation of targets, its bounded queue.
 */
@Timeout(120)
class AlertNotifierTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(final T c) {
        closeables.add(c);
        return c;
    }

    /** Quick retries, so that tests wait little. */
    private static AlertNotifier.Context quick() {
        return new AlertNotifier.Context().initialBackoffMs(50).maxBackoffMs(400).retryForMs(60_000).maxAttempts(1_000)
            .requestTimeoutMs(30_000).drainTimeoutMs(0);
    }

    private static final List<AlertRule> RULES = List.of(new AlertRule("PaymentsSlow", Map.of("severity", "page"),
        Map.of("summary", "payments p99 above 500ms")));

    @Test
    void shouldPostAlertmanagersWebhookFormatForFiringThenResolved() throws Exception {
        final WebhookReceiver hook = closing(WebhookReceiver.start());
        final AlertNotifier notifier = closing(AlertNotifier.start(quick().webhooks(List.of(hook.url()))
            .externalUrl("http://dash.example:8080")));
        final AlertWire run = new AlertWire(notifier.newListener(7, RULES), 7, "checkout");

        run.tick(0).alert(0, 0, "PaymentsSlow", AlertState.INACTIVE, AlertState.PENDING, 600, 0, 1); // not notified
        run.firing(2, "PaymentsSlow");
        await("firing delivered", () -> hook.accepted().size() == 1);
        final JsonNode firing = hook.accepted().get(0);
        assertThat(firing.get("version").asText()).isEqualTo("4");
        assertThat(firing.get("status").asText()).isEqualTo("firing");
        assertThat(firing.get("receiver").asText()).isEqualTo("tickwire");
        assertThat(firing.get("groupLabels").toString()).isEqualTo("{\"alertname\":\"PaymentsSlow\"}");
        assertThat(firing.get("commonLabels").toString()).isEqualTo("{\"alertname\":\"PaymentsSlow\",\"run\":\"7\","
            + "\"service\":\"payments\",\"severity\":\"page\",\"simulation\":\"checkout\"}");
        assertThat(firing.get("commonAnnotations").toString())
            .isEqualTo("{\"summary\":\"payments p99 above 500ms\",\"value\":\"812.5\"}");
        assertThat(firing.get("externalURL").asText()).isEqualTo("http://dash.example:8080");
        final JsonNode alert = firing.get("alerts").get(0);
        assertThat(alert.get("status").asText()).isEqualTo("firing");
        assertThat(alert.get("generatorURL").asText()).isEqualTo("http://dash.example:8080/?sim=7&focus=payments");
        assertThat(alert.get("endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
        // Active since simulated 0 s: the run's start on the wall clock.
        assertThat(Instant.parse(alert.get("startsAt").asText()))
            .isEqualTo(Instant.ofEpochSecond(0, run.startWallNs()));
        assertThat(alert.get("fingerprint").asText()).hasSize(16);

        run.resolved(5, "PaymentsSlow", 0);
        await("resolved delivered", () -> hook.accepted().size() == 2);
        final JsonNode resolved = hook.accepted().get(1).get("alerts").get(0);
        assertThat(hook.accepted().get(1).get("status").asText()).isEqualTo("resolved");
        assertThat(resolved.get("startsAt").asText()).isEqualTo(alert.get("startsAt").asText());
        assertThat(Instant.parse(resolved.get("endsAt").asText()))
            .isEqualTo(Instant.ofEpochSecond(0, run.startWallNs() + 6 * AlertWire.TICK_NS));
        assertThat(resolved.get("fingerprint").asText()).isEqualTo(alert.get("fingerprint").asText());
        await("both counted sent", () -> stats(notifier, 0).sent() == 2);
    }

    @Test
    void shouldDeliverOnceAfterTwo503s() throws Exception {
        final WebhookReceiver hook = closing(WebhookReceiver.start().answering(503, 503));
        final AlertNotifier notifier = closing(AlertNotifier.start(quick().webhooks(List.of(hook.url()))));
        new AlertWire(notifier.newListener(1, RULES), 1, "retry").firing(3, "PaymentsSlow");

        await("delivered after the retries", () -> stats(notifier, 0).sent() == 1);
        assertThat(hook.requests()).isEqualTo(3);
        assertThat(hook.accepted()).hasSize(1);
        assertThat(stats(notifier, 0).failed()).isZero();
        assertThat(stats(notifier, 0).dropped()).isZero();
    }

    @Test
    void shouldDeliverToATargetThatComesUpLater() throws Exception {
        final int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        final String url = "http://127.0.0.1:" + port + "/hook";
        final AlertNotifier notifier = closing(AlertNotifier.start(quick().webhooks(List.of(url))));
        new AlertWire(notifier.newListener(1, RULES), 1, "later").firing(3, "PaymentsSlow");

        // Refused at first: the target is down.
        await("a refused attempt", () -> notifier.targetList().get(0).failedAttempts() >= 2);
        assertThat(stats(notifier, 0).sent()).isZero();
        final WebhookReceiver hook = closing(WebhookReceiver.start(port));
        await("delivered once it is up", () -> hook.accepted().size() == 1);
        assertThat(hook.accepted().get(0).get("status").asText()).isEqualTo("firing");
        await("counted", () -> stats(notifier, 0).sent() == 1);
        assertThat(stats(notifier, 0).failed()).isZero();
    }

    @Test
    void shouldNotLetAHangingTargetDelayAnother() throws Exception {
        final WebhookReceiver dead = closing(WebhookReceiver.start().hanging());
        final WebhookReceiver alive = closing(WebhookReceiver.start());
        final AlertNotifier notifier = closing(AlertNotifier.start(quick()
            .webhooks(List.of(dead.url(), alive.url()))));
        final AlertWire run = new AlertWire(notifier.newListener(1, RULES), 1, "isolated");

        run.firing(3, "PaymentsSlow");
        await("the hanging target holds the first", () -> dead.requests() == 1);
        run.resolved(4, "PaymentsSlow", 1);
        await("the live target got both", () -> alive.accepted().size() == 2);
        assertThat(alive.accepted().get(1).get("status").asText()).isEqualTo("resolved");
        // Still held: the live target did not wait for it.
        assertThat(dead.requests()).isEqualTo(1);
        assertThat(dead.accepted()).isEmpty();
        assertThat(stats(notifier, 0).sent()).isZero();
        assertThat(stats(notifier, 0).queued()).isEqualTo(1);
    }

    @Test
    void shouldDropTheOldestNoticesOfAFullQueueAndCountThem() throws Exception {
        final WebhookReceiver hook = closing(WebhookReceiver.start());
        // Not started: the listener floods the queue before the sender reads it.
        final AlertNotifier notifier = closing(new AlertNotifier(quick().queueCapacity(4)
            .webhooks(List.of(hook.url()))));
        final TickListener listener = notifier.newListener(1, List.of());
        final AlertWire run = new AlertWire(listener, 1, "flood");
        for (int i = 0; i < 10; i++) {
            run.tick(i).alert(i, i, "Rule" + i, AlertState.PENDING, AlertState.FIRING, i, i, -1);
        }
        assertThat(stats(notifier, 0).dropped()).isEqualTo(6);

        notifier.startSender();
        await("the newest four delivered", () -> hook.accepted().size() == 4);
        final List<String> names = new ArrayList<>();
        for (final JsonNode n : hook.accepted()) {
            names.add(n.get("commonLabels").get("alertname").asText());
            assertThat(n.get("commonLabels").has("service")).isFalse();
        }
        assertThat(names).containsExactly("Rule6", "Rule7", "Rule8", "Rule9");
        await("the four counted sent", () -> stats(notifier, 0).sent() == 4);
        assertThat(stats(notifier, 0).dropped()).isEqualTo(6);
    }

    @Test
    void shouldDateAlertsNoLaterThanTheirTickClosedOnTheWallClock() {
        assertThat(AlertPayloads.time(1_700_000_000_123_456_789L)).isEqualTo("2023-11-14T22:13:20.123456789Z");
        assertThat(AlertNotifier.value(512.0)).isEqualTo("512");
        assertThat(AlertNotifier.value(0.0125)).isEqualTo("0.0125");
        assertThat(NotificationTarget.alertmanagerEndpoint("http://127.0.0.1:9093/").toString())
            .isEqualTo("http://127.0.0.1:9093/api/v2/alerts");
    }

    static AlertNotifier.TargetStats stats(final AlertNotifier notifier, final int target) {
        return notifier.targets().get(target);
    }

    static void await(final String what, final BooleanSupplier condition) throws InterruptedException {
        await(() -> what, condition);
    }

    static void await(final Supplier<String> what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(20);
        }
    }
}
