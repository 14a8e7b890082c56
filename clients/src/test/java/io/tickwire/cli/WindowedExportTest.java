package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.format.CsvExporter;
import io.tickwire.journal.format.WindowExporter;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "must show" for windows, through the CLI: on a bursty run (load spikes that push a service close to
 * saturation), {@code export --window 10s} gives p99s equal to those of the raw ticks' histograms merged here with
 * HdrHistogram itself, and different from the average of the ticks' own p99s. Then ranges, filters and bad options.
 */
@Timeout(180)
class WindowedExportTest {
    static final String BURSTY = """
        name: bursty
        tick: 50ms
        services:
          - name: api
            concurrency: 2
            latency: { distribution: exponential, mean: 4ms }
            failureRate: 0.01
            cost: { perReplicaHour: 0.096, perMillionRequests: 3.50 }
            calls:
              - { to: db, probability: 0.5 }
          - name: db
            latency: { distribution: exponential, mean: 1ms }
            cost: { perReplicaHour: 0.48 }
        load:
          - name: users
            target: api
            rate: 150/s
            schedule:
              - { at: 12s, spike: 470/s, for: 3s }
              - { at: 33s, spike: 480/s, for: 2s }
        """;
    private static final long TICKS = 800;            // 40 s of 50 ms ticks
    private static final long TICKS_PER_WINDOW = 200; // 10 s

    @TempDir
    static Path tmp;
    private static Path journal;
    /** Per service name, per tick: the tick's p99 and its histogram, decoded here. */
    private static final Map<String, List<TickRow>> TICKS_BY_SERVICE = new HashMap<>();

    record TickRow(long tick, long completed, long p99Ns, long maxNs, Histogram histogram) {
    }

