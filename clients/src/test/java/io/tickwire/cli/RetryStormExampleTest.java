package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tickwire.cli.ExampleRuns.assertNothingLost;
import static io.tickwire.cli.ExampleRuns.withoutWallClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * Issue 16's example, by the commands a user types: examples/retry-storm.yaml (a circuit breaker on api -> recs) and
 * examples/retry-storm-no-breaker.yaml (the same without it), each run for 60 s with 1, 2 and 4 workers, export
 * byte-identical CSV but for the wall-clock column and identical events, and {@code verify} proves every journal. The
 * figures their header works out from theory hold on simulated time: healthy until the recs stall at 20 s, then the
 * caller collapses without the breaker and keeps serving with it, and each recovers as worked out.
 * <p>
 * Tolerances: ±5% for figures over thousands of requests, ±10% (or 0.05 of a fraction) for those over the ~700 pages
 * the collapsed caller completes in the storm, and for the header's rounded queueing estimates.
 */
@Timeout(600)
class RetryStormExampleTest {
    private static final String DURATION = "60s";
    /** The diagram's tick, 50 ms: 20 ticks a second. */
    private static final int TICKS_PER_SECOND = 20;

    // The header's theory. Healthy: the time an api server is held, own work + catalog + half the pages at recs.
    private static final double RECS_LATENCY_MS = 10.87;  // M/M/4 at rho 0.5: 10ms + Erlang C 0.174 / (400 - 200)/s
    private static final double CATALOG_LATENCY_MS = 7.0; // 4ms + 2 x 1ms + catalog.db's 1ms
    private static final double API_OWN_AND_CATALOG_MS = 2 + 2 + CATALOG_LATENCY_MS;
    private static final double API_HELD_MS = API_OWN_AND_CATALOG_MS + 0.5 * (2 + RECS_LATENCY_MS);
    private static final double API_SERVERS = 16;
    private static final double LAMBDA = 400;
    // The storm without the breaker: a recs page holds its server for 4 timed-out attempts of 100ms.
    private static final double STORM_HELD_MS = API_OWN_AND_CATALOG_MS + 0.5 * 4 * 100;
    private static final double STORM_THROUGHPUT = API_SERVERS / STORM_HELD_MS * 1000;       // 75.8/s
    private static final double RECS_STALLED_RATE = 4 / 0.210;                               // 19/s
    private static final double RECS_BACKLOG_AT_30S = (2 * STORM_THROUGHPUT - RECS_STALLED_RATE) * 10;
    private static final double RECS_DRAINED_AT_S = 30 + RECS_BACKLOG_AT_30S / (400 - 2 * STORM_THROUGHPUT);
    private static final double API_QUEUE_PEAK = (LAMBDA - STORM_THROUGHPUT) * (RECS_DRAINED_AT_S - 20);
    private static final double API_EMPTY_AT_S = RECS_DRAINED_AT_S + API_QUEUE_PEAK / (800 - LAMBDA);
    // The storm with the breaker: OPEN 1s, the next recs call (~5ms) and its 3 followers (~15ms) half-open for 100ms.
    private static final double CYCLE_S = 1 + 0.005 + 0.015 + 0.1;
    private static final double TRIAL_SERVERS = 4 * 0.1 / CYCLE_S;
    // A breaker event's states, as breakerEvents reads them.
    private static final double CLOSED = 0;
    private static final double OPEN = 1;
    private static final double HALF_OPEN = 2;
    // An alert event's states, as alertEvents reads them.
    private static final double INACTIVE = 0;
    private static final double PENDING = 1;
    private static final double FIRING = 2;

    @TempDir
    Path tmp;

