package io.tickwire.journal.format;

import io.tickwire.engine.TickListener;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.JournalWriter;
import io.tickwire.journal.test.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class CsvExporterTest {
    @TempDir
    Path dir;

    @Test
    void shouldExportOneRowPerTickAndServiceWithExactMillis() throws IOException {
        final long ticks = 100;
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, ticks);
            writer.onEnd(ticks - 1, TickListener.EndReason.COMPLETED);
        }
        final StringWriter out = new StringWriter();
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(CsvExporter.export(reader, out)).isEqualTo(ticks * Messages.SERVICES.length);
        }
        final String[] lines = out.toString().split("\n", -1);
        assertThat(lines[0]).isEqualTo("tick,service,arrivals,completed,errors,rejected,mean_ms,p50_ms,p90_ms,"
            + "p99_ms,max_ms,queue_depth,busy,servers,p999_ms,utilization,mean_queue,cost,timeouts,retries,storage_bytes,"
            + "replicas,ready_replicas,rate_limited,bulkhead_refused,breaker_refused,sim_time_s,wall_time_ns");
        assertThat(lines).hasSize(1 + (int)ticks * 2 + 1); // header, rows, and "" after the last '\n'
        assertThat(lines[lines.length - 1]).isEmpty();

        // Tick 7, service 1 ("back"), from Messages.tick (the journal tests' fixture) by hand:
        //   completed (7 + 1) % 5 = 3, arrivals 4, errors 1, rejected 0
        //   mean (3 x 5000123 + 7) / 3 = 15000376 / 3 = 5000125 ns; p50 5000000 + 7 x 17 + 1 = 5000120 ns
        //   p90 9000134, p99 20000162, max 1000000218, p999 40000204 ns; queue 7 % 3 = 1, busy 7 % 4 = 3, servers 4
        //   utilization (3 x 10 ms + 1 ns) / (4 x 50 ms) = 0.150000; mean queue (25 ms + 7 ns) / 50 ms = 0.500000
        //   cost 1234 billionths = 0.000001234; timeouts 7 % 2 = 1, retries 1 + 7 % 3 = 2, storage 1000000 + 7
        //   replicas 2, ready 2; sim time 8 x 50 ms = 0.4 s; wall 1700000000000000000 + 7000 ns
        assertThat(lines[1 + 7 * 2 + 1]).isEqualTo("7,back,4,3,1,0,5.000125,5.000120,9.000134,20.000162,"
            + "1000.000218,1,3,4,40.000204,0.150000,0.500000,0.000001234,1,2,1000007,2,2,0,0,0,0.400000000,"
            + "1700000000000007000");
        // Tick 4, service 1: nothing completed, so mean 0.
        assertThat(lines[1 + 4 * 2 + 1]).startsWith("4,back,1,0,1,0,0.000000,5.000069,");
        assertThat(lines[1]).startsWith("0,front,");
        assertThat(lines[lines.length - 2]).startsWith("99,back,");
    }

    @Test
    void shouldLeaveTimeAveragesEmptyForTicksOfSchemaVersion1() throws IOException {
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            final org.agrona.concurrent.UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            final byte[] v1 = Messages.tickBytes(7);
            new org.agrona.concurrent.UnsafeBuffer(v1).putShort(6, (short)1); // header version 1: no integrals
            writer.onTick(new org.agrona.concurrent.UnsafeBuffer(v1), 0, v1.length, 0, true);
        }
        final StringWriter out = new StringWriter();
        try (JournalReader reader = JournalReader.open(dir)) {
            CsvExporter.export(reader, out);
        }
        // Same row as tick 7 above, but utilization, mean_queue and cost are unknown, not zero; timeouts, retries
        // and storage did not exist before version 3, so they were 0; replicas (version 4) are unknown.
        assertThat(out.toString().split("\n")[2]).isEqualTo("7,back,4,3,1,0,5.000125,5.000120,9.000134,"
            + "20.000162,1000.000218,1,3,4,40.000204,,,,0,0,0,,,0,0,0,0.400000000,1700000000000007000");
    }

    @Test
    void shouldExportFromTheReadersPosition() throws IOException {
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 50);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.seek(45)).isTrue();
            final StringWriter out = new StringWriter();
            assertThat(CsvExporter.export(reader, out)).isEqualTo(10);
            assertThat(out.toString().split("\n")[1]).startsWith("45,front,");
        }
    }

    @Test
    void shouldRefuseAJournalWithoutCatalog() throws IOException {
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1);
             JournalReader reader = JournalReader.open(writer.directory())) {
            assertThatThrownBy(() -> CsvExporter.export(reader, new StringWriter()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("has no catalog");
        }
    }

    @Test
    void shouldFormatNanosAsExactMillis() {
        assertThat(millis(5_000_123)).isEqualTo("5.000123");
        assertThat(millis(0)).isEqualTo("0.000000");
        assertThat(millis(999)).isEqualTo("0.000999");
        assertThat(millis(1_000_000)).isEqualTo("1.000000");
        assertThat(millis(123_456_789_012L)).isEqualTo("123456.789012");
        assertThat(millis(-1_500)).isEqualTo("-0.001500");
        assertThat(millis(Long.MAX_VALUE)).isEqualTo("9223372036854.775807");
        assertThat(millis(Long.MIN_VALUE)).isEqualTo("-9223372036854.775808");
    }

    @Test
    void shouldQuoteServiceNamesThatNeedIt() {
        assertThat(CsvExporter.csvField("orders-db")).isEqualTo("orders-db");
        assertThat(CsvExporter.csvField("a,b")).isEqualTo("\"a,b\"");
        assertThat(CsvExporter.csvField("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    }

    private static String millis(final long nanos) {
        return CsvExporter.appendMillis(new StringBuilder(), nanos).toString();
    }

    @Test
    void shouldRenderDecimalsExactlyWithTheirLeadingZeros() {
        final long[][] cases = {{0, 1_000_000}, {5, 1_000_000}, {123_456, 1_000_000}, {1_000_000, 1_000_000},
            {1_000_001, 1_000_000}, {-1_500_000, 1_000_000}, {-7, 1_000}, {9, 10}, {1_000_000_000_123L, 1_000_000_000}};
        final String[] expected = {"0.000000", "0.000005", "0.123456", "1.000000", "1.000001", "-1.500000", "-0.007",
            "0.9", "1000.000000123"};
        for (int i = 0; i < cases.length; i++) {
            assertThat(CsvExporter.appendDecimal(new StringBuilder(), cases[i][0], cases[i][1]).toString())
                .isEqualTo(expected[i])
                .isEqualTo(new java.math.BigDecimal(cases[i][0]).movePointLeft(Long.toString(cases[i][1]).length() - 1)
                    .toPlainString());
        }
    }

    @Test
    void shouldWriteTheSameRowsAsBytesAsThroughAWriterWhateverTheNames() throws IOException {
        // A name with a comma (quoted) and one outside ASCII (UTF-8 in the bytes).
        final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer(256);
        final io.tickwire.sbe.CatalogEncoder e = new io.tickwire.sbe.CatalogEncoder()
            .wrapAndApplyHeader(buffer, 0, new io.tickwire.sbe.MessageHeaderEncoder())
            .simulationId(Messages.SIMULATION_ID).tickLengthNs(Messages.TICK_NS).seed(Messages.SEED)
            .startWallTimeNs(0).schemaVersion(3).workers(1);
        final io.tickwire.sbe.CatalogEncoder.ServicesEncoder services = e.servicesCount(2);
        services.next().serviceId(0).servers(4).name("fr\u00f6nt");
        services.next().serviceId(1).servers(4).name("back,end");
        e.sourcesCount(0);
        e.simulationName("pair");
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            writer.onCatalog(buffer, 0, io.tickwire.sbe.MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
            Messages.appendTicks(writer, 0, 3_000);
        }
        final StringWriter chars = new StringWriter();
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(CsvExporter.export(reader, chars)).isEqualTo(6_000);
            assertThat(reader.seek(0)).isTrue();
            assertThat(CsvExporter.export(reader, bytes, Long.MAX_VALUE, null)).isEqualTo(6_000);
        }
        final String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).isEqualTo(chars.toString());
        assertThat(text.split("\n")[1]).startsWith("0,fr\u00f6nt,");
        assertThat(text.split("\n")[2]).startsWith("0,\"back,end\",");
        assertThat(text.split("\n")).hasSize(6_001);
    }
}
