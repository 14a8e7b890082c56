package io.tickwire.bench;

import io.tickwire.journal.JournalReader;
import io.tickwire.journal.format.CsvExporter;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * CSV export of a {@value JournalReplayBenchmark#TICKS}-tick × {@value JournalReplayBenchmark#SERVICES}-service
 * journal (generated in {@code @Setup}); one op is one CSV row, so the score is rows/s.
 * <ul>
 *   <li>{@code export}: {@link CsvExporter#export(JournalReader, Writer)} into a writer that counts characters
 *       and drops them: the formatting and reading cost, without the disk's.</li>
 *   <li>{@code exportBytes}: the byte path ({@link CsvExporter#export(JournalReader, OutputStream, long, boolean[])}:
 *       rows formatted as ASCII straight into bytes) into a stream that counts and drops them.</li>
 *   <li>{@code exportToFile}: the byte path into a file of the journal's temp dir through a 64 KiB buffered stream,
 *       as {@code tickwire export --out} writes it (the page cache absorbs the writes: no fsync).</li>
 *   <li>{@code naive} (peer): what a first version writes, per row {@code String.format} of the same figures
 *       (milliseconds through doubles), into the same writer.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class JournalCsvBenchmark {
    private Path dir;
    private JournalReader reader;
    private final CountingWriter out = new CountingWriter();
    private final CountingStream bytes = new CountingStream();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tickwire-csv-bench");
        JournalReplayBenchmark.Journals.write(dir, JournalReplayBenchmark.TICKS, JournalReplayBenchmark.SERVICES, 50);
        reader = JournalReader.open(dir);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        reader.close();
        JournalReplayBenchmark.Journals.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(JournalReplayBenchmark.ROWS)
    public long export() throws IOException {
        reader.seek(0);
        final long rows = CsvExporter.export(reader, out);
        if (rows != JournalReplayBenchmark.ROWS) {
            throw new IllegalStateException("exported " + rows + " rows");
        }
        return out.chars;
    }

    /** The byte path: rows formatted as ASCII into a byte buffer, given to an output stream that counts them. */
    @Benchmark
    @OperationsPerInvocation(JournalReplayBenchmark.ROWS)
    public long exportBytes() throws IOException {
        reader.seek(0);
        final long rows = CsvExporter.export(reader, bytes, Long.MAX_VALUE, null);
        if (rows != JournalReplayBenchmark.ROWS) {
            throw new IllegalStateException("exported " + rows + " rows");
        }
        return bytes.count;
    }

    /** The byte path into a file, as {@code tickwire export --out FILE} writes it. */
    @Benchmark
    @OperationsPerInvocation(JournalReplayBenchmark.ROWS)
    public long exportToFile() throws IOException {
        reader.seek(0);
        final Path csv = dir.resolve("export.csv");
        final long rows;
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(csv), 1 << 16)) {
            rows = CsvExporter.export(reader, file, Long.MAX_VALUE, null);
        }
        Files.delete(csv);
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(JournalReplayBenchmark.ROWS)
    public long naive() {
        reader.seek(0);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final TickSummaryDecoder summary = new TickSummaryDecoder();
        out.write(CsvExporter.HEADER + "\n");
        while (reader.next((buffer, offset, length, tick) -> {
            header.wrap(buffer, offset);
            summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final double tickLengthNs = summary.tickLengthNs();
            for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                final String row = String.format(Locale.ROOT,
                    "%d,s%d,%d,%d,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%d,%d,%d,%.6f,%.6f,%.6f,%.9f,%d,%d,%d,%.9f,%d%n",
                    tick, s.serviceId(), s.arrivals(), s.completed(), s.errors(), s.rejected(),
                    s.completed() > 0 ? s.latencySumNs() / (double)s.completed() / 1e6 : 0.0, s.p50Ns() / 1e6,
                    s.p90Ns() / 1e6, s.p99Ns() / 1e6, s.maxNs() / 1e6, s.queueDepth(), s.busyServers(), s.servers(),
                    s.p999Ns() / 1e6, s.busyTimeNs() / (s.servers() * tickLengthNs), s.queueTimeNs() / tickLengthNs,
                    s.costNanos() / 1e9, s.timeouts(), s.retries(), s.storageBytes(), summary.simTimeNs() / 1e9,
                    summary.wallTimeNs());
                s.skipHistogram();
                out.write(row); // CountingWriter: no I/O, nothing thrown
            }
        })) {
            // all in the handler
        }
        return out.chars;
    }

    /** Counts the bytes it is given and keeps nothing. */
    static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(final int b) {
            count++;
        }

        @Override
        public void write(final byte[] b, final int offset, final int length) {
            count += length + b[offset];
        }
    }

    /** Counts what it is given and keeps nothing. */
    static final class CountingWriter extends Writer {
        long chars;

        @Override
        public void write(final char[] buffer, final int offset, final int length) {
            chars += length + buffer[offset];
        }

        @Override
        public void write(final String text) {
            chars += text.length() + text.charAt(0);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
