package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code tickwire report} on an M/M/1 run (lambda = 800/s, mu = 1000/s) of 1000 simulated seconds, against queueing
 * theory: W = 1/(mu - lambda) = 5 ms, latency exponential with rate 200/s so p50 = ln 2 / 200 = 3.466 ms and
 * p99 = ln 100 / 200 = 23.03 ms, utilisation 0.8, and Little's law L = lambda W.
 */
@Timeout(120)
class ReportCommandTest {
    private static final long TICKS = 20_000; // 1000 s of 50 ms ticks

    @TempDir
    static Path tmp;
    private static Path journal;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @BeforeAll
    static void runMm1() {
        journal = tmp.resolve("mm1");
        final Cli.Result run = Cli.execute("run", TickwireCliTest.EXAMPLES + "mm1.yaml", "--speed", "max",
            "--duration", "1000s", "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
    }

    @Test
    void shouldMatchMm1TheoryInJson() throws Exception {
        final JsonNode report = json("--json");
        assertThat(report.get("journal").asText()).isEqualTo(journal.toString());
        final JsonNode simulation = report.get("simulation");
        assertThat(simulation.get("name").asText()).isEqualTo("mm1");
        assertThat(simulation.get("seed").asLong()).isEqualTo(1);
        assertThat(simulation.get("ticks").asLong()).isEqualTo(TICKS);
        assertThat(simulation.get("simulatedSeconds").asDouble()).isEqualTo(1000.0);
        assertThat(simulation.get("warmupSeconds").asDouble()).isEqualTo(0.0);

        final JsonNode server = report.get("services").get("server");
        assertThat(fieldNames(server)).containsExactly("arrivals", "completed", "errors", "rejected", "timeouts",
            "retries", "rate_limited", "bulkhead_refused", "breaker_refused",
            "storage_bytes", "mean_ms", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "utilization", "mean_queue",
            "mean_in_system", "throughput_per_s", "little_l", "little_lambda_w", "little_ratio", "cost");
        assertThat(server.get("completed").asLong()).isBetween(780_000L, 820_000L);
        assertThat(server.get("errors").asLong()).isZero();
        assertThat(server.get("rejected").asLong()).isZero();
        assertThat(server.get("timeouts").asLong()).isZero();
        assertThat(server.get("retries").asLong()).isZero();
        assertThat(server.get("storage_bytes").asLong()).isZero();
        assertThat(server.get("mean_ms").asDouble()).isCloseTo(5.0, within(5.0 * 0.03));
        assertThat(server.get("p50_ms").asDouble()).isCloseTo(3.466, within(3.466 * 0.05));
        assertThat(server.get("p99_ms").asDouble()).isCloseTo(23.03, within(23.03 * 0.05));
        assertThat(server.get("utilization").asDouble()).isCloseTo(0.8, within(0.02));
        assertThat(server.get("little_ratio").asDouble()).isCloseTo(1.0, within(0.01));
        assertThat(server.get("throughput_per_s").asDouble()).isCloseTo(800.0, within(800 * 0.02));
        assertThat(server.get("little_l").asDouble()).isEqualTo(server.get("mean_in_system").asDouble());

        // End to end from the one entry point: an M/M/1 system is its server.
        final JsonNode clients = report.get("entries").get("clients");
        assertThat(clients.get("target").asText()).isEqualTo("server");
        assertThat(clients.get("completed").asLong()).isEqualTo(server.get("completed").asLong());
        assertThat(clients.get("p99_ms").asDouble()).isEqualTo(server.get("p99_ms").asDouble());
    }

    @Test
    void shouldComputeOverTheWindowAfterTheWarmUp() throws Exception {
        final JsonNode whole = json("--json");
        final JsonNode warm = json("--json", "--warmup", "400s");
        assertThat(warm.get("simulation").get("warmupSeconds").asDouble()).isEqualTo(400.0);
        assertThat(warm.get("simulation").get("ticks").asLong()).isEqualTo(TICKS);

        // Exactly the ticks from 8000 on (400 s of 50 ms ticks), summed from the CSV export.
        final List<String[]> rows = csvRows();
        final List<String> header = Arrays.asList(rows.get(0));
        final int tick = header.indexOf("tick");
        final int completed = header.indexOf("completed");
        long after = 0;
        for (final String[] row : rows.subList(1, rows.size())) {
            if (Long.parseLong(row[tick]) >= 8_000) {
                after += Long.parseLong(row[completed]);
            }
        }
        final JsonNode server = warm.get("services").get("server");
        assertThat(server.get("completed").asLong()).isEqualTo(after)
            .isLessThan(whole.get("services").get("server").get("completed").asLong());
        // The window is 600 s: throughput is completions over it.
        assertThat(server.get("throughput_per_s").asDouble()).isCloseTo(after / 600.0, within(1e-9));
        assertThat(server.get("little_ratio").asDouble()).isCloseTo(1.0, within(0.01));
    }

    @Test
    void shouldMergeHistogramsNotAveragePercentiles() throws Exception {
        final double merged = json("--json").get("services").get("server").get("p99_ms").asDouble();
        // What a report averaging the ticks' p99s would say, from the same journal's CSV export.
        final List<String[]> rows = csvRows();
        final List<String> header = Arrays.asList(rows.get(0));
        final int completed = header.indexOf("completed");
        final int p99 = header.indexOf("p99_ms");
        double sum = 0;
        long ticks = 0;
        for (final String[] row : rows.subList(1, rows.size())) {
            if (Long.parseLong(row[completed]) > 0) {
                sum += Double.parseDouble(row[p99]);
                ticks++;
            }
        }
        final double averaged = sum / ticks;
        // A 50 ms tick holds ~40 requests: its "p99" is nearly its max, far from the run's 99th percentile.
        assertThat(merged).isCloseTo(23.03, within(23.03 * 0.05));
        assertThat(Math.abs(averaged - 23.03)).isGreaterThan(23.03 * 0.25);
    }

    @Test
    void shouldPrintAlignedTables() {
        final Cli.Result r = Cli.execute("report", journal.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        final String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("journal     " + journal);
        assertThat(lines[1]).isEqualTo("simulation  mm1, seed 1, 20000 ticks, 1000.000 s simulated");
        assertThat(lines[2]).isEqualTo("window      0.000 s to 1000.000 s (warm-up 0.000 s): 1000.000 s");
        final int requests = indexOfLineStartingWith(lines, "service  arrivals");
        assertThat(lines[requests + 1]).startsWith("server ");
        // Every column's figure ends where its heading does; milliseconds with 3 decimals.
        assertRightAligned(lines[requests], lines[requests + 1]);
        assertThat(lines[requests + 1]).matches("server( +\\d+){6}( +\\d+\\.\\d{3}){6}");
        final int occupancy = indexOfLineStartingWith(lines, "service  utilization");
        assertRightAligned(lines[occupancy], lines[occupancy + 1]);
        final int entries = indexOfLineStartingWith(lines, "entry point");
        assertThat(lines[entries + 1]).startsWith("clients      server ");
    }

    @Test
    void shouldExitTwoOnBadInput() throws Exception {
        final Cli.Result missing = Cli.execute("report", tmp.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.errLines()).containsExactly("tickwire: no such journal: " + tmp.resolve("nope"));

        final Path notJournal = Files.createDirectories(tmp.resolve("empty-dir"));
        final Cli.Result empty = Cli.execute("report", notJournal.toString());
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.errLines()).hasSize(1);
        assertThat(empty.err()).startsWith("tickwire: not a journal: ");

        final Cli.Result beyond = Cli.execute("report", journal.toString(), "--warmup", "1000s");
        assertThat(beyond.code()).isEqualTo(2);
        assertThat(beyond.errLines()).hasSize(1);
        assertThat(beyond.err()).startsWith("tickwire: --warmup 1000s is not before the end of the run");

        final Cli.Result lastTick = Cli.execute("report", journal.toString(), "--warmup", "999.99s");
        assertThat(lastTick.code()).isEqualTo(2);
        assertThat(lastTick.errLines())
            .containsExactly("tickwire: --warmup 999.99s leaves no whole tick: the last starts at 999.950 s");

        final Cli.Result bad = Cli.execute("report", journal.toString(), "--warmup", "soon");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.errLines()).hasSize(1);
        assertThat(bad.err()).startsWith("tickwire: --warmup: ");
        assertThat(bad.out()).isEmpty();
    }

