package io.tickwire.journal.format;

import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The fold pinned against what it folds: the same ticks folded into windows (and into a whole-run report) give the
 * figures of their per-tick rows summed, here computed independently, tick by tick, from the per-tick CSV and from
 * the ticks' own fields: counts and cost summed, gauges at the last tick, utilisation the time-weighted mean of the
 * ticks' utilisations, mean queue the mean of theirs, λW the latency summed over the span. A fold of one tick is
 * that tick's CSV row.
 */
@Timeout(120)
class TickFoldTest {
    private static final long TICKS = 730;            // 10 ms ticks
    private static final long TICK_NS = 10_000_000L;
    private static final long WINDOW_TICKS = 50;      // 14 whole windows, then a partial one of 30 ticks
    private static final List<String> COLUMNS = Arrays.asList(CsvExporter.HEADER.split(","));

    @TempDir
    static Path dir;
    private static CatalogInfo catalog;
    private static final List<byte[]> TICK_BYTES = new ArrayList<>();
    /** Per tick, per service id: the decoded row. */
    private static final List<Row[]> ROWS = new ArrayList<>();
    /** Per tick, per service id: the per-tick CSV row, split. */
    private static final List<String[][]> CSV = new ArrayList<>();

    @BeforeAll
    static void journal() throws Exception {
        SimulatedJournals.run(dir, SimulatedJournals.TWO_SYSTEMS, 17, TICKS, 2);
        final StringWriter csv = new StringWriter();
        try (JournalReader reader = JournalReader.open(dir)) {
            catalog = CatalogInfo.decode(reader.catalog());
            while (reader.next((buffer, offset, length, tick) -> {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                TICK_BYTES.add(bytes);
                ROWS.add(Row.decode(bytes));
            })) {
                // collecting
            }
            reader.seek(0);
            CsvExporter.export(reader, csv);
        }
        final String[] lines = csv.toString().split("\n");
        for (int t = 0; t < TICKS; t++) {
            final String[][] byId = new String[catalog.serviceCount()][];
            for (int id = 0; id < byId.length; id++) {
                byId[id] = lines[1 + t * byId.length + id].split(",", -1);
                assertThat(byId[id][COLUMNS.indexOf("service")]).isEqualTo(catalog.name(id));
            }
            CSV.add(byId);
        }
        assertThat(TICK_BYTES).hasSize((int)TICKS);
    }

    @Test
    void shouldFoldWindowsToTheirPerTickRowsSummed() {
        final List<WindowFigures> windows = new ArrayList<>();
        try (WindowRollup rollup = new WindowRollup(catalog, TICK_NS, WINDOW_TICKS * TICK_NS, null,
            (w, partial) -> {
                for (int i = 0; i < w.serviceCount(); i++) {
                    windows.add(new WindowFigures(w, w.service(i), partial));
                }
            })) {
            for (int t = 0; t < TICKS; t++) {
                rollup.onTick(new UnsafeBuffer(TICK_BYTES.get(t)), 0, TICK_BYTES.get(t).length, t);
            }
            rollup.finish();
        }
        assertThat(windows).hasSize(15 * catalog.serviceCount());
        double maxUtilisation = 0;
        double minUtilisation = 1;
        for (final WindowFigures w : windows) {
            final int id = w.service.id();
            final long first = w.firstTick;
            final long last = w.lastTick;
            assertThat(w.partial).isEqualTo(first == 700);
            assertThat(last - first + 1).isEqualTo(w.partial ? 30 : WINDOW_TICKS);
            assertThat(w.lengthNs).isEqualTo((last - first + 1) * TICK_NS);

            // From the per-tick CSV rows: counts and cost summed, gauges at the last tick, time averages weighted.
            long arrivals = 0;
            long completed = 0;
            long errors = 0;
            long rejected = 0;
            long timeouts = 0;
            long retries = 0;
            BigDecimal cost = BigDecimal.ZERO;
            double utilisationWeighted = 0;
            double capacity = 0;
            double queueSum = 0;
            for (long t = first; t <= last; t++) {
                final String[] row = CSV.get((int)t)[id];
                arrivals += longAt(row, "arrivals");
                completed += longAt(row, "completed");
                errors += longAt(row, "errors");
                rejected += longAt(row, "rejected");
                timeouts += longAt(row, "timeouts");
                retries += longAt(row, "retries");
                cost = cost.add(new BigDecimal(row[COLUMNS.indexOf("cost")]));
                final long servers = longAt(row, "servers");
                utilisationWeighted += Double.parseDouble(row[COLUMNS.indexOf("utilization")]) * servers * TICK_NS;
                capacity += (double)servers * TICK_NS;
                queueSum += Double.parseDouble(row[COLUMNS.indexOf("mean_queue")]);
            }
            final String[] lastRow = CSV.get((int)last)[id];
            final ServiceSnapshot s = w.service;
            assertThat(s.arrivals).as("arrivals of %s from tick %d", s.name, first).isEqualTo(arrivals);
            assertThat(s.completed).isEqualTo(completed);
            assertThat(s.errors).isEqualTo(errors);
            assertThat(s.rejected).isEqualTo(rejected);
            assertThat(s.timeouts).isEqualTo(timeouts);
            assertThat(s.retries).isEqualTo(retries);
            assertThat(BigDecimal.valueOf(s.costNanos, 9)).isEqualByComparingTo(cost);
            assertThat(s.storageBytes).isEqualTo(longAt(lastRow, "storage_bytes"));
            assertThat(s.queueDepth).isEqualTo(longAt(lastRow, "queue_depth"));
            assertThat(s.servers).isEqualTo(longAt(lastRow, "servers"));
            // The CSV's per-tick time averages are rounded to 6 decimals: so is their mean, to within 5e-7.
            assertThat(s.utilization).isCloseTo(utilisationWeighted / capacity, within(6e-7));
            assertThat(s.meanQueue).isCloseTo(queueSum / (last - first + 1), within(6e-7));

            // From the ticks' own fields, unrounded: the same, to double precision.
            double busyWeighted = 0;
            double inSystem = 0;
            long latencySum = 0;
            long maxNs = 0;
            for (long t = first; t <= last; t++) {
                final Row r = ROWS.get((int)t)[id];
                final double tickUtilisation = (double)r.busyTimeNs / (r.servers * TICK_NS);
                busyWeighted += tickUtilisation * r.servers * TICK_NS;
                inSystem += (double)(r.busyTimeNs + r.queueTimeNs) / TICK_NS;
                latencySum += r.latencySumNs;
                maxNs = Math.max(maxNs, r.maxNs);
            }
            assertThat(s.utilization).isCloseTo(busyWeighted / capacity, within(1e-12));
            assertThat(s.meanInSystem).isCloseTo(inSystem / (last - first + 1), within(1e-9));
            assertThat(s.littleLambdaW).isCloseTo((double)latencySum / w.lengthNs, within(1e-9));
            assertThat(s.throughputPerSecond).isCloseTo(completed / (w.lengthNs / 1e9), within(1e-9));
            assertThat(s.meanNs).isEqualTo(completed > 0 ? (double)latencySum / completed : Double.NaN);
            assertThat(s.maxNs).isEqualTo(maxNs);
            assertThat(s.histogramCount).isEqualTo(completed);
            maxUtilisation = Math.max(maxUtilisation, s.utilization);
            minUtilisation = Math.min(minUtilisation, s.utilization);
        }
        // Not vacuous: utilisation differs between services and windows.
        assertThat(maxUtilisation - minUtilisation).isGreaterThan(0.1);
    }