    @Test
    void shouldKeepTheCallerServingThroughTheStormWithTheBreaker() throws IOException {
        final ExampleRuns.Exported run = runWithOneTwoAndFourWorkers("retry-storm");
        final Ticks ticks = new Ticks(run.csv());
        assertHealthy(ticks, 5, 20);

        // OPEN when 10 timeouts fill half the window of 20: ~20.15s; then every 1.12s; 9 times in the storm.
        final List<double[]> breaker = breakerEvents(run.events());
        final double firstOpen = breaker.get(0)[0];
        assertThat(breaker.get(0)).containsExactly(firstOpen, CLOSED, OPEN);
        assertThat(firstOpen).isCloseTo(20.15, within(0.05));
        final List<Double> opens = new ArrayList<>();
        for (int i = 0; i + 1 < breaker.size(); i++) {
            final double[] e = breaker.get(i);
            final double[] next = breaker.get(i + 1);
            if (e[2] == OPEN) {
                opens.add(e[0]);
                // Half-open strictly after the 1s wait, at the next recs call: a few ms later.
                assertThat(next[1]).isEqualTo(OPEN);
                assertThat(next[2]).isEqualTo(HALF_OPEN);
                assertThat(next[0] - e[0]).isGreaterThan(1.0).isLessThan(1.03);
            } else if (next[2] == OPEN) {
                // The 4 trials (the next 4 recs calls, ~15ms) time out 100ms after they are sent.
                assertThat(next[0] - e[0]).isBetween(0.1, 0.15);
            }
        }
        assertThat(opens).hasSize(9).allSatisfy(t -> assertThat(t).isBetween(20.0, 30.0));
        assertThat((opens.get(8) - opens.get(0)) / 8).isCloseTo(CYCLE_S, within(0.02));
        // Recovered: the first half-open after 30s finds recs fast, and closes it.
        final double[] last = breaker.get(breaker.size() - 1);
        assertThat(last[1]).isEqualTo(HALF_OPEN);
        assertThat(last[2]).isEqualTo(CLOSED);
        assertThat(last[0]).isBetween(30.0, 30.0 + CYCLE_S + 0.05);

        // The storm, after its first second: api held 11ms a page (+ the trials), half the pages fail fast.
        assertThat(ticks.mean("api", "utilization", 21, 30))
            .isCloseTo((LAMBDA * API_OWN_AND_CATALOG_MS / 1000 + TRIAL_SERVERS) / API_SERVERS, withPercentage(5));
        assertThat(ticks.meanLatencyMs("api", 21, 30))
            .isCloseTo(API_OWN_AND_CATALOG_MS + TRIAL_SERVERS / LAMBDA * 1000, withPercentage(5));
        assertThat(ticks.max("api", "queue_depth", 21, 30)).isLessThanOrEqualTo(2);
        assertThat(ticks.errorRate("api", 21, 30)).isCloseTo(0.5, within(0.03));
        assertThat(ticks.rate("api", "breaker_refused", 21, 30)).isCloseTo(4 * 200 - 4 / CYCLE_S, withPercentage(5));
        assertThat(ticks.rate("api", "retries", 21, 30)).isCloseTo(3 * 200, withPercentage(5));
        assertThat(ticks.sum("api", "timeouts", 21, 30)).isZero(); // a trial's retry is refused: ERROR, not TIMEOUT
        assertThat(ticks.rate("recs", "arrivals", 21, 30)).isCloseTo(4 / CYCLE_S, withPercentage(15));
        assertThat(ticks.rate("catalog", "arrivals", 21, 30)).isCloseTo(LAMBDA, withPercentage(3));

        // After: healthy again, nothing refused, nothing queued.
        assertHealthy(ticks, 32, 60);
        assertThat(ticks.sum("api", "breaker_refused", 32, 60)).isZero();
        assertNothingLost(run.csv());

        // The alert (error_rate(api[1s]) > 5% for 2s): the breaker fails ~10 pages a 50ms tick from ~20.13s, so the
        // last second's ~400 pages hold more than 20 errors from the third storm tick on (pending ~20.25s), firing
        // 2s later; after the last refused page (~30.1s) the window keeps storm ticks until ~31.05s.
        final List<double[]> alert = alertEvents(run.events());
        assertThat(alert).hasSize(3);
        assertThat(alert.get(0)).containsExactly(alert.get(0)[0], INACTIVE, PENDING);
        assertThat(alert.get(0)[0]).isBetween(20.15, 20.35);
        assertThat(alert.get(1)).containsExactly(alert.get(1)[0], PENDING, FIRING);
        assertThat(alert.get(1)[0] - alert.get(0)[0]).isCloseTo(2.0, within(1e-9));
        assertThat(alert.get(2)).containsExactly(alert.get(2)[0], FIRING, INACTIVE);
        assertThat(alert.get(2)[0]).isBetween(30.95, 31.2);
    }

