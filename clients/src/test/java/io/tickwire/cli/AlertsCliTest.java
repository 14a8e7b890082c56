package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alert rules from the command line: a bad rule is refused with its path and column (exit 2), {@code events --kind
 * alert} lists a run's alert events, and {@code report} (text, JSON, HTML) its Alerts section. The run is a D/D/1
 * with a latency fault from 2 s to 4 s (worked out in the engine's AlertRulesTest): Busy fires from 3.05 s to 4.70 s.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against hangs only
class AlertsCliTest {
    private static final String DIAGRAM = """
        name: dd1-fault
        tick: 50ms
        seed: 3
        services:
          - name: api
            latency: { distribution: constant, mean: 1ms }
        load:
          - { target: api, rate: 500/s, arrivals: constant }
        faults:
          - { kind: latency, service: api, factor: 3, at: 2s, for: 2s }
        alerts:
          - { name: Busy, expr: "utilization(api) > 0.9", for: 1s }
          - { name: Never, expr: "p99(api) > 10s" }
        """;

    @TempDir
    static Path tmp;
    private static Path journal;

    @BeforeAll
    static void run() throws Exception {
        final Path diagram = tmp.resolve("dd1.yaml");
        Files.writeString(diagram, DIAGRAM);
        journal = tmp.resolve("dd1");
        final Cli.Result run = Cli.execute("run", diagram.toString(), "--speed", "max", "--duration", "6s",
            "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
    }

    @Test
    void shouldRefuseABadRuleWithItsPathAndColumn() throws Exception {
        final Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, DIAGRAM.replace("p99(api) > 10s", "p99(apl) > 10s"));
        final Cli.Result result = Cli.execute("validate", bad.toString());
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("alerts[1].expr: unknown service 'apl' at column 5");
    }

    @Test
    void shouldListTheAlertEvents() {
        final Cli.Result events = Cli.execute("events", journal.toString(), "--kind", "alert");
        assertThat(events.code()).as(events.err()).isZero();
        assertThat(events.out().lines().filter(l -> l.contains("alert Busy")).toList()).hasSize(3);
        assertThat(events.out()).contains("alert Busy inactive -> pending on api").contains("pending -> firing")
            .contains("firing -> resolved");
        final Cli.Result firing = Cli.execute("events", journal.toString(), "--kind", "firing");
        assertThat(firing.out().lines().filter(l -> l.contains(" alert ")).toList()).hasSize(1);
        assertThat(firing.err()).contains("1 event");
    }

    @Test
    void shouldReportTheFiringIntervals() throws Exception {
        final Cli.Result text = Cli.execute("report", journal.toString());
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("alerts  2 rules (firing intervals [from, to) in simulated seconds)\n"
            + "  Busy   utilization(api) > 0.9  fired 1 time, 1.650 s firing: [3.050, 4.700)\n"
            + "  Never  p99(api) > 10s  never fired\n");
        final Cli.Result json = Cli.execute("report", journal.toString(), "--json");
        final JsonNode alerts = new ObjectMapper().readTree(json.out()).get("alerts");
        assertThat(alerts).hasSize(2);
        assertThat(alerts.get(0).get("firingNs").asLong()).isEqualTo(1_650_000_000L);
        assertThat(alerts.get(0).get("intervals").get(0).get("fromNs").asLong()).isEqualTo(3_050_000_000L);
        final Path html = tmp.resolve("report.html");
        final Cli.Result page = Cli.execute("report", journal.toString(), "--html", html.toString());
        assertThat(page.code()).as(page.err()).isZero();
        assertThat(Files.readString(html, StandardCharsets.UTF_8)).contains("<h2>Alerts</h2>")
            .contains("<td class=\"firing\">[3.050, 4.700)</td>").contains("never fired");
    }
}
