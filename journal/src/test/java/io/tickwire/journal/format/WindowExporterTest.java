package io.tickwire.journal.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Windowed export of a real simulation's journal against a reference computed here, tick by tick, with HdrHistogram
 * itself: counts and cost summed, percentiles from the merged histograms, gauges at the window's end, and the last
 * window labelled partial.
 */
@Timeout(120)
class WindowExporterTest {
    private static final long TICKS = 1_050;       // 10 ms ticks: 10.5 s
    private static final long WINDOW_NS = 1_000_000_000L; // 100 ticks
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    static Path dir;
    private static List<Tick> ticks;
    private static String[] names;

    @BeforeAll
    static void simulate() throws Exception {
        SimulatedJournals.run(dir, SimulatedJournals.TWO_SYSTEMS, 11, TICKS, 1);
        try (JournalReader reader = JournalReader.open(dir)) {
            ticks = Tick.readAll(reader);
            final CatalogInfo catalog = CatalogInfo.decode(reader.catalog());
            names = new String[catalog.serviceCount()];
            for (int id = 0; id < names.length; id++) {
                names[id] = catalog.name(id);
            }
        }
        assertThat(ticks).hasSize((int)TICKS);
    }

    @Test
    void shouldRollTicksUpIntoWindowsAsTheReferenceDoes() throws IOException {
        final List<String[]> rows = csv(export(WindowExporter.Format.CSV, 0, Long.MAX_VALUE, null));
        assertThat(String.join(",", rows.get(0))).isEqualTo(WindowExporter.CSV_HEADER);
        final List<String> header = Arrays.asList(rows.get(0));
        assertThat(rows).hasSize(1 + 11 * names.length); // 10 whole windows and a half, per service

        for (final String[] row : rows.subList(1, rows.size())) {
            final long first = Long.parseLong(row[header.indexOf("first_tick")]);
            final long last = Long.parseLong(row[header.indexOf("last_tick")]);
            final int id = Arrays.asList(names).indexOf(row[header.indexOf("service")]);
            final Reference ref = Reference.over(ticks, first, last, id);
            final boolean partial = first == 1_000;
            assertThat(first % 100).isZero();
            assertThat(last).isEqualTo(partial ? 1_049 : first + 99);
            assertThat(row[header.indexOf("ticks")]).isEqualTo(Long.toString(last - first + 1));
            assertThat(row[header.indexOf("partial")]).isEqualTo(Boolean.toString(partial));
            assertThat(new BigDecimal(row[header.indexOf("window_start_s")]))
                .isEqualByComparingTo(BigDecimal.valueOf(first * 10_000_000L, 9));
            assertThat(new BigDecimal(row[header.indexOf("window_end_s")]))
                .isEqualByComparingTo(BigDecimal.valueOf((last + 1) * 10_000_000L, 9));

            assertThat(Long.parseLong(row[header.indexOf("arrivals")])).isEqualTo(ref.arrivals);
            assertThat(Long.parseLong(row[header.indexOf("completed")])).isEqualTo(ref.completed);
            assertThat(Long.parseLong(row[header.indexOf("errors")])).isEqualTo(ref.errors);
            assertThat(Long.parseLong(row[header.indexOf("rejected")])).isEqualTo(ref.rejected);
            assertThat(new BigDecimal(row[header.indexOf("cost")])).isEqualByComparingTo(BigDecimal.valueOf(ref.cost, 9));
            assertThat(Long.parseLong(row[header.indexOf("queue_depth")])).isEqualTo(ref.lastQueueDepth);
            assertThat(nanos(row[header.indexOf("max_ms")])).isEqualTo(ref.maxNs);
            assertThat(nanos(row[header.indexOf("mean_ms")])).isEqualTo(ref.completed > 0 ? ref.latencySum / ref.completed : 0);
            assertThat(ref.merged.getTotalCount()).isEqualTo(ref.completed);
            assertThat(nanos(row[header.indexOf("p50_ms")])).isEqualTo(ref.percentile(50));
            assertThat(nanos(row[header.indexOf("p90_ms")])).isEqualTo(ref.percentile(90));
            assertThat(nanos(row[header.indexOf("p99_ms")])).isEqualTo(ref.percentile(99));
            assertThat(nanos(row[header.indexOf("p999_ms")])).isEqualTo(ref.percentile(99.9));
            final double seconds = (last - first + 1) * 0.01;
            assertThat(Double.parseDouble(row[header.indexOf("throughput_per_s")]))
                .isCloseTo(ref.completed / seconds, org.assertj.core.api.Assertions.within(0.0006));
            assertThat(Double.parseDouble(row[header.indexOf("utilization")]))
                .isCloseTo((double)ref.busy / ref.serverTime, org.assertj.core.api.Assertions.within(0.0000006));
            assertThat(Double.parseDouble(row[header.indexOf("mean_queue")]))
                .isCloseTo(ref.queue / (seconds * SECOND), org.assertj.core.api.Assertions.within(0.0000006));
        }
    }

