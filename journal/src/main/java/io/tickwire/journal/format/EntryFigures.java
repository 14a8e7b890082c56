package io.tickwire.journal.format;

import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One load source's requests end to end over the ticks of a {@link TickFold}: from entry into the system (at the
 * source's target service) to leaving it. Ticks before schema version 2 have no entry points.
 */
public final class EntryFigures extends LatencyFigures {
    private final String target;

    EntryFigures(final TickFold fold, final int id, final String name, final String target) {
        super(fold, id, name);
        this.target = target;
    }

    /** Fold one tick's row of this entry point, histogram included. */
    void add(final TickSummaryDecoder.EntriesDecoder e, final HistogramFolder folder,
             final UnsafeBuffer histogramView) {
        final long completed = e.completed();
        addLatencies(completed, e.errors(), e.rejected(), TickFields.timeouts(e), e.latencySumNs(), e.maxNs());
        if (completed > 0) {
            e.wrapHistogram(histogramView);
            folder.addTo(histogram, histogramView, 0, histogramView.capacity());
        } else {
            e.skipHistogram();
        }
    }

    /** The name of the service its requests enter by ("" if the catalog does not say). */
    public String target() {
        return target;
    }
}
