package io.tickwire.bench.harness;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A smoke run of {@code tickwire bench e2e} and {@code fanout} (a second or two each, tiny sizes, no thresholds) so
 * that the harness cannot rot: a real server and engine here, a real client JVM, and the Node.js peer (its {@code ws}
 * package installed by bench's build; no Node.js fails the test, naming the package). The files must be what the
 * tools read: the {@code .hgrm} in HdrHistogram's percentile-distribution format, the {@code .hlog} readable by
 * {@link HistogramLogReader} with every recorded value in it.
 */
class BenchHarnessSmokeTest {
    @TempDir
    Path out;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void e2eWritesHlogHgrmAndPlot() throws Exception {
        final Summary s = E2eHarness.run(new E2eHarness.Context().tickRate(100).services(3).clients(2)
            .warmupMs(1_000).durationMs(2_000).outDir(out).name("smoke-e2e"));
        assertThat(s.clients()).isEqualTo(2);
        assertThat(s.count()).isPositive();
        assertThat(s.p50()).isLessThanOrEqualTo(s.p99()).isLessThanOrEqualTo(s.max());
        assertFiles("smoke-e2e", s);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void fanoutAtSpeedMaxCountsFrames() throws Exception {
        final Summary s = E2eHarness.run(new E2eHarness.Context().tickRate(0).services(2).clients(5)
            .warmupMs(1_000).durationMs(1_000).outDir(out).name("smoke-fanout"));
        assertThat(s.clients()).isEqualTo(5);
        assertThat(s.framesPerSecond()).isPositive();
        assertThat(s.frameBytes()).isPositive();
        assertThat(s.hasLatency()).as("speed max has no schedule to measure from").isFalse();
        assertThat(Files.readString(out.resolve("smoke-fanout.html"))).contains("<svg");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void nodePeerRelaysTheSameFramesToTheSameClients() throws Exception {
        final Summary s = E2eHarness.run(new E2eHarness.Context().tickRate(100).services(3).clients(2)
            .warmupMs(1_000).durationMs(2_000).outDir(out).peer("node").name("smoke-node"));
        assertThat(s.count()).isPositive();
        assertFiles("smoke-node", s);
    }

    private void assertFiles(final String name, final Summary s) throws IOException {
        // .hgrm: header, then rows "value percentile totalCount 1/(1-p)", then the "#[Mean" footer.
        final List<String> hgrm = Files.readAllLines(out.resolve(name + ".hgrm"));
        assertThat(hgrm.get(0).trim().split("\\s+")).containsExactly("Value", "Percentile", "TotalCount",
            "1/(1-Percentile)");
        long lastCount = 0;
        int rows = 0;
        for (final String line : hgrm.subList(1, hgrm.size())) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String[] f = line.trim().split("\\s+");
            assertThat(f.length).as(line).isIn(3, 4);
            Double.parseDouble(f[0]);
            assertThat(Double.parseDouble(f[1])).isBetween(0.0, 1.0);
            lastCount = Long.parseLong(f[2]);
            rows++;
        }
        assertThat(rows).isPositive();
        assertThat(lastCount).isEqualTo(s.count());
        assertThat(hgrm).anyMatch(l -> l.startsWith("#[Mean"));
        assertThat(hgrm).anyMatch(l -> l.startsWith("#[Max"));

        final HistogramLogReader reader = new HistogramLogReader(out.resolve(name + ".hlog").toFile());
        final Histogram all = new Histogram(3);
        int intervals = 0;
        EncodableHistogram h;
        while ((h = reader.nextIntervalHistogram()) != null) {
            all.add((Histogram)h);
            intervals++;
        }
        assertThat(intervals).isGreaterThanOrEqualTo(1);
        assertThat(all.getTotalCount()).isEqualTo(s.count());
        assertThat(all.getMaxValue()).isEqualTo(s.max());

        assertThat(Files.readString(out.resolve(name + ".html"))).contains("<svg").contains("polyline")
            .as("self-contained").doesNotContain("<script", "href=", "src=");
    }
}
