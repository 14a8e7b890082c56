package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tickwire report --html} on a bursty run: one self-contained file whose plots headless Chromium draws (checked
 * in its DOM once report.js has drawn them, and kept as a screenshot in target/report.png), whose series are the
 * merged-histogram windows {@code export --window} gives, and whose tables are {@code report}'s.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // a guard against hangs only
class HtmlReportTest {
    private static final Pattern SVG = Pattern.compile("<svg [^>]*class=\"plot\"[^>]*>");
    private static final Pattern ATTRIBUTE = Pattern.compile("data-(plot|series|points)=\"([^\"]*)\"");
    private static final Pattern PATH = Pattern.compile("<path class=\"series\" d=\"([^\"]*)\"[^>]*data-series=\"([^\"]*)\"");

    @TempDir
    static Path tmp;
    private static Path journal;
    private static Path html;

    @BeforeAll
    static void runAndReport() throws Exception {
        final Path diagram = tmp.resolve("bursty.yaml");
        Files.writeString(diagram, WindowedExportTest.BURSTY);
        journal = tmp.resolve("bursty");
        final Cli.Result run = Cli.execute("run", diagram.toString(), "--speed", "max", "--duration", "40s",
            "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        html = tmp.resolve("report.html");
        final Cli.Result report = Cli.execute("report", journal.toString(), "--warmup", "5s", "--html",
            html.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(report.errLines()).containsExactly("wrote " + html);
        // The tables still go to stdout.
        assertThat(report.out()).startsWith("journal     " + journal);
    }

    @Test
    void shouldBeOneSelfContainedFile() throws Exception {
        final String page = Files.readString(html, StandardCharsets.UTF_8);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<title>bursty · Tickwire report</title>");
        assertThat(page).doesNotContain("<link").doesNotContain(" src=").doesNotContain("url(")
            .doesNotContain("{{");
        // The only URL is the SVG namespace name, which is never fetched.
        assertThat(page.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://").doesNotContain("https://");
        // report's tables, figure for figure.
        final Cli.Result json = Cli.execute("report", journal.toString(), "--warmup", "5s", "--json");
        final JsonNode api = new ObjectMapper().readTree(json.out()).get("services").get("api");
        assertThat(page).contains("<tr><td>api</td><td>" + api.get("arrivals").asLong() + "</td><td>"
            + api.get("completed").asLong() + "</td>");
        assertThat(page).contains(String.format(java.util.Locale.ROOT, "<td>%.3f</td>", api.get("p99_ms").asDouble()));
        assertThat(page).contains("<table id=\"summary-entries\">").contains("<tr><td>users</td><td>api</td>");
    }

    @Test
    void shouldExitTwoWhenTheFileCannotBeWritten() {
        final Path nowhere = tmp.resolve("no-such-dir").resolve("report.html");
        final Cli.Result r = Cli.execute("report", journal.toString(), "--html", nowhere.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("tickwire: cannot write " + nowhere);
    }

    @Test
    void shouldPlotTheMergedHistogramWindowsThatExportGives() throws Exception {
        final JsonNode data = embeddedData();
        // 800 ticks, at most 200 points: windows of 4 ticks (200 ms).
        assertThat(data.get("windowS").asDouble()).isEqualTo(0.2);
        final JsonNode api = data.get("services").get(0);
        assertThat(api.get("name").asText()).isEqualTo("api");
        assertThat(api.get("t")).hasSize(200);

        final Cli.Result export = Cli.execute("export", journal.toString(), "--window", "200ms", "--services", "api");
        assertThat(export.code()).as(export.err()).isZero();
        final String[] lines = export.out().split("\n");
        final List<String> header = Arrays.asList(lines[0].split(","));
        assertThat(lines).hasSize(201);
        for (int w = 0; w < 200; w++) {
            final String[] row = lines[1 + w].split(",");
            final boolean any = Long.parseLong(row[header.indexOf("completed")]) > 0;
            final JsonNode p99 = api.get("p99").get(w);
            if (any) {
                assertThat(new BigDecimal(p99.asText())).as("window %d", w)
                    .isEqualByComparingTo(new BigDecimal(row[header.indexOf("p99_ms")]));
            } else {
                assertThat(p99.isNull()).isTrue();
            }
            assertThat(api.get("t").get(w).asDouble()).isEqualTo(Double.parseDouble(row[header.indexOf("window_end_s")]));
        }
        // The distribution, HdrHistogram style: x = log10(1 / (1 - p)), rising, ending at the exact max.
        final JsonNode distribution = api.get("distribution");
        assertThat(distribution.size()).isGreaterThan(20);
        double lastX = -1;
        double lastMs = 0;
        for (final JsonNode point : distribution) {
            assertThat(point.get(0).asDouble()).isGreaterThanOrEqualTo(lastX);
            assertThat(point.get(1).asDouble()).isGreaterThanOrEqualTo(lastMs);
            lastX = point.get(0).asDouble();
            lastMs = point.get(1).asDouble();
        }
        assertThat(distribution.get(0).get(0).asDouble()).isZero();
        final Cli.Result json = Cli.execute("report", journal.toString(), "--warmup", "5s", "--json");
        assertThat(lastMs).isEqualTo(new ObjectMapper().readTree(json.out()).get("services").get("api").get("max_ms")
            .asDouble());
    }

    @Test
    void shouldRenderItsPlotsInHeadlessChromium() throws Exception {
        final Path png = Paths.get("target", "report.png");
        Files.deleteIfExists(png);
        final Processes.Outcome page = Browser.run("report-page.mjs", tmp, html.toUri().toString(), png);
        assertThat(page.code()).as(page.err()).isZero();
        final String dom = page.out();
        assertThat(dom).contains("data-rendered=\"true\"");

        final List<String[]> plots = new ArrayList<>(); // plot, series, points
        final Matcher svg = SVG.matcher(dom);
        while (svg.find()) {
            final String[] attributes = new String[3];
            final Matcher a = ATTRIBUTE.matcher(svg.group());
            while (a.find()) {
                attributes[List.of("plot", "series", "points").indexOf(a.group(1))] = a.group(2);
            }
            plots.add(attributes);
        }
        assertThat(plots.stream().map(p -> p[0]).toList()).containsExactly("throughput", "errors", "distribution",
            "utilization", "cost", "latency", "latency");
        for (final String[] p : plots) {
            assertThat(Integer.parseInt(p[1])).as(p[0]).isGreaterThanOrEqualTo(2);
            assertThat(Integer.parseInt(p[2])).as(p[0]).isGreaterThan(40);
        }
        // Throughput: two services, a point per window each.
        assertThat(plots.get(0)[2]).isEqualTo("400");
        final Matcher path = PATH.matcher(dom);
        int lines = 0;
        while (path.find()) {
            assertThat(path.group(1)).as(path.group(2)).startsWith("M").contains("L");
            lines++;
        }
        assertThat(lines).isEqualTo(2 + 2 + 2 + 2 + 2 + 3 + 3);
        assertThat(dom).contains("<td>api</td>").contains("<td>db</td>");

        final BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(1800);
        assertThat(Browser.colours(image)).as("distinct colours: a blank page has one").isGreaterThan(50);
    }

    private static JsonNode embeddedData() throws Exception {
        final String page = Files.readString(html, StandardCharsets.UTF_8);
        final String open = "<script type=\"application/json\" id=\"report-data\">";
        final int start = page.indexOf(open) + open.length();
        return new ObjectMapper().readTree(page.substring(start, page.indexOf("</script>", start)));
    }
}
