package io.tickwire.journal;

import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A run's figures per service over a window of its journal: every tick that starts at or after the warm-up, to the
 * journal's last tick. Computed by {@link #compute} in one pass over the ticks, in memory that does not grow with
 * their number: a few sums and one merged latency histogram per service.
 * <p>
 * What each figure is, and why it is computed so:
 * <ul>
 *   <li>Counts (arrivals, completed, errors, rejected) are sums of the ticks'. {@code completed} includes errors;
 *       {@code rejected} requests never entered the service. {@code timeouts} are the errors caused by a
 *       call that timed out (schema version 3 on; 0 before, when the engine had none), {@code retries} the call
 *       attempts the service retried.</li>
 *   <li>A database's storage is a gauge: {@code storageBytes} is its value at the end of the window.</li>
 *   <li>The mean latency is {@code Σ latencySumNs / Σ completed}: exact, not a mean of tick means.</li>
 *   <li>Percentiles come from the ticks' HdrHistograms merged into one auto-resizing {@code Histogram(3)} per
 *       service (what {@link Histogram#add} of each decoded tick histogram gives; {@link HistogramFolder} gets it
 *       without decoding), never from averaging the ticks' percentiles: the p99 of a window is not the mean of its
 *       ticks' p99s. Like the ticks', they are the top of their bucket (3 significant digits) capped at the exact
 *       maximum.</li>
 *   <li>Utilisation, mean queue and mean number in system are time averages from the exact integrals the engine
 *       journals (busy server-ns, waiting request-ns): {@code Σ busyTimeNs / Σ (servers × tickLengthNs)},
 *       {@code Σ queueTimeNs / window}, {@code Σ (busyTimeNs + queueTimeNs) / window}. (Σ servers × tick is
 *       servers × window while the number of servers is fixed, and stays right once it is not.)</li>
 *   <li>Little's law, {@code L = λW}, is checked per service: L is the mean number in system above, λ the throughput
 *       ({@code completed / window}) and W the mean latency, so {@code λW = Σ latencySumNs / window}. The two
 *       differ only by the requests that straddle the window's edges: their ratio tends to 1 as the window grows.</li>
 * </ul>
 * End to end, per load source (entry point): requests from entry into the system to leaving it, counted and merged
 * the same way ({@link EntryReport}).
 * <p>
 * Journals of schema version 1 have no integrals and no end-to-end figures: the figures made from the integrals are
 * then NaN (unknown), never 0, and there are no entries; cost is summed from the ticks (NaN for journals before it).
 */
public final class RunReport {
    private static final double NANOS_PER_SECOND = 1e9;

    private final String simulationName;
    private final long simulationId;
    private final long seed;
    private final long ticks;
    private final long simulatedNs;
    private final long warmupNs;
    private final long windowStartNs;
    private final long windowNs;
    private final List<ServiceReport> services;
    private final List<EntryReport> entries;

    private RunReport(final CatalogInfo catalog, final long seed, final Accumulator acc, final long warmupNs) {
        this.simulationName = catalog.simulationName();
        this.simulationId = catalog.simulationId();
        this.seed = seed;
        this.ticks = acc.lastTick - acc.firstJournalTick + 1;
        this.simulatedNs = acc.windowEndNs;
        this.warmupNs = warmupNs;
        this.windowStartNs = acc.windowStartNs;
        this.windowNs = acc.windowEndNs - acc.windowStartNs;
        final List<ServiceReport> list = new ArrayList<>(acc.services.length);
        for (final ServiceSums s : acc.services) {
            if (s != null) {
                list.add(new ServiceReport(s, catalog.name(s.id), windowNs));
            }
        }
        this.services = Collections.unmodifiableList(list);
        final List<EntryReport> entryList = new ArrayList<>(acc.entries.length);
        for (final LatencySums e : acc.entries) {
            if (e != null) {
                final int target = catalog.target(e.id);
                entryList.add(new EntryReport(e, catalog.sourceName(e.id), target < 0 ? "" : catalog.name(target),
                    windowNs));
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
        final byte[] catalogBytes = reader.catalog();
        if (catalogBytes == null) {
            throw new IOException("journal " + reader.directory() + " has no catalog: its run never started");
        }
        final long lastTick = reader.lastTick();
        if (lastTick < 0) {
            throw new IllegalArgumentException("journal " + reader.directory() + " has no ticks");
        }
        final long tickNs = reader.tickLengthNs();
        final long endNs = (lastTick + 1) * tickNs;
        // A warm-up inside the last tick would leave no whole tick to report on.
        if (warmupNs < 0 || warmupNs > endNs - tickNs) {
            throw new IllegalArgumentException("warm-up of " + seconds(warmupNs) + " s leaves no whole tick of the "
                + "run, whose last tick starts at " + seconds(endNs - tickNs) + " s and ends at " + seconds(endNs)
                + " s of simulated time");
        }
        final CatalogInfo catalog = CatalogInfo.decode(catalogBytes);
        final long firstTick = reader.firstTick();
        // Ticks are fixed windows [t·tick, (t+1)·tick): the first whole tick after the warm-up is found by a seek,
        // so the warm-up costs no reading.
        final long from = Math.max(firstTick, (warmupNs + tickNs - 1) / tickNs);
        if (!reader.seek(from)) {
            throw new IllegalStateException("journal " + reader.directory() + " has no tick " + from
                + " though it ends at tick " + lastTick);
        }
        final Accumulator acc = new Accumulator(catalog.serviceCount(), catalog.sourceCount(), warmupNs, firstTick);
        try (HistogramFolder folder = acc.folder) {
            while (reader.next(acc)) {
                // Everything happens in the handler.
            }
        }
        if (acc.lastTick < 0) {
            throw new IllegalStateException("journal " + reader.directory() + ": no tick read from tick " + from);
        }
        return new RunReport(catalog, reader.seed(), acc, warmupNs);
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
        return simulatedNs;
    }

    /** The warm-up asked for. */
    public long warmupNs() {
        return warmupNs;
    }

    /** Where the window starts: the warm-up rounded up to a tick boundary (or the journal's first tick). */
    public long windowStartNs() {
        return windowStartNs;
    }

    /** Simulated time the report covers: the end of the last tick minus {@link #windowStartNs()}. */
    public long windowNs() {
        return windowNs;
    }

    /** One report per service, in service id order. */
    public List<ServiceReport> services() {
        return services;
    }

    /** One report per load source (entry point), in source id order; none for a journal of schema version 1. */
    public List<EntryReport> entries() {
        return entries;
    }

    private static String seconds(final long ns) {
        return Double.toString(ns / NANOS_PER_SECOND);
    }

    /**
     * Latency figures over the window of requests leaving one service, or the system from one entry point.
     * Meaningful only when {@link #completed()} > 0.
     */
    public abstract static class LatencyReport {
        private final int id;
        private final String name;
        private final long completed;
        private final long errors;
        private final long rejected;
        private final long timeouts;
        private final long latencySumNs;
        private final long windowNs;
        private final long p50Ns;
        private final long p90Ns;
        private final long p99Ns;
        private final long p999Ns;
        private final long maxNs;
        private final Histogram histogram;

        LatencyReport(final LatencySums s, final String name, final long windowNs) {
            this.id = s.id;
            this.name = name;
            this.completed = s.completed;
            this.errors = s.errors;
            this.rejected = s.rejected;
            this.timeouts = s.timeouts;
            this.latencySumNs = s.latencySumNs;
            this.windowNs = windowNs;
            this.histogram = s.histogram;
            this.maxNs = s.maxNs;
            this.p50Ns = s.percentile(50.0);
            this.p90Ns = s.percentile(90.0);
            this.p99Ns = s.percentile(99.0);
            this.p999Ns = s.percentile(99.9);
        }

        public int id() {
            return id;
        }

        public String name() {
            return name;
        }

        /** Requests that left (the service, or the system), OK or in error. */
        public long completed() {
            return completed;
        }

        /** Of {@link #completed()}, those that failed (at the service, or anywhere on their way). */
        public long errors() {
            return errors;
        }

        /** Requests refused by a full queue (the service's, or any on their way); not in {@link #completed()}. */
        public long rejected() {
            return rejected;
        }

        /** Of {@link #errors()}, those that failed because a call timed out (at the service, or on their way). */
        public long timeouts() {
            return timeouts;
        }

        public long latencySumNs() {
            return latencySumNs;
        }

        /** Exact mean latency, {@code Σ latency / completed}; NaN when nothing completed. */
        public double meanNs() {
            return completed > 0 ? (double)latencySumNs / completed : Double.NaN;
        }

        public long p50Ns() {
            return p50Ns;
        }

        public long p90Ns() {
            return p90Ns;
        }

        public long p99Ns() {
            return p99Ns;
        }

        public long p999Ns() {
            return p999Ns;
        }

        /** The exact maximum latency. */
        public long maxNs() {
            return maxNs;
        }

        /** The window's merged latency histogram (a live view: do not modify). */
        public Histogram histogram() {
            return histogram;
        }

        /** Completions per simulated second (Little's λ for a service). */
        public double throughputPerSecond() {
            return completed * NANOS_PER_SECOND / windowNs;
        }

        /** λW: throughput times mean latency, which is {@code Σ latency / window}. */
        public double littleLambdaW() {
            return (double)latencySumNs / windowNs;
        }

        long windowNs() {
            return windowNs;
        }
    }

    /** One service's figures over the window. */
    public static final class ServiceReport extends LatencyReport {
        private final long arrivals;
        private final boolean integralsKnown;
        private final long busyTimeNs;
        private final long queueTimeNs;
        private final long serverTimeNs;
        private final long costNanos;
        private final boolean costKnown;
        private final long retries;
        private final long storageBytes;

        ServiceReport(final ServiceSums s, final String name, final long windowNs) {
            super(s, name, windowNs);
            this.arrivals = s.arrivals;
            this.integralsKnown = s.integralsKnown;
            this.busyTimeNs = s.busyTimeNs;
            this.queueTimeNs = s.queueTimeNs;
            this.serverTimeNs = s.serverTimeNs;
            this.costNanos = s.costNanos;
            this.costKnown = s.costKnown;
            this.retries = s.retries;
            this.storageBytes = s.storageBytes;
        }

        public long arrivals() {
            return arrivals;
        }

        /** Call attempts the service retried over the window. */
        public long retries() {
            return retries;
        }

        /** A database's stored bytes at the end of the window; 0 for a service (and in journals before v3). */
        public long storageBytes() {
            return storageBytes;
        }

        /**
         * True if every tick of the window carries the busy and queue time integrals (schema version 2 on); else
         * the figures made from them (utilisation, queue, L and Little's ratio) are NaN: unknown, not 0.
         */
        public boolean integralsKnown() {
            return integralsKnown;
        }

        /** Cost accrued over the window, in the diagram's currency unit; NaN for journals before cost (v1). */
        public double cost() {
            return costKnown ? costNanos / 1e9 : Double.NaN;
        }

        /** Σ busy server-ns / Σ server-ns available; NaN if the service had no servers or the integrals are absent. */
        public double utilization() {
            return integralsKnown && serverTimeNs > 0 ? (double)busyTimeNs / serverTimeNs : Double.NaN;
        }

        /** Time-average number of requests waiting; NaN if the integrals are absent. */
        public double meanQueue() {
            return integralsKnown ? (double)queueTimeNs / windowNs() : Double.NaN;
        }

        /** Time-average number of requests in the service, waiting or served: Little's L; NaN if unknown. */
        public double meanInSystem() {
            return integralsKnown ? (double)(busyTimeNs + queueTimeNs) / windowNs() : Double.NaN;
        }

        /** L / λW, 1 when Little's law holds over the window; NaN when nothing completed or L is unknown. */
        public double littleRatio() {
            return latencySumNs() > 0 ? meanInSystem() / littleLambdaW() : Double.NaN;
        }
    }

    /**
     * One load source's requests end to end, over the window: from entry into the system (at the source's target
     * service) to leaving it.
     */
    public static final class EntryReport extends LatencyReport {
        private final String target;

        EntryReport(final LatencySums s, final String name, final String target, final long windowNs) {
            super(s, name, windowNs);
            this.target = target;
        }

        /** The name of the service its requests enter by. */
        public String target() {
            return target;
        }
    }

    /** Running sums of the requests leaving one service, or the system from one entry point. */
    private static class LatencySums {
        final int id;
        // Auto-resizing, 3 significant digits, as the ticks' histograms: adding them loses nothing.
        final Histogram histogram = new Histogram(3);
        long completed;
        long errors;
        long rejected;
        long timeouts;
        long latencySumNs;
        long maxNs;

        LatencySums(final int id) {
            this.id = id;
        }

        /** The percentile as the aggregator gives it per tick: the top of its bucket, capped at the exact max. */
        long percentile(final double p) {
            return histogram.getTotalCount() == 0 ? 0 : Math.min(histogram.getValueAtPercentile(p), maxNs);
        }
    }

    /** Running sums of one service. */
    private static final class ServiceSums extends LatencySums {
        long arrivals;
        long busyTimeNs;
        long queueTimeNs;
        long serverTimeNs;
        long costNanos;
        long retries;
        long storageBytes;
        boolean integralsKnown = true;
        boolean costKnown = true;

        ServiceSums(final int id) {
            super(id);
        }
    }

    /** Folds each tick into the sums as the reader delivers it. */
    private static final class Accumulator implements JournalReader.TickHandler {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final TickSummaryDecoder summary = new TickSummaryDecoder();
        private final UnsafeBuffer histogramView = new UnsafeBuffer(0, 0);
        private final HistogramFolder folder = new HistogramFolder();
        private final long warmupNs;
        private final long firstJournalTick;
        private ServiceSums[] services;
        private LatencySums[] entries;
        private long windowStartNs = -1;
        private long windowEndNs;
        private long lastTick = -1;

        Accumulator(final int serviceCount, final int sourceCount, final long warmupNs, final long firstJournalTick) {
            this.services = new ServiceSums[serviceCount];
            this.entries = new LatencySums[sourceCount];
            this.warmupNs = warmupNs;
            this.firstJournalTick = firstJournalTick;
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            header.wrap(buffer, offset);
            summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final long tickLengthNs = summary.tickLengthNs();
            final long endNs = summary.simTimeNs();
            if (endNs - tickLengthNs < warmupNs) {
                return;
            }
            if (windowStartNs < 0) {
                windowStartNs = endNs - tickLengthNs;
            }
            windowEndNs = endNs;
            lastTick = tick;
            for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                final ServiceSums sums = sums(s.serviceId());
                sums.arrivals += s.arrivals();
                sums.completed += s.completed();
                sums.errors += s.errors();
                sums.rejected += s.rejected();
                sums.latencySumNs += s.latencySumNs();
                // Fields of schema version 3 read as their null value in older ticks, when they were all 0.
                sums.timeouts += orZero(s.timeouts(), TickSummaryDecoder.ServicesDecoder.timeoutsNullValue());
                sums.retries += orZero(s.retries(), TickSummaryDecoder.ServicesDecoder.retriesNullValue());
                sums.storageBytes = orZero(s.storageBytes(), TickSummaryDecoder.ServicesDecoder.storageBytesNullValue());
                final long busyTimeNs = s.busyTimeNs();
                final long queueTimeNs = s.queueTimeNs();
                if (busyTimeNs == TickSummaryDecoder.ServicesDecoder.busyTimeNsNullValue()
                    || queueTimeNs == TickSummaryDecoder.ServicesDecoder.queueTimeNsNullValue()) {
                    sums.integralsKnown = false; // a tick of a schema before the integrals (v1)
                } else {
                    sums.busyTimeNs += busyTimeNs;
                    sums.queueTimeNs += queueTimeNs;
                }
                sums.serverTimeNs += s.servers() * tickLengthNs;
                final long costNanos = s.costNanos();
                if (costNanos == TickSummaryDecoder.ServicesDecoder.costNanosNullValue()) {
                    sums.costKnown = false;
                } else {
                    sums.costNanos += costNanos;
                }
                sums.maxNs = Math.max(sums.maxNs, s.maxNs());
                if (s.completed() > 0) {
                    s.wrapHistogram(histogramView);
                    folder.addTo(sums.histogram, histogramView, 0, histogramView.capacity());
                } else {
                    s.skipHistogram();
                }
            }
            // After the services group (SBE reads in order); empty in ticks before schema version 2.
            for (final TickSummaryDecoder.EntriesDecoder e : summary.entries()) {
                final LatencySums sums = entry(e.sourceId());
                sums.completed += e.completed();
                sums.errors += e.errors();
                sums.rejected += e.rejected();
                sums.timeouts += orZero(e.timeouts(), TickSummaryDecoder.EntriesDecoder.timeoutsNullValue());
                sums.latencySumNs += e.latencySumNs();
                sums.maxNs = Math.max(sums.maxNs, e.maxNs());
                if (e.completed() > 0) {
                    e.wrapHistogram(histogramView);
                    folder.addTo(sums.histogram, histogramView, 0, histogramView.capacity());
                } else {
                    e.skipHistogram();
                }
            }
        }

        private static long orZero(final long value, final long nullValue) {
            return value == nullValue ? 0 : value;
        }

        private LatencySums entry(final int id) {
            if (id >= entries.length) {
                entries = Arrays.copyOf(entries, id + 1);
            }
            LatencySums sums = entries[id];
            if (sums == null) {
                sums = new LatencySums(id);
                entries[id] = sums;
            }
            return sums;
        }

        private ServiceSums sums(final int id) {
            if (id >= services.length) {
                services = Arrays.copyOf(services, id + 1);
            }
            ServiceSums sums = services[id];
            if (sums == null) {
                sums = new ServiceSums(id);
                services[id] = sums;
            }
            return sums;
        }
    }
}
