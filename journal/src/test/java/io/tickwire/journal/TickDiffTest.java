package io.tickwire.journal;

import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** One real tick, altered one field at a time: each difference is named by its field; the wall clock is ignored. */
@Timeout(60)
class TickDiffTest {
    private static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;

    @TempDir
    static Path dir;
    private static byte[] tick;
    private static byte[] catalog;
    private static CatalogInfo names;

    @BeforeAll
    static void takeARealTick() throws Exception {
        final Path journal = dir.resolve("j");
        SimulatedJournals.run(journal, SimulatedJournals.TWO_SYSTEMS, 3, 120, 1);
        try (JournalReader reader = JournalReader.open(journal)) {
            catalog = reader.catalog();
            assertThat(reader.seek(100)).isTrue();
            assertThat(reader.next((buffer, offset, length, t) -> {
                tick = new byte[length];
                buffer.getBytes(offset, tick);
            })).isTrue();
        }
        names = CatalogInfo.decode(catalog);
    }

    @Test
    void shouldIgnoreOnlyTheWallClock() {
        final byte[] copy = tick.clone();
        new UnsafeBuffer(copy).putLong(HEADER + TickSummaryDecoder.wallTimeNsEncodingOffset(), 42);
        assertThat(compare(tick, copy)).isNull();
        assertThat(compare(tick, tick.clone())).isNull();
    }

    @Test
    void shouldNameADifferingFieldOfAService() {
        final byte[] copy = tick.clone();
        final int db = serviceOffset(copy, 1);
        final UnsafeBuffer buffer = new UnsafeBuffer(copy);
        final int at = db + TickSummaryDecoder.ServicesDecoder.p99NsEncodingOffset();
        final long p99 = buffer.getLong(at);
        buffer.putLong(at, p99 + 1);
        assertThat(compare(tick, copy)).isEqualTo("services[db].p99Ns journal=" + p99 + " simulated=" + (p99 + 1));

        final byte[] replicas = tick.clone();
        new UnsafeBuffer(replicas).putInt(db + TickSummaryDecoder.ServicesDecoder.readyReplicasEncodingOffset(), 9);
        assertThat(compare(tick, replicas)).startsWith("services[db].readyReplicas journal=").endsWith(" simulated=9");
    }

    @Test
    void shouldNameADifferingTopLevelField() {
        final byte[] copy = tick.clone();
        final UnsafeBuffer buffer = new UnsafeBuffer(copy);
        buffer.putLong(HEADER + TickSummaryDecoder.simTimeNsEncodingOffset(), 7);
        assertThat(compare(tick, copy)).isEqualTo("simTimeNs journal=1010000000 simulated=7");
    }

    @Test
    void shouldNameADifferingByteOfAHistogram() {
        final byte[] copy = tick.clone();
        final UnsafeBuffer buffer = new UnsafeBuffer(copy);
        final int front = serviceOffset(copy, 0);
        // The histogram follows the service's block: a 4-byte length, then the bytes; alter its last byte.
        final int lengthAt = front + TickSummaryDecoder.ServicesDecoder.sbeBlockLength();
        final int length = buffer.getInt(lengthAt);
        assertThat(length).isPositive();
        final int last = lengthAt + 4 + length - 1;
        final byte before = copy[last];
        copy[last] ^= 0x5a;
        assertThat(compare(tick, copy)).isEqualTo(String.format("services[front].histogram[%d] journal=0x%02x "
            + "simulated=0x%02x", length - 1, before & 0xff, copy[last] & 0xff));
    }

    @Test
    void shouldNameADifferingFieldOfAnEntryPoint() {
        final byte[] copy = tick.clone();
        final UnsafeBuffer buffer = new UnsafeBuffer(copy);
        final TickSummaryDecoder d = decode(copy);
        final TickSummaryDecoder.ServicesDecoder services = d.services();
        while (services.hasNext()) {
            services.next().skipHistogram();
        }
        final TickSummaryDecoder.EntriesDecoder entries = d.entries();
        assertThat(entries.count()).isEqualTo(2);
        entries.next().skipHistogram();
        entries.next();
        final int at = d.limit() - TickSummaryDecoder.EntriesDecoder.sbeBlockLength()
            + TickSummaryDecoder.EntriesDecoder.completedEncodingOffset();
        final long completed = buffer.getLong(at);
        buffer.putLong(at, completed + 3);
        assertThat(names.sourceName(1)).isNotBlank();
        assertThat(compare(tick, copy)).isEqualTo("entries[" + names.sourceName(1) + "].completed journal="
            + completed + " simulated=" + (completed + 3));
    }

    @Test
    void shouldNameTheLengthWhenOnlyTrailingBytesDiffer() {
        final byte[] longer = Arrays.copyOf(tick, tick.length + 1);
        assertThat(compare(longer, tick)).isEqualTo("length journal=" + longer.length + " simulated=" + tick.length);
    }

    @Test
    void shouldCompareCatalogsIgnoringStartTimeWorkersAndSchemaVersion() {
        final byte[] copy = catalog.clone();
        final UnsafeBuffer buffer = new UnsafeBuffer(copy);
        buffer.putLong(HEADER + CatalogDecoder.startWallTimeNsEncodingOffset(), 1);
        buffer.putShort(HEADER + CatalogDecoder.workersEncodingOffset(), (short)9);
        // A journal of an older schema version is re-simulated at the current one.
        buffer.putShort(HEADER + CatalogDecoder.schemaVersionEncodingOffset(), (short)3);
        assertThat(TickDiff.compareCatalogs(catalog, copy)).isNull();

        buffer.putLong(HEADER + CatalogDecoder.seedEncodingOffset(), 4);
        assertThat(TickDiff.compareCatalogs(catalog, copy)).isEqualTo("seed journal=3 simulated=4");
    }

    private static String compare(final byte[] journal, final byte[] simulated) {
        return new TickDiff(names).compareTicks(new UnsafeBuffer(journal), 0, journal.length,
            new UnsafeBuffer(simulated), 0, simulated.length);
    }

    /** Where service number {@code index}'s block starts in {@code message}. */
    private static int serviceOffset(final byte[] message, final int index) {
        final TickSummaryDecoder d = decode(message);
        final TickSummaryDecoder.ServicesDecoder services = d.services();
        for (int i = 0; i < index; i++) {
            services.next().skipHistogram();
        }
        services.next();
        return d.limit() - TickSummaryDecoder.ServicesDecoder.sbeBlockLength();
    }

    private static TickSummaryDecoder decode(final byte[] message) {
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        return new TickSummaryDecoder().wrap(buffer, HEADER, header.blockLength(), header.version());
    }
}