    @Test
    void shouldExportARangeAndSomeServicesAsJsonLines() throws IOException {
        final boolean[] dbOnly = new boolean[names.length];
        final int db = Arrays.asList(names).indexOf("db");
        dbOnly[db] = true;
        final String jsonl = export(WindowExporter.Format.JSONL, 250, 549, dbOnly);
        final String[] lines = jsonl.split("\n");
        assertThat(lines).hasSize(3); // ticks 250..549: three whole windows aligned on the first
        final ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < lines.length; i++) {
            final JsonNode w = mapper.readTree(lines[i]);
            final long first = 250 + 100L * i;
            assertThat(w.get("firstTick").asLong()).isEqualTo(first);
            assertThat(w.get("lastTick").asLong()).isEqualTo(first + 99);
            assertThat(w.get("partial").asBoolean()).isFalse();
            assertThat(w.get("windowStartS").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(first, 2));
            assertThat(w.get("services")).hasSize(1);
            final JsonNode s = w.get("services").get(0);
            assertThat(s.get("name").asText()).isEqualTo("db");
            final Reference ref = Reference.over(ticks, first, first + 99, db);
            assertThat(s.get("completed").asLong()).isEqualTo(ref.completed);
            assertThat(nanos(s.get("p99Ms").asText())).isEqualTo(ref.percentile(99));
            assertThat(s.get("cost").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(ref.cost, 9));
        }
    }

    @Test
    void shouldExportPerTickRowsOfARangeAndSomeServices() throws IOException {
        final boolean[] frontOnly = new boolean[names.length];
        frontOnly[Arrays.asList(names).indexOf("front")] = true;
        final StringWriter out = new StringWriter();
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.seek(100)).isTrue();
            assertThat(CsvExporter.export(reader, out, 109, frontOnly)).isEqualTo(10);
        }
        final String[] lines = out.toString().split("\n");
        assertThat(lines[0]).isEqualTo(CsvExporter.HEADER);
        assertThat(lines).hasSize(11);
        for (int i = 1; i < lines.length; i++) {
            assertThat(lines[i]).startsWith((99 + i) + ",front,");
        }
    }

    @Test
    void shouldRefuseAWindowThatIsNotAWholeNumberOfTicks() throws IOException {
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThatThrownBy(() -> WindowExporter.export(reader, new StringWriter(), WindowExporter.Format.CSV,
                15_000_000L, Long.MAX_VALUE, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a window must be a positive multiple of the tick (10000000 ns)");
        }
    }

    private static String export(final WindowExporter.Format format, final long from, final long to,
                                 final boolean[] include) throws IOException {
        final StringWriter out = new StringWriter();
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.seek(from)).isTrue();
            WindowExporter.export(reader, out, format, WINDOW_NS, to, include);
        }
        return out.toString();
    }

    private static List<String[]> csv(final String text) {
        final List<String[]> rows = new ArrayList<>();
        for (final String line : text.split("\n")) {
            rows.add(line.split(",", -1));
        }
        return rows;
    }

    /** "5.000123" ms as 5000123 ns, exactly. */
    static long nanos(final String millis) {
        return new BigDecimal(millis).movePointRight(6).longValueExact();
    }

    /** One service of one tick, decoded with the generated decoder and HdrHistogram's own decoding. */
    record Row(int id, long arrivals, long completed, long errors, long rejected, long latencySum, long maxNs,
               long p99Ns, long busy, long queue, long serverTime, long cost, int queueDepth, Histogram histogram) {
    }

    record Tick(long tick, List<Row> rows) {
        static List<Tick> readAll(final JournalReader reader) {
            final List<Tick> all = new ArrayList<>();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final TickSummaryDecoder summary = new TickSummaryDecoder();
            while (reader.next((buffer, offset, length, tick) -> {
                header.wrap(buffer, offset);
                summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
                    header.version());
                final List<Row> rows = new ArrayList<>();
                for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                    final byte[] bytes = new byte[s.histogramLength()];
                    s.getHistogram(bytes, 0, bytes.length);
                    rows.add(new Row(s.serviceId(), s.arrivals(), s.completed(), s.errors(), s.rejected(),
                        s.latencySumNs(), s.maxNs(), s.p99Ns(), s.busyTimeNs(), s.queueTimeNs(),
                        s.servers() * summary.tickLengthNs(), s.costNanos(), s.queueDepth(), decode(bytes)));
                }
                all.add(new Tick(tick, rows));
            })) {
                // collecting
            }
            return all;
        }

        private static Histogram decode(final byte[] bytes) {
            if (bytes.length == 0) {
                return null;
            }
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            try {
                return buffer.getInt(0) == 0x1c849314
                    ? Histogram.decodeFromCompressedByteBuffer(buffer, 0)
                    : Histogram.decodeFromByteBuffer(buffer, 0);
            } catch (final DataFormatException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }

    /** What a window of one service must say, from the ticks by hand. */
    static final class Reference {
        final Histogram merged = new Histogram(3);
        long arrivals;
        long completed;
        long errors;
        long rejected;
        long latencySum;
        long maxNs;
        long busy;
        long queue;
        long serverTime;
        long cost;
        int lastQueueDepth;

        static Reference over(final List<Tick> ticks, final long first, final long last, final int id) {
            final Reference r = new Reference();
            for (final Tick t : ticks) {
                if (t.tick() < first || t.tick() > last) {
                    continue;
                }
                for (final Row row : t.rows()) {
                    if (row.id() != id) {
                        continue;
                    }
                    r.arrivals += row.arrivals();
                    r.completed += row.completed();
                    r.errors += row.errors();
                    r.rejected += row.rejected();
                    r.latencySum += row.latencySum();
                    r.maxNs = Math.max(r.maxNs, row.maxNs());
                    r.busy += row.busy();
                    r.queue += row.queue();
                    r.serverTime += row.serverTime();
                    r.cost += row.cost();
                    r.lastQueueDepth = row.queueDepth();
                    if (row.completed() > 0) {
                        r.merged.add(row.histogram());
                    }
                }
            }
            return r;
        }

        /** HdrHistogram's value at the percentile, capped at the exact max (as the ticks' own percentiles are). */
        long percentile(final double p) {
            return merged.getTotalCount() == 0 ? 0 : Math.min(merged.getValueAtPercentile(p), maxNs);
        }
    }
}