    @BeforeAll
    static void runBursty() throws Exception {
        final Path diagram = tmp.resolve("bursty.yaml");
        Files.writeString(diagram, BURSTY);
        journal = tmp.resolve("bursty");
        final Cli.Result run = Cli.execute("run", diagram.toString(), "--speed", "max", "--duration", "40s",
            "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();

        final String[] names = {"api", "db"};
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final TickSummaryDecoder summary = new TickSummaryDecoder();
        try (JournalReader reader = JournalReader.open(journal)) {
            while (reader.next((buffer, offset, length, tick) -> {
                header.wrap(buffer, offset);
                summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
                    header.version());
                for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                    final byte[] bytes = new byte[s.histogramLength()];
                    s.getHistogram(bytes, 0, bytes.length);
                    TICKS_BY_SERVICE.computeIfAbsent(names[s.serviceId()], k -> new ArrayList<>())
                        .add(new TickRow(tick, s.completed(), s.p99Ns(), s.maxNs(), decode(bytes)));
                }
            })) {
                // decoding
            }
        }
        assertThat(TICKS_BY_SERVICE.get("api")).hasSize((int)TICKS);
    }

    @Test
    void shouldGiveWindowP99sOfMergedHistogramsNotAveragesOfTickP99s() throws Exception {
        final Path csv = tmp.resolve("windows.csv");
        final Cli.Result export = Cli.execute("export", journal.toString(), "--window", "10s", "--out",
            csv.toString());
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(export.err()).isEqualTo("exported 8 rows to " + csv + System.lineSeparator());
        final List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo(WindowExporter.CSV_HEADER);
        final List<String> header = Arrays.asList(lines.get(0).split(","));
        assertThat(lines).hasSize(1 + 4 * 2);

        int farFromAverage = 0;
        for (final String line : lines.subList(1, lines.size())) {
            final String[] row = line.split(",");
            final String service = row[header.indexOf("service")];
            final long first = Long.parseLong(row[header.indexOf("first_tick")]);
            assertThat(first % TICKS_PER_WINDOW).isZero();
            assertThat(row[header.indexOf("partial")]).isEqualTo("false");

            // The reference: merge the window's raw tick histograms with HdrHistogram, cap at the exact max.
            final Histogram merged = new Histogram(3);
            long max = 0;
            double p99Sum = 0;
            int p99Ticks = 0;
            for (final TickRow t : TICKS_BY_SERVICE.get(service)) {
                if (t.tick() >= first && t.tick() < first + TICKS_PER_WINDOW && t.completed() > 0) {
                    merged.add(t.histogram());
                    max = Math.max(max, t.maxNs());
                    p99Sum += t.p99Ns();
                    p99Ticks++;
                }
            }
            final long expected = Math.min(merged.getValueAtPercentile(99.0), max);
            final long exported = nanos(row[header.indexOf("p99_ms")]);
            assertThat(exported).as("%s window from tick %d", service, first).isEqualTo(expected);

            final double averaged = p99Sum / p99Ticks;
            assertThat((double)exported).as("%s window from tick %d: averaged tick p99s", service, first)
                .isNotEqualTo(averaged);
            if (Math.abs(averaged - exported) > 0.2 * exported) {
                farFromAverage++;
            }
        }
        // Not a rounding difference: on most windows the average of the ticks' p99s is off by more than 20%.
        assertThat(farFromAverage).isGreaterThanOrEqualTo(6);
    }

    @Test
    void shouldExportARangeBySimulatedTimeAndSomeServices() throws Exception {
        final Cli.Result r = Cli.execute("export", journal.toString(), "--window", "5s", "--from-time", "10s",
            "--to-time", "20s", "--services", "db", "--format", "jsonl");
        assertThat(r.code()).as(r.err()).isZero();
        final String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(2);
        final ObjectMapper mapper = new ObjectMapper();
        final JsonNode first = mapper.readTree(lines[0]);
        assertThat(first.get("firstTick").asLong()).isEqualTo(200);
        assertThat(first.get("lastTick").asLong()).isEqualTo(299);
        assertThat(first.get("services")).hasSize(1);
        assertThat(first.get("services").get(0).get("name").asText()).isEqualTo("db");
        assertThat(mapper.readTree(lines[1]).get("lastTick").asLong()).isEqualTo(399);

        // A range that ends inside a window: the last window is labelled partial and ends with its last tick.
        final Cli.Result partial = Cli.execute("export", journal.toString(), "--window", "10s", "--to-time", "25s",
            "--services", "api");
        assertThat(partial.code()).as(partial.err()).isZero();
        final String[] rows = partial.out().split("\n");
        assertThat(rows).hasSize(4);
        assertThat(rows[3]).startsWith("20.000000000,25.000000000,400,499,100,true,api,");
        assertThat(rows[2]).startsWith("10.000000000,20.000000000,200,399,200,false,api,");
    }

    @Test
    void shouldExportARangeByWallTime() throws Exception {
        final Cli.Result all = Cli.execute("export", journal.toString(), "--services", "api");
        assertThat(all.code()).as(all.err()).isZero();
        final String[] lines = all.out().split("\n");
        assertThat(lines[0]).isEqualTo(CsvExporter.HEADER);
        final int wall = Arrays.asList(lines[0].split(",")).indexOf("wall_time_ns");
        final long from = Long.parseLong(lines[1 + 100].split(",")[wall]);
        final long to = Long.parseLong(lines[1 + 199].split(",")[wall]);
        // Wall times at tick close are not unique at speed max: expect exactly the ticks the scan finds.
        long expectedFirst = -1;
        long expectedLast = -1;
        for (int t = 0; t < TICKS; t++) {
            final long w = Long.parseLong(lines[1 + t].split(",")[wall]);
            if (expectedFirst < 0 && w >= from) {
                expectedFirst = t;
            }
            if (w <= to) {
                expectedLast = t;
            }
        }
        final Cli.Result r = Cli.execute("export", journal.toString(), "--services", "api", "--from-wall",
            instant(from), "--to-wall", instant(to), "--format", "jsonl");
        assertThat(r.code()).as(r.err()).isZero();
        final String[] ticks = r.out().split("\n");
        final ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.readTree(ticks[0]).get("tick").asLong()).isEqualTo(expectedFirst);
        assertThat(mapper.readTree(ticks[ticks.length - 1]).get("tick").asLong()).isEqualTo(expectedLast);
        assertThat(ticks).hasSize((int)(expectedLast - expectedFirst + 1));
        assertThat(mapper.readTree(ticks[0]).get("services")).hasSize(1);
        assertThat(mapper.readTree(ticks[0]).get("services").get(0).get("name").asText()).isEqualTo("api");
    }

    @Test
    void shouldExitTwoWithOneLineOnBadOptions() {
        assertBad("tickwire: --window 75ms is not a whole number of ticks (the tick is 50ms)", "--window", "75ms");
        assertBad("tickwire: --window 0s is not a whole number of ticks (the tick is 50ms)", "--window", "0s");
        assertBad("tickwire: give at most one of --from-tick, --from-time and --from-wall", "--from-tick", "3",
            "--from-time", "1s");
        assertBad("tickwire: give at most one of --to-tick, --to-time and --to-wall", "--to-time", "3s", "--to-wall",
            "2026-11-23T03:00:00Z");
        assertBad("tickwire: --services: no service 'cache' in the journal (api, db)", "--services", "api,cache");
        assertBad("tickwire: --from-tick 800 is not in the journal (ticks 0 to 799)", "--from-tick", "800");
        assertBad("tickwire: --from-time 40s is after the start of the last tick (39.950 s)", "--from-time", "40s");
        assertBad("tickwire: the range is empty: it ends (tick 99) before it starts (tick 200)", "--from-time", "10s",
            "--to-tick", "99");
        assertBad("tickwire: --from-wall: not an ISO-8601 instant such as 2026-11-23T03:00:00Z: yesterday",
            "--from-wall", "yesterday");
        final Cli.Result bad = Cli.execute("export", journal.toString(), "--window", "soon");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.errLines()).hasSize(1);
        assertThat(bad.err()).startsWith("tickwire: --window: ");
    }

    private static void assertBad(final String message, final String... options) {
        final String[] args = new String[options.length + 2];
        args[0] = "export";
        args[1] = journal.toString();
        System.arraycopy(options, 0, args, 2, options.length);
        final Cli.Result r = Cli.execute(args);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly(message);
        assertThat(r.out()).isEmpty();
    }

    private static String instant(final long epochNs) {
        return Instant.ofEpochSecond(0, epochNs).toString();
    }

    /** "5.000123" ms as 5000123 ns, exactly. */
    private static long nanos(final String millis) {
        return new BigDecimal(millis).movePointRight(6).longValueExact();
    }

    private static Histogram decode(final byte[] bytes) {
        if (bytes.length == 0) {
            return new Histogram(3);
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
