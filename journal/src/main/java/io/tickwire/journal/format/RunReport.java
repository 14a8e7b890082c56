package io.tickwire.journal.format;

import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A run's figures per service and per entry point over a window of its journal: every tick that starts at or after
 * the warm-up, to the journal's last tick. Computed by {@link #compute} as one {@link TickFold} over those ticks, in
 * memory that does not grow with their number: a few sums and one merged latency histogram per service and entry
 * point. What each figure is, and why it is computed so: {@link ServiceFigures}, {@link LatencyFigures},
 * {@link Figures}. Printed by {@link ReportFormat} (text, JSON); {@code tickwire report --html} plots it.
 * <p>
 * Journals of schema version 1 have no integrals and no end-to-end figures: the figures made from the integrals are
 * then NaN (unknown), never 0, and there are no entries; cost is summed from the ticks (NaN for journals before it).
 */
public final class RunReport {
    private static final double NANOS_PER_SECOND = 1e9;

    private final CatalogInfo catalog;
    private final String simulationName;
    private final long simulationId;
    private final long seed;
    private final long ticks;
    private final long warmupNs;
    private final TickFold window;
    private final List<ServiceFigures> services;
    private final List<EntryFigures> entries;

    private RunReport(final CatalogInfo catalog, final long seed, final long firstJournalTick, final TickFold window,
                      final long warmupNs) {
        this.catalog = catalog;
        this.simulationName = catalog.simulationName();
        this.simulationId = catalog.simulationId();
        this.seed = seed;
        this.ticks = window.lastTick() - firstJournalTick + 1;
        this.warmupNs = warmupNs;
        this.window = window;
        // The services and entry points the window's ticks named, in id order.
        final List<ServiceFigures> serviceList = new ArrayList<>(window.serviceCount());
        for (int i = 0; i < window.serviceCount(); i++) {
            if (window.service(i).ticks() > 0) {
                serviceList.add(window.service(i));
            }
        }
        this.services = Collections.unmodifiableList(serviceList);
        final List<EntryFigures> entryList = new ArrayList<>(window.entryCount());
        for (int i = 0; i < window.entryCount(); i++) {
            if (window.entry(i).ticks() > 0) {
                entryList.add(window.entry(i));
            }
        }
        this.entries = Collections.unmodifiableList(entryList);
    }

    /**
     * Read the journal's ticks that start at or after {@code warmupNs} of simulated time (a warm-up that falls inside
     * a tick skips that whole tick) and compute the report. The reader is positioned by this method; it is left at
     * the end of the journal.
     *
     * @throws IOException              if the journal has no catalog (its run never started).
     * @throws IllegalArgumentException if the journal has no ticks, or {@code warmupNs} is negative or after the
     *                                  start of its last tick (no whole tick would be left).
     */
    public static RunReport compute(final JournalReader reader, final long warmupNs) throws IOException {
        final CatalogInfo catalog = TickRange.catalog(reader);
        final long lastTick = reader.lastTick();
        if (lastTick < 0) {
            throw new IllegalArgumentException("journal " + reader.directory() + " has no ticks");
        }
        final long tickLengthNs = reader.tickLengthNs();
        final long endNs = (lastTick + 1) * tickLengthNs;
        // A warm-up inside the last tick would leave no whole tick to report on.
        if (warmupNs < 0 || warmupNs > endNs - tickLengthNs) {
            throw new IllegalArgumentException("warm-up of " + seconds(warmupNs) + " s leaves no whole tick of the "
                + "run, whose last tick starts at " + seconds(endNs - tickLengthNs) + " s and ends at " + seconds(endNs)
                + " s of simulated time");
        }
        final long firstTick = reader.firstTick();
        // Ticks are fixed windows [t·tick, (t+1)·tick): the first whole tick after the warm-up is found by a seek,
        // so the warm-up costs no reading.
        final long from = Math.max(firstTick, (warmupNs + tickLengthNs - 1) / tickLengthNs);
        if (!reader.seek(from)) {
            throw new IllegalStateException("journal " + reader.directory() + " has no tick " + from
                + " though it ends at tick " + lastTick);
        }
        try (TickFold window = new TickFold(catalog, null, true)) {
            final JournalReader.TickHandler afterWarmup = (DirectBuffer buffer, int offset, int length, long tick) -> {
                if (window.tickStartNs(buffer, offset) >= warmupNs) {
                    window.add(buffer, offset, tick);
                }
            };
            while (reader.next(afterWarmup)) {
                // Everything happens in the handler.
            }
            if (window.ticks() == 0) {
                throw new IllegalStateException("journal " + reader.directory() + ": no tick read from tick " + from);
            }
            return new RunReport(catalog, reader.seed(), firstTick, window, warmupNs);
        }
    }

    /** The journal's catalog: an observed run's describes its series ({@link CatalogInfo#observed()}). */
    public CatalogInfo catalog() {
        return catalog;
    }

    public String simulationName() {
        return simulationName;
    }

    public long simulationId() {
        return simulationId;
    }

    public long seed() {
        return seed;
    }

    /** Ticks in the journal, warm-up included. */
    public long ticks() {
        return ticks;
    }

    /** Simulated time at the end of the journal's last tick. */
    public long simulatedNs() {
        return window.endNs();
    }

    /** The warm-up asked for. */
    public long warmupNs() {
        return warmupNs;
    }

    /** Where the window starts: the warm-up rounded up to a tick boundary (or the journal's first tick). */
    public long windowStartNs() {
        return window.startNs();
    }

    /** Simulated time the report covers: the end of the last tick minus {@link #windowStartNs()}. */
    public long windowNs() {
        return window.lengthNs();
    }

    /** One report per service, in service id order. */
    public List<ServiceFigures> services() {
        return services;
    }

    /** One report per load source (entry point), in source id order; none for a journal of schema version 1. */
    public List<EntryFigures> entries() {
        return entries;
    }

    private static String seconds(final long ns) {
        return Double.toString(ns / NANOS_PER_SECOND);
    }
}
