package io.tickwire.journal;

import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;

/**
 * What {@code verify} proves of an observed run's journal, which cannot be re-simulated (its samples came from real
 * sources): that it is consistent with itself, tick by tick.
 * <ol>
 *   <li>the catalog names, and {@code series.sbe} describes, every row a tick holds;</li>
 *   <li>ticks are consecutive from the first, each {@code simTimeNs = (tick + 1) × tickLengthNs} with the catalog's
 *       tick length, rows in ascending id order, closing times ({@code wallTimeNs}) never going back;</li>
 *   <li>each row's histogram decodes, holds exactly {@code completed} values and its largest is {@code maxNs} (to
 *       its bucket's precision); {@code meanNs = latencySumNs / completed}; {@code p50 <= p90 <= p99 <= p99.9 <=
 *       max}; a latency's every sample is in its histogram ({@code completed = arrivals});</li>
 *   <li>each row's values: {@code valueMin <= value <= valueMax}; a gauge's or latency's {@code valueSum} between
 *       {@code arrivals × valueMin} and {@code arrivals × valueMax}; a counter's increase {@code valueSum >= 0};
 *       {@code late >= 0};</li>
 *   <li>if the end is journaled, its last sequence is the last tick.</li>
 * </ol>
 * Not provable from the journal: that the values are the ones the sources sent.
 */
public final class ObservedJournalCheck {
    private final CatalogInfo catalog;
    private final long tickLengthNs;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder summary = new TickSummaryDecoder();
    private final UnsafeBuffer histogramView = new UnsafeBuffer(0, 0);
    private long expected = -1;
    private long lastWallTimeNs = Long.MIN_VALUE;
    private long checked;
    private String problem;

    private ObservedJournalCheck(final CatalogInfo catalog, final long tickLengthNs) {
        this.catalog = catalog;
        this.tickLengthNs = tickLengthNs;
    }

    /** The result: ticks checked, and the first problem found (null if none). */
    public record Result(long ticks, String problem) {
    }

    /** Check the journal of an observed run from its first tick to its last. */
    public static Result check(final JournalReader reader) throws IOException {
        final byte[] catalogBytes = reader.catalog();
        if (catalogBytes == null) {
            throw new IOException("journal " + reader.directory() + " has no catalog: its run never started");
        }
        final CatalogInfo catalog = CatalogInfo.decode(catalogBytes, reader.series());
        final ObservedJournalCheck check = new ObservedJournalCheck(catalog, reader.tickLengthNs());
        if (catalog.tickLengthNs() != reader.tickLengthNs()) {
            return new Result(0, "catalog: tickLengthNs " + catalog.tickLengthNs() + ", run.properties says "
                + reader.tickLengthNs());
        }
        check.expected = reader.firstTick();
        while (check.problem == null && reader.next(check::tick)) {
            // checked in tick()
        }
        if (check.problem == null && reader.ended() && reader.lastTick() != check.expected - 1) {
            check.problem = "end: its last sequence is " + reader.lastTick() + ", the last tick " + (check.expected - 1);
        }
        return new Result(check.checked, check.problem);
    }

    private void tick(final org.agrona.DirectBuffer buffer, final int offset, final int length, final long tick) {
        header.wrap(buffer, offset);
        summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        if (tick != expected) {
            fail(tick, "follows tick " + (expected - 1));
            return;
        }
        expected++;
        if (summary.tickLengthNs() != tickLengthNs || summary.simTimeNs() != (tick + 1) * tickLengthNs) {
            fail(tick, "simTimeNs " + summary.simTimeNs() + ", tickLengthNs " + summary.tickLengthNs());
            return;
        }
        if (summary.wallTimeNs() < lastWallTimeNs) {
            fail(tick, "closed (wallTimeNs " + summary.wallTimeNs() + ") before the tick before it");
            return;
        }
        lastWallTimeNs = summary.wallTimeNs();
        int previous = -1;
        for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
            final int id = s.serviceId();
            final String at = "row " + id + " (" + catalog.name(id) + ")";
            if (id <= previous) {
                fail(tick, at + " after row " + previous);
                return;
            }
            previous = id;
            if (catalog.series(id) == null) {
                fail(tick, at + " is not described by the catalog");
                return;
            }
            final String wrong = row(s, catalog.kind(id));
            if (wrong != null) {
                fail(tick, at + ": " + wrong);
                return;
            }
        }
        checked++;
    }

    private String row(final TickSummaryDecoder.ServicesDecoder s, final MetricKind kind) {
        final long arrivals = s.arrivals();
        final long completed = s.completed();
        final long sum = s.latencySumNs();
        final long p50 = s.p50Ns();
        final long p90 = s.p90Ns();
        final long p99 = s.p99Ns();
        final long p999 = s.p999Ns();
        final long max = s.maxNs();
        final long mean = s.meanNs();
        final double value = s.value();
        final double min = s.valueMin();
        final double vmax = s.valueMax();
        final double valueSum = s.valueSum();
        final long late = s.late();
        s.wrapHistogram(histogramView);
        final Histogram h;
        try {
            h = CompressedHistogramEncoder.decode(histogramView, 0, histogramView.capacity());
        } catch (final RuntimeException ex) {
            return "its histogram does not decode: " + ex.getMessage();
        }
        if (h.getTotalCount() != completed) {
            return "histogram holds " + h.getTotalCount() + " values, completed " + completed;
        }
        if (completed > 0) {
            if (!h.valuesAreEquivalent(h.getMaxValue(), max)) {
                return "histogram's largest value " + h.getMaxValue() + ", maxNs " + max;
            }
            if (mean != sum / completed) {
                return "meanNs " + mean + ", latencySumNs / completed " + sum / completed;
            }
            if (!(p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max)) {
                return "percentiles out of order: " + p50 + ", " + p90 + ", " + p99 + ", " + p999 + ", max " + max;
            }
        }
        if (kind == MetricKind.LATENCY && completed != arrivals) {
            return "a latency's " + arrivals + " samples, " + completed + " in its histogram";
        }
        if (late < 0) {
            return "late " + late;
        }
        if (!Double.isNaN(value) && !(min <= value && value <= vmax)) {
            return "value " + value + " outside [" + min + ", " + vmax + "]";
        }
        if (kind == MetricKind.COUNTER && valueSum < 0) {
            return "a counter's increase " + valueSum;
        }
        if ((kind == MetricKind.GAUGE || kind == MetricKind.LATENCY) && arrivals > 0) {
            final double slack = 1e-9 * Math.max(1, Math.abs(valueSum));
            if (valueSum < arrivals * min - slack || valueSum > arrivals * vmax + slack) {
                return "valueSum " + valueSum + " of " + arrivals + " samples in [" + min + ", " + vmax + "]";
            }
        }
        return null;
    }

    private void fail(final long tick, final String what) {
        problem = "inconsistent at tick " + tick + ": " + what;
    }
}