    private static JsonNode json(final String... options) throws Exception {
        final String[] args = new String[options.length + 2];
        args[0] = "report";
        args[1] = journal.toString();
        System.arraycopy(options, 0, args, 2, options.length);
        final Cli.Result r = Cli.execute(args);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).doesNotContain("\n"); // one object, one line
        return MAPPER.readTree(r.out());
    }

    private static List<String[]> csvRows() throws Exception {
        final Path csv = tmp.resolve("mm1.csv");
        if (!Files.exists(csv)) {
            final Cli.Result r = Cli.execute("export", journal.toString(), "--out", csv.toString());
            assertThat(r.code()).as(r.err()).isZero();
        }
        return Files.readAllLines(csv).stream().map(line -> line.split(",")).toList();
    }

    private static List<String> fieldNames(final JsonNode node) {
        final List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static int indexOfLineStartingWith(final String[] lines, final String prefix) {
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' in " + String.join("\n", lines));
    }

    /** Each heading after the first (names, aligned left) ends at the column where the row's figure ends. */
    private static void assertRightAligned(final String heading, final String row) {
        assertThat(row).hasSameSizeAs(heading);
        final int firstEnd = heading.indexOf("  ");
        for (int end = firstEnd + 1; end <= heading.length(); end++) {
            final boolean headingEnds = heading.charAt(end - 1) != ' '
                && (end == heading.length() || heading.startsWith("  ", end));
            if (headingEnds) {
                assertThat(row.charAt(end - 1)).as("column ending at %d of%n%s%n%s", end, heading, row)
                    .isNotEqualTo(' ');
                if (end < row.length()) {
                    assertThat(row.charAt(end)).isEqualTo(' ');
                }
            }
        }
    }
}
