package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.Simulation;
import io.tickwire.transport.test.FeedTestClient;
import io.tickwire.journal.JournalReader;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.tickwire.transport.TestSupport.NEGATIVE_LATENCY;
import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.get;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** REST control and static files, over real HTTP against a real server on an ephemeral port. */
@Timeout(60)
class HttpApiTest {
    @TempDir
    Path journals;

    private FeedServerFixture server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        server = FeedServerFixture.start(new FeedServer.Context().journalRoot(journals));
        port = server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void shouldReportHealth() throws Exception {
        final HttpResponse<String> response = get(port, "/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
            type -> assertThat(type).startsWith("application/json"));
        assertThat(json(response)).isEqualTo(TestSupport.JSON.readTree("{\"status\":\"ok\"}"));
    }

    @Test
    void shouldLaunchPostedDiagramAndJournalIt() throws Exception {
        final HttpResponse<String> response = send(port, "POST", "/simulations?speed=max&ticks=20", TWO_SERVICES);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        final JsonNode body = json(response);
        assertThat(body.get("id").asLong()).isEqualTo(1);
        assertThat(body.get("name").asText()).isEqualTo("feedtest");
        assertThat(body.get("seed").asLong()).isEqualTo(42);
        assertThat(body.get("tickLengthNs").asLong()).isEqualTo(10_000_000L);
        assertThat(body.get("services")).hasSize(2);
        assertThat(body.get("services").get(1).get("name").asText()).isEqualTo("db");
        assertThat(body.get("services").get(1).get("servers").asInt()).isEqualTo(2);
        assertThat(response.headers().firstValue("location")).hasValue("/simulations/1");

        final Simulation sim = server.registry().get(1).orElseThrow();
        await("the run to end", 10_000, () -> sim.state() == Simulation.State.ENDED);
        final Path journal = journals.resolve("sim-1-feedtest");
        assertThat(body.get("journal").asText()).isEqualTo(journal.toString());
        try (JournalReader reader = JournalReader.open(journal)) {
            await("the journal's end", 10_000, reader::ended);
            assertThat(reader.lastTick()).isEqualTo(19);
            assertThat(reader.seed()).isEqualTo(42);
        }

        final JsonNode list = json(get(port, "/simulations"));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("id").asLong()).isEqualTo(1);
        assertThat(list.get(0).get("name").asText()).isEqualTo("feedtest");
        assertThat(list.get(0).get("state").asText()).isEqualTo("ENDED");
        assertThat(list.get(0).get("ticksClosed").asLong()).isEqualTo(20);
        assertThat(list.get(0).get("seed").asLong()).isEqualTo(42);
    }

    @Test
    void shouldTurnDurationIntoTicksAndOverrideSeed() throws Exception {
        final HttpResponse<String> response =
            send(port, "POST", "/simulations?speed=max&duration=95ms&seed=9&workers=2", TWO_SERVICES);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(json(response).get("seed").asLong()).isEqualTo(9);
        assertThat(json(response).get("ticks").asLong()).isEqualTo(10); // ceil(95ms / 10ms)
        final Simulation sim = server.registry().get(json(response).get("id").asLong()).orElseThrow();
        await("the run to end", 10_000, () -> sim.state() == Simulation.State.ENDED);
        assertThat(sim.ticksClosed()).isEqualTo(10);
    }

    @Test
    void shouldRefuseInvalidDiagramWithFieldPath() throws Exception {
        final HttpResponse<String> response = send(port, "POST", "/simulations", NEGATIVE_LATENCY);

        assertThat(response.statusCode()).isEqualTo(400);
        final JsonNode body = json(response);
        assertThat(body.get("error").asText()).isEqualTo("services[0].latency.mean: must be > 0 (got -5ms)");
        assertThat(body.get("problems")).hasSize(1);
        assertThat(body.get("problems").get(0).asText()).startsWith("services[0].latency.mean");
        assertThat(server.registry().list()).isEmpty();
    }

    @Test
    void shouldRefuseUnparsableDiagram() throws Exception {
        final HttpResponse<String> response = send(port, "POST", "/simulations", "services: [ {");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).contains("not valid YAML or JSON");
    }

    @Test
    void shouldRefuseBadParameterByName() throws Exception {
        assertBadParameter("/simulations?speed=fast", "speed");
        assertBadParameter("/simulations?speed=0", "speed");
        assertBadParameter("/simulations?ticks=0", "ticks");
        assertBadParameter("/simulations?duration=ten", "duration");
        assertBadParameter("/simulations?seed=1.5", "seed");
        assertBadParameter("/simulations?workers=-1", "workers");
        assertBadParameter("/simulations?ticks=5&duration=1s", "duration");
        assertBadParameter("/simulations?colour=blue", "colour");
        assertThat(server.registry().list()).isEmpty();
    }

    @Test
    void shouldStopRunningSimulation() throws Exception {
        final HttpResponse<String> launched = send(port, "POST", "/simulations", TWO_SERVICES);
        assertThat(launched.statusCode()).isEqualTo(201);
        final long id = json(launched).get("id").asLong();
        assertThat(describe(id).get("state").asText()).isEqualTo("RUNNING");

        final HttpResponse<String> stopped = send(port, "POST", "/simulations/" + id + "/stop", null);

        // The answer is the state after the stop: the run has ended, stopped.
        assertThat(stopped.statusCode()).isEqualTo(200);
        assertThat(json(stopped).get("id").asLong()).isEqualTo(id);
        assertThat(json(stopped).get("state").asText()).as(stopped.body()).isEqualTo("ENDED");
        assertThat(json(stopped).get("endReason").asText()).isEqualTo("STOPPED");
        assertThat(server.registry().get(id).orElseThrow().state()).isEqualTo(Simulation.State.ENDED);
        assertThat(describe(id).get("endReason").asText()).isEqualTo("STOPPED");
        assertThat(send(port, "POST", "/simulations/99/stop", null).statusCode()).isEqualTo(404);
        assertThat(send(port, "POST", "/simulations/abc/stop", null).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldCountTheFramesSentToARunsSubscribers() throws Exception {
        final HttpResponse<String> launched = send(port, "POST", "/simulations?speed=10", TWO_SERVICES);
        assertThat(launched.statusCode()).isEqualTo(201);
        final long id = json(launched).get("id").asLong();
        assertThat(describe(id).get("framesSent").asLong()).isZero();

        int ticks = 0;
        try (FeedTestClient client = FeedTestClient.connect(port, "?sim=" + id + "&from=0")) {
            while (ticks < 5) {
                final byte[] m = client.next(5_000);
                assertThat(m).as("a message within 5 s").isNotNull();
                if (FeedWire.messageOf(m) == FeedMessage.TICK_SUMMARY) {
                    ticks++;
                }
            }
            await("the run's framesSent to count the ticks received", 5_000,
                () -> describeQuietly(id).get("framesSent").asLong() >= 5);
            final JsonNode listed = json(get(port, "/simulations")).get(0);
            assertThat(listed.get("framesSent").asLong()).isGreaterThanOrEqualTo(5);
            assertThat(listed.get("subscribers").asInt()).isEqualTo(1);
        }
    }

    @Test
    void shouldServeTheRunsDiagramWithItsCallsForTheDashboard() throws Exception {
        final HttpResponse<String> launched = send(port, "POST", "/simulations", TWO_SERVICES);
        final long id = json(launched).get("id").asLong();

        final HttpResponse<String> response = get(port, "/simulations/" + id + "/diagram");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        final JsonNode diagram = json(response);
        assertThat(diagram.get("name").asText()).isEqualTo("feedtest");
        assertThat(diagram.get("tickLengthNs").asLong()).isEqualTo(10_000_000L);
        assertThat(diagram.get("services")).hasSize(2);
        assertThat(diagram.get("services").get(1).get("name").asText()).isEqualTo("db");
        assertThat(diagram.get("services").get(1).get("servers").asInt()).isEqualTo(2);
        assertThat(diagram.get("services").get(0).get("queue").isNull()).isTrue();
        final JsonNode call = diagram.get("calls").get(0);
        assertThat(call.get("from").asInt()).isZero();
        assertThat(call.get("to").asInt()).isEqualTo(1);
        assertThat(call.get("mode").asText()).isEqualTo("forward");
        assertThat(diagram.get("sources").get(0).get("target").asInt()).isZero();
        assertThat(diagram.get("sources").get(0).get("ratePerSec").asDouble()).isEqualTo(200.0);
        assertThat(get(port, "/simulations/99/diagram").statusCode()).isEqualTo(404);
        assertThat(send(port, "POST", "/simulations/" + id + "/diagram", "x").statusCode()).isEqualTo(405);
        send(port, "POST", "/simulations/" + id + "/stop", null);
    }

    @Test
    void shouldAnswerUnknownPathsWith404AndWrongMethodsWith405() throws Exception {
        assertThat(get(port, "/nope").statusCode()).isEqualTo(404);
        assertThat(get(port, "/simulations/1/nope").statusCode()).isEqualTo(404);
        assertThat(get(port, "/simulations/7").statusCode()).isEqualTo(404);

        final HttpResponse<String> delete = send(port, "DELETE", "/simulations", null);
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("allow")).hasValue("GET, POST");
        assertThat(send(port, "PUT", "/health", "x").statusCode()).isEqualTo(405);
        assertThat(get(port, "/simulations/1/stop").statusCode()).isEqualTo(405);
        assertThat(send(port, "POST", "/index.html", "x").statusCode()).isEqualTo(405);
    }

    @Test
    void shouldServeDashboardFromClasspath() throws Exception {
        final HttpResponse<String> index = get(port, "/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=UTF-8");
        assertThat(index.body()).contains("tickwire test page");
        assertThat(get(port, "/index.html").body()).isEqualTo(index.body());

        final HttpResponse<String> script = get(port, "/app.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("content-type")).hasValue("text/javascript; charset=UTF-8");
        final HttpResponse<String> style = get(port, "/style.css");
        assertThat(style.statusCode()).isEqualTo(200);
        assertThat(style.headers().firstValue("content-type")).hasValue("text/css; charset=UTF-8");

        assertThat(get(port, "/missing.js").statusCode()).isEqualTo(404);
        assertThat(get(port, "/secret.txt").statusCode()).isEqualTo(404);
        final HttpResponse<String> escape = get(port, "/%2e%2e/secret.txt");
        assertThat(escape.statusCode()).isEqualTo(400);
        assertThat(escape.body()).doesNotContain("not served");
    }

    @Test
    void shouldFailClearlyWhenPortIsTaken() {
        final FeedServer.Context taken = new FeedServer.Context().port(port);

        assertThatThrownBy(() -> FeedServer.start(taken))
            .isInstanceOf(UncheckedIOException.class)
            .hasMessageContaining("cannot listen on 127.0.0.1:" + port)
            .hasMessageContaining("in use");
    }

    @Test
    void shouldContinueIdsAfterJournalsAlreadyThere() throws Exception {
        server.close();
        Files.createDirectories(journals.resolve("sim-7-old"));
        server = FeedServerFixture.start(new FeedServer.Context().journalRoot(journals));

        final HttpResponse<String> response = send(server.port(), "POST", "/simulations?speed=max&ticks=1",
            TWO_SERVICES);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(json(response).get("id").asLong()).isEqualTo(8);
    }

    private JsonNode describe(final long id) throws Exception {
        final HttpResponse<String> response = get(port, "/simulations/" + id);
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response);
    }

    private JsonNode describeQuietly(final long id) {
        try {
            return describe(id);
        } catch (final Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void assertBadParameter(final String pathAndQuery, final String parameter) throws Exception {
        final HttpResponse<String> response = send(port, "POST", pathAndQuery, TWO_SERVICES);
        assertThat(response.statusCode()).as(pathAndQuery).isEqualTo(400);
        final JsonNode body = json(response);
        assertThat(body.get("parameter").asText()).as(pathAndQuery).isEqualTo(parameter);
        assertThat(body.get("error").asText()).as(pathAndQuery).startsWith(parameter + ": ");
    }

    @Test
    void shouldAnswerARequestWhoseUriDoesNotDecodeWith400() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write("GET /%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            final String answer = new String(socket.getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("malformed request URI");
        }
    }
}
