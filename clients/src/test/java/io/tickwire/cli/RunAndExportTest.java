package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.journal.format.CsvExporter;
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
 * The first "must show", through the CLI: an M/M/1 run of 2000 simulated seconds journals every tick, and
 * the CSV export of it has the completion-weighted mean latency of queueing theory, 1/(mu - lambda) = 5 ms.
 */
@Timeout(120)
class RunAndExportTest {
    private static final long TICKS = 40_000; // 2000 s of 50 ms ticks

    @TempDir
    Path tmp;

    @Test
    void shouldJournalEveryTickOfAnMm1RunAndExportItsTheoreticalMean() throws Exception {
        final Path journal = tmp.resolve("j");
        final Cli.Result run = Cli.execute("run", "../examples/mm1.yaml", "--speed", "max", "--duration", "2000s",
            "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("done:").contains(TICKS + " ticks");

        final Path csv = tmp.resolve("mm1.csv");
        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "csv", "--out", csv.toString());
        assertThat(export.code()).as(export.err()).isZero();
        final List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize((int)TICKS + 1);
        assertThat(lines.get(0)).isEqualTo(CsvExporter.HEADER);

        final List<String> header = Arrays.asList(lines.get(0).split(","));
        final int tick = header.indexOf("tick");
        final int completed = header.indexOf("completed");
        final int meanMs = header.indexOf("mean_ms");
        double weighted = 0;
        long requests = 0;
        for (int i = 1; i < lines.size(); i++) {
            final String[] row = lines.get(i).split(",");
            assertThat(Long.parseLong(row[tick])).isEqualTo(i - 1);
            final long c = Long.parseLong(row[completed]);
            weighted += Double.parseDouble(row[meanMs]) * c;
            requests += c;
        }
        assertThat(requests).isBetween(1_550_000L, 1_650_000L);
        assertThat(weighted / requests).isCloseTo(5.0, within(5.0 * 0.03));

        // The same journal as JSON lines: one per tick, each the shape tail prints.
        final Path jsonl = tmp.resolve("mm1.jsonl");
        final Cli.Result json = Cli.execute("export", journal.toString(), "--format", "jsonl", "--out",
            jsonl.toString());
        assertThat(json.code()).as(json.err()).isZero();
        final List<String> jsonLines = Files.readAllLines(jsonl);
        assertThat(jsonLines).hasSize((int)TICKS);
        final ObjectMapper mapper = new ObjectMapper();
        final JsonNode last = mapper.readTree(jsonLines.get(jsonLines.size() - 1));
        assertThat(last.get("tick").asLong()).isEqualTo(TICKS - 1);
        assertThat(last.get("simTimeNs").asLong()).isEqualTo(TICKS * 50_000_000L);
        assertThat(last.get("services").get(0).get("name").asText()).isEqualTo("server");

        final Cli.Result unknown = Cli.execute("export", journal.toString(), "--format", "parquet");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.errLines()).containsExactly("tickwire: unknown format 'parquet' (csv, jsonl)");

        // A journal is never appended to by a second run.
        final Cli.Result again = Cli.execute("run", "../examples/mm1.yaml", "--ticks", "1", "--journal",
            journal.toString(), "--no-serve");
        assertThat(again.code()).isEqualTo(2);
    }

    @Test
    void shouldExportCsvToStdout() throws Exception {
        final Path journal = tmp.resolve("small");
        assertThat(Cli.execute("run", "../examples/checkout.yaml", "--speed", "max", "--ticks", "20", "--journal",
            journal.toString(), "--no-serve").code()).isZero();
        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "csv");
        assertThat(export.code()).as(export.err()).isZero();
        final String[] lines = export.out().split("\n");
        assertThat(lines).hasSize(20 * 8 + 1); // checkout: 6 services and 2 databases
        assertThat(lines[1]).startsWith("0,gateway,");
        assertThat(export.err()).isEmpty();
    }
}