    @Test
    void shouldCollapseTheCallerAndOutlastTheFaultWithoutTheBreaker() throws IOException {
        final ExampleRuns.Exported run = runWithOneTwoAndFourWorkers("retry-storm-no-breaker");
        final Ticks ticks = new Ticks(run.csv());
        assertHealthy(ticks, 5, 20);
        assertThat(breakerEvents(run.events())).isEmpty();
        assertThat(ticks.sum("api", "breaker_refused", 0, 60)).isZero();

        // The storm: every api server held (211ms a page), 75.8 pages/s done, half of them timed out.
        assertThat(ticks.min("api", "utilization", 21, 30)).isGreaterThan(0.99);
        assertThat(ticks.rate("api", "completed", 21, 30)).isCloseTo(STORM_THROUGHPUT, withPercentage(10));
        assertThat(ticks.errorRate("api", 21, 30)).isCloseTo(0.5, within(0.05));
        assertThat(ticks.sum("api", "timeouts", 21, 30)).isEqualTo(ticks.sum("api", "errors", 21, 30));
        assertThat(ticks.rate("api", "retries", 21, 30))
            .isCloseTo(3 * ticks.rate("api", "timeouts", 21, 30), withPercentage(5));
        assertThat((ticks.at("api", "queue_depth", 30) - ticks.at("api", "queue_depth", 21)) / 9.0)
            .isCloseTo(LAMBDA - STORM_THROUGHPUT, withPercentage(10));
        // Pages done in the storm's last second arrived ~0.81 x 9.5s before, plus their 211ms.
        assertThat(ticks.meanLatencyMs("api", 29, 30))
            .isCloseTo((1 - STORM_THROUGHPUT / LAMBDA) * 9.5 * 1000 + STORM_HELD_MS, withPercentage(10));
        assertThat(ticks.rate("catalog", "arrivals", 21, 30)).isCloseTo(STORM_THROUGHPUT, withPercentage(10));
        assertThat(ticks.rate("recs", "arrivals", 21, 30)).isCloseTo(2 * STORM_THROUGHPUT, withPercentage(10));
        assertThat(ticks.min("recs", "utilization", 21, 30)).isGreaterThan(0.99);
        assertThat((double)ticks.at("recs", "queue_depth", 30)).isCloseTo(RECS_BACKLOG_AT_30S, withPercentage(10));

        // After the fault: recs' backlog keeps the timeouts going to ~35.3s; api's queue peaks then, empty at ~48s.
        final double lastTimeout = ticks.lastTimeS("api", "timeouts", 30, 60);
        assertThat(lastTimeout).isCloseTo(RECS_DRAINED_AT_S, within(1.0));
        final double peakAt = ticks.argMaxTimeS("api", "queue_depth", 20, 60);
        assertThat(peakAt).isCloseTo(RECS_DRAINED_AT_S, within(1.0));
        assertThat((double)ticks.max("api", "queue_depth", 20, 60)).isCloseTo(API_QUEUE_PEAK, withPercentage(10));
        assertThat(ticks.firstTimeS("api", "queue_depth", 0, peakAt, 60)).isCloseTo(API_EMPTY_AT_S, within(1.5));
        assertHealthy(ticks, 50, 60);
        assertNothingLost(run.csv());

        // The alert: pages fail only after 4 timeouts (400ms), so from ~20.4s; then half of the ~76 pages/s api
        // completes fail, far above 5%, until the timeouts stop (~35.4s) and the drained backlog's fast pages
        // dilute the last second's errors below 5% within a second.
        final List<double[]> alert = alertEvents(run.events());
        assertThat(alert).hasSize(3);
        assertThat(alert.get(0)).containsExactly(alert.get(0)[0], INACTIVE, PENDING);
        assertThat(alert.get(0)[0]).isBetween(20.4, 20.6);
        assertThat(alert.get(1)).containsExactly(alert.get(1)[0], PENDING, FIRING);
        assertThat(alert.get(1)[0] - alert.get(0)[0]).isCloseTo(2.0, within(1e-9));
        assertThat(alert.get(2)).containsExactly(alert.get(2)[0], FIRING, INACTIVE);
        assertThat(alert.get(2)[0]).isBetween(35.3, 36.6);
    }

