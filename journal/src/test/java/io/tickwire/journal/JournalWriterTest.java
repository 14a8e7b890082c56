package io.tickwire.journal;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.journal.test.Messages;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class JournalWriterTest {
    // TickSummary's tick field: after the 8-byte header and the 8-byte simulationId.
    private static final int TICK_OFFSET = 16;
    private static final String CHAIN = """
        # three services in a chain, enough traffic for every tick to carry histograms
        name: chain-test
        tick: 10ms
        services:
          - name: gateway
            replicas: 2
            concurrency: 4
            latency: { distribution: lognormal, mean: 2ms, sd: 1ms }
            calls:
              - { to: orders, probability: 0.6, delay: 150us }
          - name: orders
            concurrency: 4
            failureRate: 0.01
            latency: { distribution: exponential, mean: 3ms }
            calls:
              - { to: orders-db, probability: 1.0, delay: 300us }
          - name: orders-db
            concurrency: 2
            latency: { distribution: exponential, mean: 1ms }
        load:
          - { target: gateway, rate: 2000/s }
        """;

    @TempDir
    Path dir;

    @Test
    void shouldJournalEveryTickOfARealSimulationByteForByte() throws Exception {
        final long ticks = 2_000;
        final Diagram diagram = DiagramLoader.parse(CHAIN);
        final TickCollector collector = new TickCollector();
        final Path journal = dir.resolve("run-1");
        final JournalWriter writer;
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).seed(7).simulationId(11))) {
            writer = JournalWriter.create(journal, sim.diagram(), sim.seed(), sim.id());
            sim.addListener(writer).addListener(collector);
            sim.start();
            assertThat(sim.awaitTermination(50, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(writer.ticksWritten()).isEqualTo(ticks);
        writer.close();
        writer.close(); // idempotent
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);

        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.diagramSource()).isEqualTo(CHAIN);
            assertThat(reader.seed()).isEqualTo(7);
            assertThat(reader.simulationId()).isEqualTo(11);
            assertThat(reader.tickLengthNs()).isEqualTo(10_000_000L);
            assertThat(reader.catalog()).isEqualTo(collector.catalog);
            assertThat(reader.firstTick()).isZero();
            assertThat(reader.lastTick()).isEqualTo(ticks - 1);
            assertThat(reader.ended()).isTrue();

            final List<byte[]> read = new ArrayList<>();
            final List<Long> numbers = new ArrayList<>();
            while (reader.next((buffer, offset, length, tick) -> {
                read.add(TickCollector.copy(buffer, offset, length));
                numbers.add(tick);
            })) {
                assertThat(read).hasSizeLessThanOrEqualTo((int)ticks);
            }
            assertThat(numbers).isEqualTo(collector.tickNumbers);
            for (int i = 0; i < ticks; i++) {
                assertThat(read.get(i)).as("tick %d", i).isEqualTo(collector.ticks.get(i));
            }
            // Not vacuous: the ticks carry traffic and histograms.
            final TickSummaryDecoder.ServicesDecoder s = decode(read.get((int)ticks - 1)).services();
            assertThat(s.count()).isEqualTo(3);
            assertThat(s.next().arrivals()).isPositive();
            assertThat(s.histogramLength()).isPositive();
        }
    }

    @Test
    void shouldWriteRunPropertiesAndDiagramBeforeAnyTick() throws Exception {
        final Path journal = dir.resolve("a/b");
        try (JournalWriter writer = JournalWriter.create(journal, DiagramLoader.parse(CHAIN), -5, 42)) {
            assertThat(writer.directory()).isEqualTo(journal);
            assertThat(JournalLayout.isJournal(journal)).isTrue();
            assertThat(Files.readString(journal.resolve(JournalLayout.DIAGRAM_FILE))).isEqualTo(CHAIN);
            final Properties run = new Properties();
            try (Reader in = Files.newBufferedReader(journal.resolve(JournalLayout.RUN_FILE), StandardCharsets.UTF_8)) {
                run.load(in);
            }
            assertThat(run.getProperty("seed")).isEqualTo("-5");
            assertThat(run.getProperty("simulationId")).isEqualTo("42");
            assertThat(run.getProperty("schemaId")).isEqualTo("7477");
            assertThat(run.getProperty("schemaVersion")).isEqualTo(String.valueOf(io.tickwire.codec.Schema.VERSION));
            assertThat(run.getProperty("tickLengthNs")).isEqualTo("10000000");
            assertThat(run.getProperty("name")).isEqualTo("chain-test");
            assertThat(run.getProperty("created")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z");

            try (JournalReader reader = JournalReader.open(journal)) {
                assertThat(reader.seed()).isEqualTo(-5);
                assertThat(reader.simulationId()).isEqualTo(42);
                assertThat(reader.diagramSource()).isEqualTo(CHAIN);
                assertThat(reader.catalog()).isNull();
                assertThat(reader.firstTick()).isEqualTo(-1);
                assertThat(reader.lastTick()).isEqualTo(-1);
                assertThat(reader.ended()).isFalse();
                assertThat(reader.seek(0)).isFalse();
                assertThat(reader.next((b, o, l, t) -> { })).isFalse();

                // The reader follows the journal as it grows.
                Messages.writeTicks(writer, 3);
                assertThat(reader.catalog()).isEqualTo(bytes(Messages.catalog()));
                assertThat(reader.lastTick()).isEqualTo(2);
                final List<Long> seen = new ArrayList<>();
                while (reader.next((b, o, l, t) -> seen.add(t))) {
                    assertThat(seen).hasSizeLessThan(4);
                }
                assertThat(seen).containsExactly(0L, 1L, 2L);
                writer.onEnd(2, TickListener.EndReason.STOPPED);
                assertThat(reader.ended()).isTrue();
                assertThat(reader.next((b, o, l, t) -> seen.add(t))).isFalse();
            }
        }
    }

    @Test
    void shouldRefuseToOverwriteAnExistingJournal() throws IOException {
        final Path journal = dir.resolve("run");
        try (JournalWriter writer = JournalWriter.create(journal, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 10);
        }
        assertThatThrownBy(() -> JournalWriter.create(journal, Messages.diagram(), 2, 2))
            .isInstanceOf(IOException.class)
            .hasMessage("journal already exists: " + journal);

        // Also when only part of one is there (a queue without run.properties).
        final Path partial = dir.resolve("partial");
        Files.createDirectories(partial.resolve(JournalLayout.QUEUE_DIR));
        assertThatThrownBy(() -> JournalWriter.create(partial, Messages.diagram(), 2, 2))
            .isInstanceOf(IOException.class)
            .hasMessage("journal already exists: " + partial);

        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.seed()).isEqualTo(1);
            assertThat(reader.lastTick()).isEqualTo(9);
        }
    }

    @Test
    void shouldJournalFromOffHeapAndOffsetBuffers() throws IOException {
        final Path journal = dir.resolve("off-heap");
        final byte[] tick0 = Messages.tickBytes(0);
        final byte[] tick1 = Messages.tickBytes(1);
        try (JournalWriter writer = JournalWriter.create(journal, Messages.diagram(), 1, 1)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(tick0.length + 16));
            direct.putBytes(16, tick0);
            writer.onTick(direct, 16, tick0.length, 0, false);
            final byte[] padded = new byte[tick1.length + 40];
            System.arraycopy(tick1, 0, padded, 40, tick1.length);
            final UnsafeBuffer slice = new UnsafeBuffer(padded, 8, padded.length - 8); // wrapAdjustment 8
            writer.onTick(slice, 32, tick1.length, 1, true);
        }
        try (JournalReader reader = JournalReader.open(journal)) {
            final List<byte[]> read = new ArrayList<>();
            while (reader.next((b, o, l, t) -> read.add(TickCollector.copy(b, o, l)))) {
                assertThat(read).hasSizeLessThan(3);
            }
            assertThat(read).containsExactly(tick0, tick1);
        }
    }

    @Test
    void shouldAppendTicksWithoutAllocating() throws IOException {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        // A 30-service tick of ~8 KB: the measured 10,000 cross a 64 MB mapping chunk of the queue file.
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(16 * 1024);
        final int length = Messages.tick(buffer, 200, 30, 201);
        final int measured = 10_000;
        try (JournalWriter writer = JournalWriter.create(dir.resolve("alloc"), Messages.diagram(), 1, 1)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            long tick = 0;
            for (; tick < 5_000; tick++) { // warm-up: JIT, first mapping, index arrays
                buffer.putLong(TICK_OFFSET, tick);
                writer.onTick(buffer, 0, length, tick, true);
            }
            final long threadId = Thread.currentThread().getId();
            final long before = threads.getThreadAllocatedBytes(threadId);
            for (final long end = tick + measured; tick < end; tick++) {
                buffer.putLong(TICK_OFFSET, tick);
                writer.onTick(buffer, 0, length, tick, true);
            }
            final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            final double perTick = allocated / (double)measured;
            System.out.printf("journal append: %d ticks of %d bytes, %d bytes allocated, %.3f bytes/tick%n",
                measured, length, allocated, perTick);
            assertThat(perTick).isLessThan(64.0);
            assertThat(writer.ticksWritten()).isEqualTo(tick);
        }
    }

    @Test
    void shouldEscapeRunPropertiesValues() throws IOException {
        final String value = " lead: a=b # c! \\ \t\n\r\f é";
        final Properties run = new Properties();
        run.load(new java.io.StringReader("name=" + JournalWriter.escape(value) + "\n"));
        assertThat(run.getProperty("name")).isEqualTo(value);
    }

    private static TickSummaryDecoder decode(final byte[] bytes) {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final io.tickwire.sbe.MessageHeaderDecoder header = new io.tickwire.sbe.MessageHeaderDecoder().wrap(buffer, 0);
        return new TickSummaryDecoder().wrap(buffer, 8, header.blockLength(), header.version());
    }

    private static byte[] bytes(final UnsafeBuffer buffer) {
        return TickCollector.copy(buffer, 0, buffer.capacity());
    }
}
