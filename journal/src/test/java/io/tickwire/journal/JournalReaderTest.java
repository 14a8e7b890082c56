package io.tickwire.journal;

import io.tickwire.engine.TickListener;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.journal.test.Messages;
import io.tickwire.journal.format.CsvExporter;
import io.tickwire.sbe.HeartbeatEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.ReplicaEventEncoder;
import io.tickwire.sbe.ReplicaEventKind;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class JournalReaderTest {
    // 2020-01-01T00:00Z: cycles in the past, as in any replay.
    private static final long START_NS = 1_577_836_800_000L * 1_000_000L;

    @TempDir
    Path dir;

    private final List<byte[]> delivered = new ArrayList<>();
    private final List<Long> ticks = new ArrayList<>();
    private final JournalReader.TickHandler collect = (buffer, offset, length, tick) -> {
        delivered.add(TickCollector.copy(buffer, offset, length));
        ticks.add(tick);
    };

    @Test
    void shouldSeekFirstMiddleLastAndBeyondLastOf100kTicks() throws IOException {
        final long count = 100_000;
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, count);
            writer.onEnd(count - 1, TickListener.EndReason.COMPLETED);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.firstTick()).isZero();
            assertThat(reader.lastTick()).isEqualTo(count - 1);
            assertThat(reader.ended()).isTrue();

            assertSeek(reader, 50_000);
            assertThat(reader.lastSeekProbes()).isLessThanOrEqualTo(17); // log2(100_002) + 1
            assertThat(next(reader)).isEqualTo(50_001);
            assertSeek(reader, 0);
            assertThat(next(reader)).isEqualTo(1);
            assertSeek(reader, count - 1);
            assertThat(reader.next(collect)).isFalse(); // the end record is not a tick

            assertSeek(reader, 12_345);
            assertThat(reader.seek(count)).isFalse();
            assertThat(reader.seek(Long.MAX_VALUE)).isFalse();
            assertThat(reader.seek(-1)).isFalse();
            assertThat(next(reader)).as("a failed seek leaves the position").isEqualTo(12_346);
            assertSeek(reader, 99_998);
            assertThat(next(reader)).isEqualTo(99_999);
            assertThat(reader.next(collect)).isFalse();
        }
    }

    @Test
    void shouldSeekAndReadAcrossRollCycles() throws IOException {
        // Catalog alone in a cycle; 1000 ticks; one tick alone; a 5-hour gap with no file; 1499 ticks; the end alone.
        final SetTimeProvider time = new SetTimeProvider(START_NS);
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1, time)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            time.advanceMillis(TimeUnit.HOURS.toMillis(1));
            Messages.appendTicks(writer, 0, 1_000);
            time.advanceMillis(TimeUnit.HOURS.toMillis(1));
            Messages.appendTicks(writer, 1_000, 1_001);
            time.advanceMillis(TimeUnit.HOURS.toMillis(5));
            Messages.appendTicks(writer, 1_001, 2_500);
            time.advanceMillis(TimeUnit.HOURS.toMillis(1));
            writer.onEnd(2_499, TickListener.EndReason.STOPPED);
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve(JournalLayout.QUEUE_DIR))) {
            assertThat(files.filter(p -> p.toString().endsWith(".cq4")).count()).as("cycle files").isEqualTo(5);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.catalog()).isEqualTo(TickCollector.copy(Messages.catalog(), 0,
                Messages.catalog().capacity()));
            assertThat(reader.firstTick()).isZero();
            assertThat(reader.lastTick()).isEqualTo(2_499);
            assertThat(reader.ended()).isTrue();

            while (reader.next(collect)) {
                assertThat(ticks).hasSizeLessThanOrEqualTo(2_500);
            }
            assertThat(ticks).hasSize(2_500);
            for (int t = 0; t < 2_500; t++) {
                assertThat(ticks.get(t)).isEqualTo(t);
                assertThat(delivered.get(t)).isEqualTo(Messages.tickBytes(t));
            }

            int maxProbes = 0;
            for (long t = 2_499; t >= 0; t--) {
                assertSeek(reader, t);
                maxProbes = Math.max(maxProbes, reader.lastSeekProbes());
                if (t < 2_499) {
                    assertThat(next(reader)).isEqualTo(t + 1);
                }
            }
            // The cycle is found in memory, then at most log2(1501) + 1 probes within it; a scan would read 2500.
            assertThat(maxProbes).isBetween(1, 11);
            assertThat(reader.seek(2_500)).isFalse();
        }
    }

    @Test
    void shouldSeekInLogarithmicProbes() throws IOException {
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 5_000);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            for (long t = 0; t < 5_000; t += 7) {
                assertSeek(reader, t);
                assertThat(reader.lastSeekProbes()).isLessThanOrEqualTo(14); // log2(5002) + 1
            }
            assertThat(reader.ended()).isFalse();
        }
    }

    @Test
    void shouldReadTicksWithoutAllocating() throws IOException {
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 30_000);
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long[] sum = new long[1];
        final JournalReader.TickHandler handler = (buffer, offset, length, tick) -> sum[0] += tick + length;
        try (JournalReader reader = JournalReader.open(dir)) {
            for (int i = 0; i < 20_000; i++) { // warm-up
                readOrFail(reader, handler);
            }
            final long threadId = Thread.currentThread().getId();
            final long before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < 10_000; i++) {
                readOrFail(reader, handler);
            }
            final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            System.out.printf("journal read: 10000 ticks, %d bytes allocated, %.3f bytes/tick%n", allocated,
                allocated / 10_000.0);
            assertThat(allocated / 10_000.0).isLessThan(64.0);
            assertThat(reader.next(handler)).isFalse();
        }
    }

    @Test
    void shouldRefuseADirectoryThatIsNotAJournal() throws IOException {
        assertThatThrownBy(() -> JournalReader.open(dir))
            .isInstanceOf(IOException.class)
            .hasMessageStartingWith("not a journal: " + dir);
        assertThatThrownBy(() -> JournalReader.open(dir.resolve("missing")))
            .isInstanceOf(IOException.class)
            .hasMessageStartingWith("not a journal: ");
        assertThat(JournalLayout.isJournal(dir)).isFalse();

        Files.createDirectory(dir.resolve(JournalLayout.QUEUE_DIR));
        Files.writeString(dir.resolve(JournalLayout.RUN_FILE), "seed=1\nsimulationId=1\nschemaId=99\n");
        assertThatThrownBy(() -> JournalReader.open(dir))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("schema id 99, expected 7477");
    }

    @Test
    void shouldDecodeOlderAndNewerSchemaVersionsAndSkipUnknownTemplates() throws IOException {
        final Path plain = dir.resolve("plain");
        try (JournalWriter writer = JournalWriter.create(plain, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 3);
        }
        final Path mixed = dir.resolve("mixed");
        try (JournalWriter writer = JournalWriter.create(mixed, Messages.diagram(), 1, 1)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            final byte[] older = Messages.tickBytes(0);
            new UnsafeBuffer(older).putShort(6, (short)0); // header version 0
            writer.onTick(new UnsafeBuffer(older), 0, older.length, 0, true);

            final UnsafeBuffer heartbeat = new UnsafeBuffer(new byte[64]);
            final int hbLength = MessageHeaderEncoder.ENCODED_LENGTH + new HeartbeatEncoder()
                .wrapAndApplyHeader(heartbeat, 0, new MessageHeaderEncoder()).lastSequence(0).encodedLength();
            writer.onTick(heartbeat, 0, hbLength, 0, true); // a template this reader does not use

            final byte[] newer = newerVersion(Messages.tickBytes(1), 8);
            writer.onTick(new UnsafeBuffer(newer), 0, newer.length, 1, true);
            final byte[] current = Messages.tickBytes(2);
            writer.onTick(new UnsafeBuffer(current), 0, current.length, 2, true);
        }
        try (JournalReader reader = JournalReader.open(mixed)) {
            assertThat(reader.lastTick()).isEqualTo(2);
            assertThat(reader.seek(1)).isTrue();
            assertThat(next(reader)).isEqualTo(1);
            assertThat(next(reader)).isEqualTo(2);
        }
        try (JournalReader a = JournalReader.open(plain); JournalReader b = JournalReader.open(mixed)) {
            final StringWriter expected = new StringWriter();
            final StringWriter actual = new StringWriter();
            assertThat(CsvExporter.export(a, expected)).isEqualTo(6);
            assertThat(CsvExporter.export(b, actual)).isEqualTo(6);
            // The version-0 tick has no busy/queue integrals nor cost (since version 2): those columns are empty.
            final StringBuilder olderBlanked = new StringBuilder();
            for (final String line : expected.toString().split("\n")) {
                final String[] cells = line.split(",", -1);
                if (cells[0].equals("0")) {
                    cells[15] = "";
                    cells[16] = "";
                    cells[17] = ""; // cost, also since version 2
                    cells[18] = "0"; // timeouts, retries and storage: since version 3, and 0 before it
                    cells[19] = "0";
                    cells[20] = "0";
                    cells[21] = ""; // replicas and ready replicas: since version 4, unknown before it
                    cells[22] = "";
                }
                olderBlanked.append(String.join(",", cells)).append('\n');
            }
            assertThat(actual.toString()).isEqualTo(olderBlanked.toString());
        }
    }

    @Test
    void shouldReadTicksPastTheirEventsAndFindTheLastTickBehindThem() throws IOException {
        // Each tick followed by its events (written by onEvent), the last ones opening a cycle of their own, no end:
        // the journal of a run that is still going, or was killed after a tick's events.
        final SetTimeProvider time = new SetTimeProvider(START_NS);
        final UnsafeBuffer event = new UnsafeBuffer(new byte[64]);
        final int eventLength = MessageHeaderEncoder.ENCODED_LENGTH + new ReplicaEventEncoder()
            .wrapAndApplyHeader(event, 0, new MessageHeaderEncoder()).tick(0).replica(1)
            .kind(ReplicaEventKind.CRASHED).encodedLength();
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1, time)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
            for (long t = 0; t < 10; t++) {
                Messages.appendTicks(writer, t, t + 1);
                if (t == 9) {
                    time.advanceMillis(TimeUnit.HOURS.toMillis(1));
                }
                writer.onEvent(event, 0, eventLength, t);
                writer.onEvent(event, 0, eventLength, t);
            }
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.ended()).isFalse();
            assertThat(reader.firstTick()).isZero();
            assertThat(reader.lastTick()).isEqualTo(9);
            while (reader.next(collect)) {
                assertThat(ticks).hasSizeLessThanOrEqualTo(10);
            }
            assertThat(ticks).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertSeek(reader, 5);
            assertThat(next(reader)).isEqualTo(6);
            assertSeek(reader, 9);
            assertThat(reader.next(collect)).isFalse();
        }
    }

    @Test
    void shouldEndTheJournalAtAnExcerptOfAnotherSchema() throws IOException {
        // What a dying writer or a full disk leaves: the ticks before it are the journal, and say so.
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 3);
            final byte[] foreign = Messages.tickBytes(3);
            new UnsafeBuffer(foreign).putShort(4, (short)999);
            writer.onTick(new UnsafeBuffer(foreign), 0, foreign.length, 3, true);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.lastTick()).isEqualTo(2);
            assertThat(reader.ended()).isTrue();
            assertThat(reader.endReason()).isNull();
            assertThat(reader.damage()).startsWith("journal " + dir + ": excerpt ")
                .endsWith(" has schema id 999, expected 7477: read as the end of the journal");
            assertThat(next(reader)).isZero();
            assertThat(next(reader)).isEqualTo(1);
            assertThat(next(reader)).isEqualTo(2);
            assertThat(reader.next(collect)).isFalse();
            assertThat(reader.next(collect)).isFalse();
            assertThat(reader.seek(1)).isTrue();
            assertThat(next(reader)).isEqualTo(1);
            assertThat(reader.seek(3)).isFalse();
        }
    }

    @Test
    void shouldEndTheJournalAtAnIncompleteTailExcerpt() throws IOException {
        try (JournalWriter writer = JournalWriter.create(dir, Messages.diagram(), 1, 1)) {
            Messages.writeTicks(writer, 2);
            writer.onTick(new UnsafeBuffer(new byte[] {24, 0, 10, 0}), 0, 4, 2, true);
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            // Followed from the start, before the reader has looked at the tail.
            assertThat(next(reader)).isZero();
            assertThat(next(reader)).isEqualTo(1);
            assertThat(reader.next(collect)).isFalse();
            assertThat(reader.damage()).endsWith(" is 4 bytes, shorter than an SBE header: read as the end of the "
                + "journal");
            assertThat(reader.lastTick()).isEqualTo(1);
            assertThat(reader.ended()).isTrue();
        }
    }

    private void assertSeek(final JournalReader reader, final long tick) {
        assertThat(reader.seek(tick)).as("seek %d", tick).isTrue();
        assertThat(next(reader)).as("tick after seek %d", tick).isEqualTo(tick);
        assertThat(delivered.get(delivered.size() - 1)).isEqualTo(Messages.tickBytes(tick));
    }

    private static void readOrFail(final JournalReader reader, final JournalReader.TickHandler handler) {
        if (!reader.next(handler)) {
            throw new AssertionError("journal ended early");
        }
    }

    private long next(final JournalReader reader) {
        assertThat(reader.next(collect)).isTrue();
        return ticks.get(ticks.size() - 1);
    }

    /** The message as a later schema version would write it: {@code extra} more bytes in the root block. */
    private static byte[] newerVersion(final byte[] message, final int extra) {
        final UnsafeBuffer in = new UnsafeBuffer(message);
        final int blockLength = in.getShort(0) & 0xFFFF;
        final int rootEnd = MessageHeaderEncoder.ENCODED_LENGTH + blockLength;
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(message.length + extra);
        out.putBytes(0, message, 0, rootEnd);
        out.putShort(0, (short)(blockLength + extra));
        out.putShort(6, (short)(io.tickwire.codec.Schema.VERSION + 1));
        out.setMemory(rootEnd, extra, (byte)0x5A);
        out.putBytes(rootEnd + extra, message, rootEnd, message.length - rootEnd);
        final byte[] bytes = new byte[message.length + extra];
        out.getBytes(0, bytes);
        return bytes;
    }
}