    @Test
    void shouldDifferFromTheNoBreakerVariantByTheBreakerAlone() throws IOException {
        final List<String> with = diagramLines("retry-storm");
        final List<String> without = diagramLines("retry-storm-no-breaker");
        final List<String> expected = new ArrayList<>();
        int breakerIndent = -1;
        for (final String line : with) {
            final int indent = line.length() - line.stripLeading().length();
            if (breakerIndent >= 0 && indent > breakerIndent) {
                continue; // the breaker's continuation lines
            }
            breakerIndent = line.stripLeading().startsWith("breaker:") ? indent : -1;
            if (breakerIndent < 0) {
                expected.add(line.equals("name: retry-storm") ? "name: retry-storm-no-breaker" : line);
            }
        }
        assertThat(expected).hasSize(with.size() - 2);
        assertThat(without).isEqualTo(expected);

        // A closed breaker changes nothing: the two runs are identical, tick for tick, until it opens at ~20.15s.
        final String[] a = runExport("retry-storm").split("\n");
        final String[] b = runExport("retry-storm-no-breaker").split("\n");
        final int before = 1 + 402 * 4; // the header, then 4 services a tick up to tick 402 (20.1s)
        assertThat(withoutWallClock(String.join("\n", Arrays.copyOf(b, before))))
            .isEqualTo(withoutWallClock(String.join("\n", Arrays.copyOf(a, before))));
        assertThat(withoutWallClock(String.join("\n", b))).isNotEqualTo(withoutWallClock(String.join("\n", a)));
    }

    /** Healthy figures over [from, to): the header's first table. */
    private static void assertHealthy(final Ticks ticks, final double from, final double to) {
        assertThat(ticks.rate("api", "arrivals", from, to)).isCloseTo(LAMBDA, withPercentage(3));
        assertThat(ticks.mean("api", "utilization", from, to))
            .isCloseTo(LAMBDA * API_HELD_MS / 1000 / API_SERVERS, withPercentage(5));
        assertThat(ticks.meanLatencyMs("api", from, to)).isCloseTo(API_HELD_MS, withPercentage(5));
        assertThat(ticks.sum("api", "errors", from, to)).isLessThanOrEqualTo(ticks.sum("api", "completed", from, to)
            / 1000);
        assertThat(ticks.max("api", "queue_depth", from, to)).isLessThanOrEqualTo(5);
        assertThat(ticks.rate("recs", "arrivals", from, to)).isCloseTo(LAMBDA / 2, withPercentage(5));
        assertThat(ticks.mean("recs", "utilization", from, to)).isCloseTo(0.5, withPercentage(7));
        assertThat(ticks.mean("catalog", "utilization", from, to)).isCloseTo(0.35, withPercentage(5));
        assertThat(ticks.mean("catalog.db", "utilization", from, to)).isCloseTo(0.10, withPercentage(5));
    }

    /** The example run with 1, 2 and 4 workers, each verified, all identical; the 1-worker run's exports. */
    private ExampleRuns.Exported runWithOneTwoAndFourWorkers(final String example) {
        final ExampleRuns.Exported one = ExampleRuns.runExportAndVerify(tmp.resolve(example + "-1"), example, "1",
            DURATION);
        assertThat(one.csv().split("\n")).hasSize(1 + 60 * TICKS_PER_SECOND * 4);
        for (final String workers : new String[] {"2", "4"}) {
            final ExampleRuns.Exported other = ExampleRuns.runExportAndVerify(tmp.resolve(example + "-" + workers),
                example, workers, DURATION);
            assertThat(withoutWallClock(other.csv())).isEqualTo(withoutWallClock(one.csv()));
            assertThat(other.events()).isEqualTo(one.events());
        }
        return one;
    }

    private String runExport(final String example) {
        return ExampleRuns.runExportAndVerify(tmp.resolve(example + "-only"), example, "1", DURATION).csv();
    }

    /** The example's lines from its {@code name:} on: the diagram without its header comment. */
    private static List<String> diagramLines(final String example) throws IOException {
        final List<String> lines = Files.readAllLines(Path.of("../examples/" + example + ".yaml"));
        int first = 0;
        while (!lines.get(first).startsWith("name:")) {
            first++;
        }
        return lines.subList(first, lines.size());
    }

    /** The run's alert events (its one rule, on api), in order: {simulated seconds, from, to}. */
    private static List<double[]> alertEvents(final String jsonLines) throws IOException {
        final ObjectMapper json = new ObjectMapper();
        final List<String> states = List.of("inactive", "pending", "firing");
        final List<double[]> events = new ArrayList<>();
        for (final String line : jsonLines.split("\n")) {
            final JsonNode e = json.readTree(line);
            if (e.path("type").asText().equals("alert")) {
                assertThat(e.path("name").asText()).isEqualTo("ApiPagesFailing");
                assertThat(e.path("service").asText()).isEqualTo("api");
                events.add(new double[] {e.path("simTimeNs").asLong() / 1e9,
                    states.indexOf(e.path("from").asText()), states.indexOf(e.path("to").asText())});
            }
        }
        return events;
    }