    @Test
    void shouldFoldOneTickToItsOwnRow() {
        try (TickFold fold = new TickFold(catalog, null, true)) {
            for (int t = 0; t < TICKS; t++) {
                fold.reset();
                fold.add(new UnsafeBuffer(TICK_BYTES.get(t)), 0, t);
                assertThat(fold.lengthNs()).isEqualTo(TICK_NS);
                for (int i = 0; i < fold.serviceCount(); i++) {
                    final ServiceFigures s = fold.service(i);
                    final String[] row = CSV.get(t)[s.id()];
                    assertThat(s.ticks()).isOne();
                    assertThat(s.completed()).isEqualTo(longAt(row, "completed"));
                    assertThat(s.meanWholeNs()).isEqualTo(nanos(row[COLUMNS.indexOf("mean_ms")]));
                    assertThat(s.maxNs()).isEqualTo(nanos(row[COLUMNS.indexOf("max_ms")]));
                    assertThat(decimal(Figures.micro(s.utilization()), 6))
                        .isEqualByComparingTo(row[COLUMNS.indexOf("utilization")]);
                    assertThat(decimal(Figures.micro(s.meanQueue()), 6))
                        .isEqualByComparingTo(row[COLUMNS.indexOf("mean_queue")]);
                    assertThat(decimal(s.costNanos(), 9)).isEqualByComparingTo(row[COLUMNS.indexOf("cost")]);
                }
            }
        }
    }

