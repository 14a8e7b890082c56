package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.journal.test.SimulatedJournals;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report of an operated run: {@code report} counts its events, {@code report --html} draws each concerned
 * service's replicas over time with the events as markers (in headless Chromium) and lists the events.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // a guard against hangs only
class OperationsReportTest {
    private static final Pattern REPLICAS = Pattern.compile("<svg [^>]*data-plot=\"replicas\"[^>]*>");
    private static final Pattern MARKERS = Pattern.compile("data-markers=\"(\\d+)\"");

    @TempDir
    static Path tmp;
    private static Path journal;
    private static Path html;

    @BeforeAll
    static void runAndReport() throws Exception {
        final Path diagram = tmp.resolve("operated.yaml");
        Files.writeString(diagram, SimulatedJournals.OPERATED);
        journal = tmp.resolve("operated");
        final Cli.Result run = Cli.execute("run", diagram.toString(), "--speed", "max", "--duration", "12s",
            "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        html = tmp.resolve("report.html");
        final Cli.Result report = Cli.execute("report", journal.toString(), "--html", html.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(report.out()).contains("events  ");
    }

    @Test
    void shouldCountAndListTheEvents() throws Exception {
        final JsonNode events = new ObjectMapper().readTree(Cli.execute("report", journal.toString(), "--json")
            .out()).get("events");
        assertThat(events.get("fault").get("started").asLong()).isEqualTo(4);
        assertThat(events.get("fault").get("ended").asLong()).isEqualTo(4);
        assertThat(events.get("scale").get("hpa").asLong()).isPositive();
        assertThat(events.get("byService").get("batch").asLong()).isEqualTo(2);
        // The embedded data: every event, and api's desired replicas from its decisions.
        final String page = Files.readString(html, StandardCharsets.UTF_8);
        final String open = "<script type=\"application/json\" id=\"report-data\">";
        final int start = page.indexOf(open) + open.length();
        final JsonNode data = new ObjectMapper().readTree(page.substring(start, page.indexOf("</script>", start)));
        assertThat(data.get("eventCount").asLong()).isEqualTo(events.get("total").asLong());
        assertThat(data.get("events")).hasSize((int)events.get("total").asLong());
        final JsonNode desired = data.get("services").get(0).get("desired");
        assertThat(desired.get(0).get(1).asInt()).isEqualTo(2); // the diagram's
        assertThat(desired.get(1).get(0).asDouble()).isEqualTo(5.0); // api's first sync, at 5 s
        assertThat(desired.get(1).get(1).asInt()).isGreaterThan(2);
    }

    @Test
    void shouldDrawTheReplicasOfEachConcernedServiceWithItsEvents() throws Exception {
        final Path png = Paths.get("target", "operations-report.png");
        Files.deleteIfExists(png);
        final Processes.Outcome page = Browser.run("report-page.mjs", tmp, html.toUri().toString(), png);
        assertThat(page.code()).as(page.err()).isZero();
        final String dom = page.out();
        int plots = 0;
        int markers = 0;
        final Matcher svg = REPLICAS.matcher(dom);
        while (svg.find()) {
            plots++;
            final Matcher m = MARKERS.matcher(svg.group());
            assertThat(m.find()).isTrue();
            markers += Integer.parseInt(m.group(1));
        }
        // api (scaled, partitioned, its load doubled), worker (slowed, partitioned), batch (errors): three services.
        assertThat(plots).isEqualTo(3);
        assertThat(markers).isGreaterThanOrEqualTo(3 * 2 + 2);
        assertThat(dom).contains("<table class=\"events\">").contains("fault #1 started: errors 0.5 on batch");
    }
}