    /** The run's breaker events, in order: {simulated seconds, from, to}. */
    private static List<double[]> breakerEvents(final String jsonLines) throws IOException {
        final ObjectMapper json = new ObjectMapper();
        final List<String> states = List.of("closed", "open", "half_open");
        final List<double[]> events = new ArrayList<>();
        for (final String line : jsonLines.split("\n")) {
            final JsonNode e = json.readTree(line);
            if (e.path("type").asText().equals("breaker")) {
                assertThat(e.path("service").asText()).isEqualTo("api");
                assertThat(e.path("callee").asText()).isEqualTo("recs");
                events.add(new double[] {e.path("simTimeNs").asLong() / 1e9,
                    states.indexOf(e.path("from").asText()), states.indexOf(e.path("to").asText())});
            }
        }
        return events;
    }

    /** The export's rows per service, in tick order, with windows in simulated seconds ([from, to)). */
    private static final class Ticks {
        private final Map<String, Integer> column = new HashMap<>();
        private final Map<String, List<String[]>> rows = new HashMap<>();

        Ticks(final String csv) {
            final String[] lines = csv.split("\n");
            final String[] header = lines[0].split(",");
            for (int i = 0; i < header.length; i++) {
                column.put(header[i], i);
            }
            final int service = column.get("service");
            for (int i = 1; i < lines.length; i++) {
                final String[] row = lines[i].split(",");
                rows.computeIfAbsent(row[service], k -> new ArrayList<>()).add(row);
            }
        }

        double value(final String service, final String name, final int tick) {
            return Double.parseDouble(rows.get(service).get(tick)[column.get(name)]);
        }

        long sum(final String service, final String name, final double from, final double to) {
            long sum = 0;
            for (int t = tick(from); t < tick(to); t++) {
                sum += (long)value(service, name, t);
            }
            return sum;
        }

        /** Per second of simulated time. */
        double rate(final String service, final String name, final double from, final double to) {
            return sum(service, name, from, to) / (to - from);
        }

        /** The mean of the per-tick figure (utilisation: the busy-time integral over the window). */
        double mean(final String service, final String name, final double from, final double to) {
            double sum = 0;
            for (int t = tick(from); t < tick(to); t++) {
                sum += value(service, name, t);
            }
            return sum / (tick(to) - tick(from));
        }

        double min(final String service, final String name, final double from, final double to) {
            double min = Double.MAX_VALUE;
            for (int t = tick(from); t < tick(to); t++) {
                min = Math.min(min, value(service, name, t));
            }
            return min;
        }

        long max(final String service, final String name, final double from, final double to) {
            return at(service, name, argMaxTimeS(service, name, from, to));
        }

        /** The end of the (first) tick where the figure is largest. */
        double argMaxTimeS(final String service, final String name, final double from, final double to) {
            int best = tick(from);
            for (int t = tick(from); t < tick(to); t++) {
                if (value(service, name, t) > value(service, name, best)) {
                    best = t;
                }
            }
            return (best + 1) / (double)TICKS_PER_SECOND;
        }

        /** The end of the last tick in [from, to) with a non-zero figure. */
        double lastTimeS(final String service, final String name, final double from, final double to) {
            for (int t = tick(to) - 1; t >= tick(from); t--) {
                if (value(service, name, t) != 0) {
                    return (t + 1) / (double)TICKS_PER_SECOND;
                }
            }
            return from;
        }

        /** The end of the first tick in [from, to) whose figure is {@code value}. */
        double firstTimeS(final String service, final String name, final double value, final double from,
                          final double to) {
            for (int t = tick(from); t < tick(to); t++) {
                if (value(service, name, t) == value) {
                    return (t + 1) / (double)TICKS_PER_SECOND;
                }
            }
            return to;
        }

        /** The figure at the end of the tick ending at {@code time}. */
        long at(final String service, final String name, final double time) {
            return (long)value(service, name, tick(time) - 1);
        }

        double errorRate(final String service, final double from, final double to) {
            return sum(service, "errors", from, to) / (double)sum(service, "completed", from, to);
        }

        /** The mean latency of the requests completed in the window (each tick's mean, weighted by its count). */
        double meanLatencyMs(final String service, final double from, final double to) {
            double total = 0;
            long completed = 0;
            for (int t = tick(from); t < tick(to); t++) {
                final long n = (long)value(service, "completed", t);
                total += value(service, "mean_ms", t) * n;
                completed += n;
            }
            return total / completed;
        }

        private static int tick(final double seconds) {
            return (int)Math.round(seconds * TICKS_PER_SECOND);
        }
    }
}
