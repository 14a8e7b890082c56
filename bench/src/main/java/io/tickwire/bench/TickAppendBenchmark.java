package io.tickwire.bench;

import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Tick close → journal appended: {@link JournalWriter#onTick} of an encoded {@value CodecBenchmark#SERVICES}-service
 * {@code TickSummary} (≈ 17 KB with its histograms) into a Chronicle Queue in a temporary directory — what the journal
 * listener does on its own thread for every closed tick. Sampled per call, so JMH prints percentiles (budget: p99
 * ≤ 5 µs). The directory is on whatever file system {@code java.io.tmpdir} is; the append is to a memory-mapped
 * file, so the figure is memory bandwidth and Chronicle's bookkeeping, not the disk — and the page faults of fresh
 * mapped pages, unless the pretoucher ({@code pretouch=true}) has touched them first.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TickAppendBenchmark {
    private static final String DIAGRAM = "name: bench\nservices:\n  - name: a\n    latency: {mean: 1ms}\n"
        + "load:\n  - target: a\n    rate: 100/s\n";

    /**
     * The journal's pretoucher ({@code journal.pretouch}): a thread of its own touching the cycle file's next pages
     * ahead of the writer. false: the configuration before it, measured in the same run.
     */
    @Param({"false", "true"})
    public boolean pretouch;

    private Path dir;
    private JournalWriter writer;
    private UnsafeBuffer tick;
    private int tickBytes;
    private long sequence;

    @Setup
    public void setUp() throws Exception {
        final CodecBenchmark codec = new CodecBenchmark();
        codec.setUp();
        tickBytes = codec.tickEncode();
        tick = new UnsafeBuffer(ByteBuffer.allocateDirect(tickBytes));
        tick.putBytes(0, codec.encodedTick(), 0, tickBytes);
        dir = Files.createTempDirectory("tickwire-append-bench");
        writer = JournalWriter.create(dir.resolve("journal"), DiagramLoader.parse(DIAGRAM), 1, 1,
            new JournalWriter.Context().pretouch(pretouch));
    }

    @Benchmark
    public long append() {
        writer.onTick(tick, 0, tickBytes, sequence++, true);
        return sequence;
    }

    @TearDown
    public void tearDown() throws IOException {
        writer.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
