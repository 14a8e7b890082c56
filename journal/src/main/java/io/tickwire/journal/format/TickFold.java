package io.tickwire.journal.format;

import io.tickwire.journal.CatalogInfo;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The one fold of tick figures: {@code TickSummary} messages added one by one into per-service
 * ({@link ServiceFigures}) and per-entry-point ({@link EntryFigures}) sums and merged latency histograms, over the
 * span of simulated time they cover. A report is one fold over the window after its warm-up ({@link RunReport}); a
 * windowed export or a plot is one fold per window, {@link #reset() reset} between them ({@link WindowRollup}).
 * Every figure derived from the sums is computed in {@link Figures}, for a fold as for a single tick.
 * <p>
 * Each figure is combined the way it must be: counts and cost summed; gauges (storage, servers, queue depth) at the
 * last tick; percentiles from the ticks' HdrHistograms merged ({@link HistogramFolder}, without decoding them),
 * never from averaging the ticks' percentiles; time averages from the exact integrals over the span.
 * <p>
 * <b>Not thread safe.</b> Adding a tick allocates nothing once every service and entry point has been seen; the
 * histograms grow (once) to the largest latency seen. {@link #close()} frees the folder's inflater; the figures stay
 * readable.
 */
public final class TickFold implements AutoCloseable {
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder summary = new TickSummaryDecoder();
    private final UnsafeBuffer histogramView = new UnsafeBuffer(0, 0);
    private final HistogramFolder folder = new HistogramFolder();
    private final CatalogInfo catalog;
    private final boolean[] include;
    private final boolean foldEntries;
    private ServiceFigures[] serviceById = new ServiceFigures[0];
    private ServiceFigures[] services = new ServiceFigures[0];
    private EntryFigures[] entryById = new EntryFigures[0];
    private EntryFigures[] entries = new EntryFigures[0];
    private long ticks;
    private long firstTick;
    private long lastTick;
    private long startNs;
    private long endNs;
    private long wallTimeNs;

    /**
     * @param catalog the journal's catalog: names, and the services and load sources there are.
     * @param include services to fold, by id (true to include); null for all.
     * @param entries true to fold the entry points too; false skips them (each costs a histogram merge a tick).
     */
    public TickFold(final CatalogInfo catalog, final boolean[] include, final boolean entries) {
        this.catalog = catalog;
        this.include = include;
        this.foldEntries = entries;
        for (int id = 0; id < catalog.serviceCount(); id++) {
            if (included(id)) {
                serviceOf(id);
            }
        }
        if (entries) {
            for (int id = 0; id < catalog.sourceCount(); id++) {
                entryOf(id);
            }
        }
    }

    /** Simulated time at the start of the {@code TickSummary} at {@code offset} (header included). */
    public long tickStartNs(final DirectBuffer buffer, final int offset) {
        wrap(buffer, offset);
        return summary.simTimeNs() - summary.tickLengthNs();
    }

    /** Fold the {@code TickSummary} at {@code offset} (header included), tick number {@code tick}. */
    public void add(final DirectBuffer buffer, final int offset, final long tick) {
        final TickSummaryDecoder summary = wrap(buffer, offset);
        final long tickLengthNs = summary.tickLengthNs();
        final long endNs = summary.simTimeNs();
        if (ticks == 0) {
            firstTick = tick;
            startNs = endNs - tickLengthNs;
        }
        ticks++;
        lastTick = tick;
        this.endNs = endNs;
        wallTimeNs = summary.wallTimeNs();
        for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
            final int id = s.serviceId();
            if (included(id)) {
                serviceOf(id).add(s, tickLengthNs, folder, histogramView);
            } else {
                s.skipHistogram();
            }
        }
        if (foldEntries) {
            // After the services group (SBE reads in order); empty in ticks before schema version 2.
            for (final TickSummaryDecoder.EntriesDecoder e : summary.entries()) {
                entryOf(e.sourceId()).add(e, folder, histogramView);
            }
        }
    }

    /** Forget every tick: zero the sums and the span (gauges keep their last value, as between two ticks). */
    public void reset() {
        ticks = 0;
        for (final ServiceFigures s : services) {
            s.reset();
        }
        for (final EntryFigures e : entries) {
            e.reset();
        }
    }

    @Override
    public void close() {
        folder.close();
    }

    /** Ticks folded since the last reset. */
    public long ticks() {
        return ticks;
    }

    public long firstTick() {
        return firstTick;
    }

    public long lastTick() {
        return lastTick;
    }

    /** Simulated time at the start of the first tick folded. */
    public long startNs() {
        return startNs;
    }

    /** Simulated time at the end of the last tick folded. */
    public long endNs() {
        return endNs;
    }

    /** {@code endNs - startNs}: the span of simulated time every rate and time average is over. */
    public long lengthNs() {
        return endNs - startNs;
    }

    /** Wall-clock (epoch) time at which the last tick folded closed. */
    public long wallTimeNs() {
        return wallTimeNs;
    }

    /** Services folded: the catalog's included ones, and any other a tick named. */
    public int serviceCount() {
        return services.length;
    }

    /** The i-th service folded, in id order (not necessarily id {@code i} when some are not included). */
    public ServiceFigures service(final int i) {
        return services[i];
    }

    /** Entry points folded (none unless constructed to fold them). */
    public int entryCount() {
        return entries.length;
    }

    /** The i-th entry point folded, in source id order. */
    public EntryFigures entry(final int i) {
        return entries[i];
    }

    private TickSummaryDecoder wrap(final DirectBuffer buffer, final int offset) {
        header.wrap(buffer, offset);
        return summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }

    private boolean included(final int id) {
        return include == null || (id < include.length && include[id]);
    }

    private ServiceFigures serviceOf(final int id) {
        if (id < serviceById.length && serviceById[id] != null) {
            return serviceById[id];
        }
        if (id >= serviceById.length) {
            serviceById = Arrays.copyOf(serviceById, id + 1);
        }
        final ServiceFigures created = new ServiceFigures(this, id, catalog.name(id));
        serviceById[id] = created;
        services = inIdOrder(serviceById, new ServiceFigures[0]);
        return created;
    }

    private EntryFigures entryOf(final int id) {
        if (id < entryById.length && entryById[id] != null) {
            return entryById[id];
        }
        if (id >= entryById.length) {
            entryById = Arrays.copyOf(entryById, id + 1);
        }
        final int target = catalog.target(id);
        final EntryFigures created = new EntryFigures(this, id, catalog.sourceName(id),
            target < 0 ? "" : catalog.name(target));
        entryById[id] = created;
        entries = inIdOrder(entryById, new EntryFigures[0]);
        return created;
    }

    /** The non-null elements of {@code byId}, in id order. */
    private static <T> T[] inIdOrder(final T[] byId, final T[] empty) {
        int n = 0;
        for (final T x : byId) {
            n += x == null ? 0 : 1;
        }
        final T[] list = Arrays.copyOf(empty, n);
        n = 0;
        for (final T x : byId) {
            if (x != null) {
                list[n++] = x;
            }
        }
        return list;
    }
}
