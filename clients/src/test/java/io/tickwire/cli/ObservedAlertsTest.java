package io.tickwire.cli;

import io.tickwire.engine.observe.Observation;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.transport.FeedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An observed run's alert rules, fed by a real sender (JSON on {@code POST /metrics}, each sample stamped in its own
 * tick): the gauge's rule goes pending, fires and resolves at the ticks the samples give, its events are journaled,
 * listed by {@code tickwire events} and its firing interval by {@code tickwire report}; a rule on a series that never
 * appears never fires.
 */
@Timeout(120)
class ObservedAlertsTest {
    private static final long TICK_MS = 100;
    /** web-1/load per tick: above 4 in ticks 2..5. */
    private static final double[] LOAD = {1, 1, 5, 5, 5, 5, 1, 1, 1, 1};

    @TempDir
    Path tmp;

    @Test
    void shouldFireAndResolveARuleOnAnObservedGaugeAtTheTicksOfItsSamples() throws Exception {
        // A long lateness: no tick closes before the samples are in; stopping closes them all.
        final Path config = tmp.resolve("hosts.yaml");
        Files.writeString(config, """
            name: hosts
            tick: 100ms
            lateness: 10min
            skew: 1min
            alerts:
              - {name: HighLoad, expr: "value(web-1/load) > 4", for: 200ms, labels: {severity: page}}
              - {name: Absent, expr: "value(web-9/load) > 0"}
            """);
        final Path journal = tmp.resolve("journal");
        final CompletableFuture<FeedServer> serving = new CompletableFuture<>();
        final CommandLine cmd = TickwireCli.commandLine();
        final ObserveCommand observe = cmd.getSubcommands().get("observe").getCommand();
        observe.onServing = serving::complete;
        final CompletableFuture<Cli.Result> exit = CompletableFuture.supplyAsync(() -> Cli.execute(cmd, "observe",
            config.toString(), "--port", "0", "--journal", journal.toString()));
        CompletableFuture.anyOf(serving, exit).get(60, TimeUnit.SECONDS);
        assertThat(serving).as("observe is serving: %s", exit.getNow(null)).isDone();
        final Observation obs = serving.get().registry().observations().get(0);
        final String base = "http://127.0.0.1:" + serving.get().port();
        final HttpClient http = HttpClient.newHttpClient();
        final long originMs = obs.originNs() / 1_000_000;
        final StringBuilder body = new StringBuilder("[");
        for (int t = 0; t < LOAD.length; t++) {
            body.append(t == 0 ? "" : ",").append("{\"source\":\"web-1\",\"metric\":\"load\",\"kind\":\"gauge\",")
                .append("\"value\":").append(LOAD[t]).append(",\"timestamp\":").append(originMs + t * TICK_MS + 50)
                .append('}');
        }
        final HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body + "]"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        assertThat(posted.body()).contains("\"accepted\":" + LOAD.length);
        // Stopping closes the ticks up to the clock's: wait until it is past the last sample's.
        while (obs.tickOf(obs.clock().nanoTime()) < LOAD.length) {
            Thread.sleep(20);
        }
        final HttpResponse<String> stopped = http.send(HttpRequest.newBuilder(URI.create(base
            + "/observations/" + obs.id() + "/stop")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stopped.statusCode()).isEqualTo(200);
        final Cli.Result observed = exit.get(60, TimeUnit.SECONDS);
        assertThat(observed.code()).as(observed.err()).isZero();

        // value > 4 from tick 2 (pending, active since its end, 300ms); for 200ms holds at tick 4's end (500ms):
        // firing; false at tick 6: resolved.
        assertThat(journaledAlerts(journal)).containsExactly(
            "2 HighLoad INACTIVE->PENDING 5.0 since 300000000",
            "4 HighLoad PENDING->FIRING 5.0 since 300000000",
            "6 HighLoad FIRING->INACTIVE 1.0 since 300000000");

        final Cli.Result events = Cli.execute("events", journal.toString(), "--kind", "alert");
        assertThat(events.code()).as(events.err()).isZero();
        assertThat(events.out()).contains("alert HighLoad inactive -> pending on web-1/load")
            .contains("alert HighLoad pending -> firing").contains("alert HighLoad firing -> resolved")
            .doesNotContain("Absent");
        final Cli.Result report = Cli.execute("report", journal.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(report.out()).contains("alerts  2 rules")
            .containsPattern("HighLoad +value\\(web-1/load\\) > 4 +fired 1 time, 0.200 s firing: \\[0.500, 0.700\\)")
            .containsPattern("Absent +value\\(web-9/load\\) > 0 +never fired");
    }

    @Test
    void shouldRefuseABadRuleWithItsPathAndColumn() throws Exception {
        final Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, """
            name: hosts
            alerts:
              - {name: Load, expr: "value(web-1/load) >> 4"}
            """);
        final Cli.Result result = Cli.execute("observe", config.toString(), "--port", "0");
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("alerts[0].expr: not a number: '>' at column 20");
    }

    private static List<String> journaledAlerts(final Path journal) throws Exception {
        final List<String> alerts = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.observed()).isTrue();
            assertThat(reader.seek(Math.max(0, reader.firstTick()))).isTrue();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final AlertEventDecoder d = new AlertEventDecoder();
            reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
                if (templateId != AlertEventDecoder.TEMPLATE_ID) {
                    return;
                }
                header.wrap(buffer, offset);
                d.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final AlertState from = d.fromState();
                final AlertState to = d.toState();
                final double value = d.value();
                final long since = d.activeSinceNs();
                alerts.add(d.tick() + " " + d.name() + " " + from + "->" + to + " " + value + " since " + since);
            });
        }
        return alerts;
    }
}
