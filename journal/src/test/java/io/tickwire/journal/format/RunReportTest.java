package io.tickwire.journal.format;

import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.JournalWriter;
import io.tickwire.journal.test.Messages;
import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The report of a real run against a reference computed the obvious way: every tick in memory, each tick's
 * histogram decoded and added with {@link Histogram#add}.
 */
@Timeout(60)
class RunReportTest {
    private static final long TICKS = 1_500; // 15 s of 10 ms ticks
    private static final long TICK_NS = 10_000_000L;

    @TempDir
    static Path dir;
    private static Path journal;

    @BeforeAll
    static void journalARun() throws Exception {
        journal = dir.resolve("two-systems");
        SimulatedJournals.run(journal, SimulatedJournals.TWO_SYSTEMS, 21, TICKS, 2);
    }

    @Test
    void shouldMatchTheReferenceOverTheWholeRun() throws IOException {
        assertMatchesReference(0);
    }

    @Test
    void shouldMatchTheReferenceAfterAWarmUp() throws IOException {
        final RunReport report = assertMatchesReference(5_000_000_000L);
        assertThat(report.windowStartNs()).isEqualTo(5_000_000_000L);
        assertThat(report.windowNs()).isEqualTo(10_000_000_000L);
    }

    @Test
    void shouldRoundAWarmUpInsideATickUpToTheNextTick() throws IOException {
        final RunReport report = assertMatchesReference(5_000_000_001L);
        assertThat(report.windowStartNs()).isEqualTo(5_010_000_000L);
        assertThat(report.warmupNs()).isEqualTo(5_000_000_001L);
        assertThat(report.windowNs()).isEqualTo(TICKS * TICK_NS - 5_010_000_000L);
    }

    @Test
    void shouldDescribeTheRun() throws IOException {
        try (JournalReader reader = JournalReader.open(journal)) {
            final RunReport report = RunReport.compute(reader, 0);
            assertThat(report.simulationName()).isEqualTo("two-systems");
            assertThat(report.seed()).isEqualTo(21);
            assertThat(report.simulationId()).isEqualTo(5);
            assertThat(report.ticks()).isEqualTo(TICKS);
            assertThat(report.simulatedNs()).isEqualTo(TICKS * TICK_NS);
            assertThat(report.services()).extracting(ServiceFigures::name)
                .containsExactly("front", "db", "batch");
            final ServiceFigures front = report.services().get(0);
            // Not vacuous: the run rejects, fails, and keeps its servers busy.
            assertThat(front.rejected()).isPositive();
            assertThat(front.errors()).isPositive();
            assertThat(front.timeouts()).isZero();
            assertThat(front.utilization()).isBetween(0.3, 1.0);
            assertThat(front.p50Ns()).isLessThanOrEqualTo(front.p90Ns());
            assertThat(front.p99Ns()).isLessThanOrEqualTo(front.p999Ns()).isLessThanOrEqualTo(front.maxNs());
            // L = λW per service, up to the requests straddling the window's edges.
            for (final ServiceFigures s : report.services()) {
                assertThat(s.littleRatio()).as(s.name()).isCloseTo(1.0, within(0.01));
            }
        }
    }

    @Test
    void shouldRefuseAWarmUpOutsideTheRun() throws IOException {
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThatThrownBy(() -> RunReport.compute(reader, TICKS * TICK_NS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warm-up")
                .hasMessageContaining("15.0 s");
            // Inside the last tick: no whole tick would be left.
            assertThatThrownBy(() -> RunReport.compute(reader, TICKS * TICK_NS - 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no whole tick");
            // At the start of the last tick: exactly one.
            assertThat(RunReport.compute(reader, (TICKS - 1) * TICK_NS).windowNs()).isEqualTo(TICK_NS);
            assertThatThrownBy(() -> RunReport.compute(reader, -1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldRefuseAJournalWithoutTicks(@TempDir final Path empty) throws IOException {
        try (JournalWriter writer = JournalWriter.create(empty, Messages.diagram(), 1, 1)) {
            final UnsafeBuffer catalog = Messages.catalog();
            writer.onCatalog(catalog, 0, catalog.capacity());
        }
        try (JournalReader reader = JournalReader.open(empty)) {
            assertThatThrownBy(() -> RunReport.compute(reader, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no ticks");
        }
    }

    @Test
    void shouldLeaveFiguresOfTheIntegralsUnknownForTicksOfSchemaVersion1(@TempDir final Path old) throws Exception {
        // The run's first 100 ticks, each marked as of schema version 1: no time integrals, no entries.
        try (JournalReader reader = JournalReader.open(journal);
             JournalWriter writer = JournalWriter.create(old, Messages.diagram(), 21, 5)) {
            final byte[] catalog = reader.catalog();
            writer.onCatalog(new UnsafeBuffer(catalog), 0, catalog.length);
            for (int t = 0; t < 100; t++) {
                assertThat(reader.next((buffer, offset, length, tick) -> {
                    final UnsafeBuffer v1 = new UnsafeBuffer(new byte[length]);
                    v1.putBytes(0, buffer, offset, length);
                    v1.putShort(6, (short)1); // the header's version
                    writer.onTick(v1, 0, length, tick, true);
                })).isTrue();
            }
        }
        final RunReport report;
        try (JournalReader reader = JournalReader.open(old)) {
            report = RunReport.compute(reader, 0);
        }
        final ServiceFigures front = report.services().get(0);
        assertThat(front.integralsKnown()).isFalse();
        assertThat(front.utilization()).isNaN();
        assertThat(front.meanQueue()).isNaN();
        assertThat(front.meanInSystem()).isNaN();
        assertThat(front.littleRatio()).isNaN();
        // What does not need them is still there.
        assertThat(front.completed()).isPositive();
        assertThat(front.p99Ns()).isPositive();
        assertThat(front.throughputPerSecond()).isPositive();
        assertThat(report.entries()).isEmpty();
    }

    @Test
    void shouldReportEachEntryPointEndToEnd() throws IOException {
        final RunReport report;
        try (JournalReader reader = JournalReader.open(journal)) {
            report = RunReport.compute(reader, 0);
        }
        assertThat(report.entries()).hasSize(2);
        final EntryFigures intoFront = report.entries().get(0);
        final EntryFigures intoBatch = report.entries().get(1);
        assertThat(intoFront.target()).isEqualTo("front");
        assertThat(intoBatch.target()).isEqualTo("batch");
        final ServiceFigures front = report.services().get(0);
        final ServiceFigures db = report.services().get(1);
        // Requests rejected at the front never enter; the others leave the system once, after the front and
        // perhaps the db, so end to end is no faster than the front alone.
        assertThat(intoFront.rejected()).isGreaterThanOrEqualTo(front.rejected());
        assertThat(intoFront.completed()).isPositive().isLessThanOrEqualTo(front.completed());
        assertThat(intoFront.meanNs()).isGreaterThan(front.meanNs()).isLessThan(front.meanNs() + db.meanNs() + 1e6);
        assertThat(intoFront.p50Ns()).isLessThanOrEqualTo(intoFront.p99Ns()).isLessThanOrEqualTo(intoFront.maxNs());
        assertThat(intoFront.throughputPerSecond()).isCloseTo(intoFront.completed() / 15.0, within(1e-9));
        assertThat(intoBatch.completed()).isPositive();
    }

    private static RunReport assertMatchesReference(final long warmupNs) throws IOException {
        final RunReport report;
        try (JournalReader reader = JournalReader.open(journal)) {
            report = RunReport.compute(reader, warmupNs);
        }
        final Reference[] entries = {new Reference(), new Reference()};
        final Reference[] expected = reference(warmupNs, entries);
        assertThat(report.services()).hasSize(expected.length);
        final long windowNs = report.windowNs();
        assertThat(windowNs).isEqualTo(expected[0].ticks * TICK_NS);
        for (int i = 0; i < expected.length; i++) {
            final ServiceFigures s = report.services().get(i);
            final Reference r = expected[i];
            assertThat(s.arrivals()).as("arrivals of %s", s.name()).isEqualTo(r.arrivals);
            assertThat(s.completed()).isEqualTo(r.completed).isPositive();
            assertThat(s.errors()).isEqualTo(r.errors);
            assertThat(s.rejected()).isEqualTo(r.rejected);
            assertThat(s.latencySumNs()).isEqualTo(r.latencySumNs);
            assertThat(s.meanNs()).isEqualTo((double)r.latencySumNs / r.completed);
            assertThat(s.maxNs()).isEqualTo(r.maxNs);
            assertThat(s.histogram()).isEqualTo(r.histogram);
            assertThat(s.p50Ns()).isEqualTo(Math.min(r.histogram.getValueAtPercentile(50), r.maxNs));
            assertThat(s.p90Ns()).isEqualTo(Math.min(r.histogram.getValueAtPercentile(90), r.maxNs));
            assertThat(s.p99Ns()).isEqualTo(Math.min(r.histogram.getValueAtPercentile(99), r.maxNs));
            assertThat(s.p999Ns()).isEqualTo(Math.min(r.histogram.getValueAtPercentile(99.9), r.maxNs));
            assertThat(s.utilization()).isCloseTo((double)r.busyTimeNs / (r.servers * windowNs), within(1e-12));
            assertThat(s.meanQueue()).isCloseTo((double)r.queueTimeNs / windowNs, within(1e-12));
            assertThat(s.meanInSystem()).isCloseTo((double)(r.busyTimeNs + r.queueTimeNs) / windowNs,
                within(1e-12));
            final double lambda = r.completed / (windowNs / 1e9);
            assertThat(s.throughputPerSecond()).isCloseTo(lambda, within(1e-9));
            final double w = (double)r.latencySumNs / r.completed / 1e9;
            assertThat(s.littleLambdaW()).isCloseTo(lambda * w, within(1e-9));
            assertThat(s.littleRatio()).isCloseTo(s.meanInSystem() / (lambda * w), within(1e-9));
        }
        assertThat(report.entries()).hasSize(entries.length);
        for (int i = 0; i < entries.length; i++) {
            final EntryFigures e = report.entries().get(i);
            final Reference r = entries[i];
            assertThat(e.completed()).as("completed from %s", e.name()).isEqualTo(r.completed).isPositive();
            assertThat(e.errors()).isEqualTo(r.errors);
            assertThat(e.rejected()).isEqualTo(r.rejected);
            assertThat(e.latencySumNs()).isEqualTo(r.latencySumNs);
            assertThat(e.maxNs()).isEqualTo(r.maxNs);
            assertThat(e.histogram()).isEqualTo(r.histogram);
            assertThat(e.p99Ns()).isEqualTo(Math.min(r.histogram.getValueAtPercentile(99), r.maxNs));
            assertThat(e.p999Ns()).isEqualTo(Math.min(r.histogram.getValueAtPercentile(99.9), r.maxNs));
        }
        return report;
    }

    /** Every tick in memory, summed the obvious way; the entry points' sums go to {@code entries}. */
    private static Reference[] reference(final long warmupNs, final Reference[] entries) {
        final List<byte[]> ticks = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            while (reader.next((buffer, offset, length, tick) -> {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                ticks.add(bytes);
            })) {
                assertThat(ticks).hasSizeLessThanOrEqualTo((int)TICKS);
            }
        } catch (final IOException ex) {
            throw new IllegalStateException(ex);
        }
        final Reference[] refs = {new Reference(), new Reference(), new Reference()};
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final TickSummaryDecoder summary = new TickSummaryDecoder();
        final UnsafeBuffer histogram = new UnsafeBuffer(0, 0);
        for (final byte[] tick : ticks) {
            final UnsafeBuffer buffer = new UnsafeBuffer(tick);
            header.wrap(buffer, 0);
            summary.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            if (summary.simTimeNs() - summary.tickLengthNs() < warmupNs) {
                continue;
            }
            for (final Reference r : refs) {
                r.ticks++;
            }
            for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                final Reference r = refs[s.serviceId()];
                r.arrivals += s.arrivals();
                r.completed += s.completed();
                r.errors += s.errors();
                r.rejected += s.rejected();
                r.latencySumNs += s.latencySumNs();
                r.busyTimeNs += s.busyTimeNs();
                r.queueTimeNs += s.queueTimeNs();
                r.servers = s.servers();
                r.maxNs = Math.max(r.maxNs, s.maxNs());
                s.wrapHistogram(histogram);
                r.histogram.add(CompressedHistogramEncoder.decode(histogram, 0, histogram.capacity()));
            }
            for (final TickSummaryDecoder.EntriesDecoder e : summary.entries()) {
                final Reference r = entries[e.sourceId()];
                r.completed += e.completed();
                r.errors += e.errors();
                r.rejected += e.rejected();
                r.latencySumNs += e.latencySumNs();
                r.maxNs = Math.max(r.maxNs, e.maxNs());
                e.wrapHistogram(histogram);
                r.histogram.add(CompressedHistogramEncoder.decode(histogram, 0, histogram.capacity()));
            }
        }
        return refs;
    }

    private static final class Reference {
        final Histogram histogram = new Histogram(3);
        long ticks;
        long arrivals;
        long completed;
        long errors;
        long rejected;
        long latencySumNs;
        long busyTimeNs;
        long queueTimeNs;
        long maxNs;
        int servers;
    }
}