    @Test
    void shouldReportTheWholeRunAsTheFoldOfItsWindows() throws Exception {
        final RunReport report;
        try (JournalReader reader = JournalReader.open(dir)) {
            report = RunReport.compute(reader, 0);
        }
        final int services = catalog.serviceCount();
        final long[] completed = new long[services];
        final long[] busy = new long[services];
        final long[] serverTime = new long[services];
        final double[] utilisationWeighted = new double[services];
        final Histogram[] merged = new Histogram[services];
        try (WindowRollup rollup = new WindowRollup(catalog, TICK_NS, WINDOW_TICKS * TICK_NS, null,
            (w, partial) -> {
                for (int i = 0; i < w.serviceCount(); i++) {
                    final ServiceFigures s = w.service(i);
                    completed[s.id()] += s.completed();
                    busy[s.id()] += s.busyTimeNs();
                    serverTime[s.id()] += s.serverTimeNs();
                    utilisationWeighted[s.id()] += s.utilization() * s.serverTimeNs();
                    if (merged[s.id()] == null) {
                        merged[s.id()] = new Histogram(3);
                    }
                    merged[s.id()].add(s.histogram());
                }
            })) {
            for (int t = 0; t < TICKS; t++) {
                rollup.onTick(new UnsafeBuffer(TICK_BYTES.get(t)), 0, TICK_BYTES.get(t).length, t);
            }
            rollup.finish();
        }
        assertThat(report.services()).hasSize(services);
        for (final ServiceFigures s : report.services()) {
            final int id = s.id();
            assertThat(s.completed()).isEqualTo(completed[id]);
            assertThat(s.busyTimeNs()).isEqualTo(busy[id]);
            assertThat(s.utilization()).isCloseTo(utilisationWeighted[id] / serverTime[id], within(1e-12));
            // Merging the windows' merged histograms is merging the ticks': the same percentiles.
            assertThat(s.histogram()).isEqualTo(merged[id]);
            assertThat(s.p99Ns()).isEqualTo(Math.min(merged[id].getValueAtPercentile(99.0), s.maxNs()));
        }
    }

    @Test
    void shouldFoldTicksWithoutAllocating() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final UnsafeBuffer[] buffers = new UnsafeBuffer[(int)TICKS];
        for (int t = 0; t < TICKS; t++) {
            buffers[t] = new UnsafeBuffer(TICK_BYTES.get(t));
        }
        try (TickFold fold = new TickFold(catalog, null, true)) {
            long checksum = 0;
            for (int pass = 0; pass < 30; pass++) { // warm-up: every figure seen, histograms grown, code compiled
                checksum += foldAll(fold, buffers);
            }
            final long threadId = Thread.currentThread().getId();
            final long before = threads.getThreadAllocatedBytes(threadId);
            for (int pass = 0; pass < 20; pass++) {
                checksum += foldAll(fold, buffers);
            }
            final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            final long ticks = 20 * TICKS;
            System.out.printf("tick fold: %d ticks, %d bytes allocated, %.3f bytes/tick%n", ticks, allocated,
                (double)allocated / ticks);
            assertThat(checksum).isPositive();
            assertThat((double)allocated / ticks).isLessThan(1.0);
        }
    }

    private static long foldAll(final TickFold fold, final UnsafeBuffer[] buffers) {
        fold.reset();
        for (int t = 0; t < buffers.length; t++) {
            fold.add(buffers[t], 0, t);
        }
        return fold.service(0).completed() + fold.entry(0).completed();
    }

    private static long longAt(final String[] row, final String column) {
        return Long.parseLong(row[COLUMNS.indexOf(column)]);
    }

    /** "5.000123" ms as 5000123 ns, exactly. */
    private static long nanos(final String millis) {
        return new BigDecimal(millis).movePointRight(6).longValueExact();
    }

    private static BigDecimal decimal(final long unscaled, final int scale) {
        return BigDecimal.valueOf(unscaled, scale);
    }

    /** One service's fields of one tick, read with the generated decoder. */
    private record Row(long busyTimeNs, long queueTimeNs, int servers, long latencySumNs, long maxNs) {
        static Row[] decode(final byte[] tick) {
            final UnsafeBuffer buffer = new UnsafeBuffer(tick);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
            final TickSummaryDecoder summary = new TickSummaryDecoder()
                .wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final Row[] rows = new Row[catalog.serviceCount()];
            for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                rows[s.serviceId()] = new Row(s.busyTimeNs(), s.queueTimeNs(), s.servers(), s.latencySumNs(),
                    s.maxNs());
                s.skipHistogram();
            }
            return rows;
        }
    }

    /** A window's service figures, copied out of the fold (which is reset after the handler returns). */
    private record ServiceSnapshot(int id, String name, long arrivals, long completed, long errors, long rejected,
                                   long timeouts, long retries, long costNanos, long storageBytes, long queueDepth,
                                   long servers, double utilization, double meanQueue, double meanInSystem,
                                   double littleLambdaW, double throughputPerSecond, double meanNs, long maxNs,
                                   long histogramCount) {
    }

    private static final class WindowFigures {
        final long firstTick;
        final long lastTick;
        final long lengthNs;
        final boolean partial;
        final ServiceSnapshot service;

        WindowFigures(final TickFold w, final ServiceFigures s, final boolean partial) {
            this.firstTick = w.firstTick();
            this.lastTick = w.lastTick();
            this.lengthNs = w.lengthNs();
            this.partial = partial;
            this.service = new ServiceSnapshot(s.id(), s.name(), s.arrivals(), s.completed(), s.errors(),
                s.rejected(), s.timeouts(), s.retries(), s.costNanos(), s.storageBytes(), s.queueDepth(),
                s.servers(), s.utilization(), s.meanQueue(), s.meanInSystem(), s.littleLambdaW(),
                s.throughputPerSecond(), s.meanNs(), s.maxNs(), s.histogram().getTotalCount());
        }
    }
}
