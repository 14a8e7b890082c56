package io.tickwire.journal;

import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Rolls a journal's ticks up into fixed windows of simulated time, per service, in one pass and in memory that does
 * not grow with the number of ticks: per service a few sums and one merged latency histogram, reset (not
 * reallocated) at each window's close. Feed it ticks in order ({@link #onTick}, a {@link JournalReader.TickHandler});
 * it hands each closed window to a {@link WindowHandler}; {@link #finish} closes the last one.
 * <p>
 * Windows are {@code windowNs} long, a whole number of ticks, and aligned on the first tick fed: window k covers
 * ticks {@code [first + k·n, first + (k+1)·n)} where {@code n = windowNs / tickLengthNs}. The last window of a range
 * that is not a whole number of windows holds fewer than n ticks: it is {@link Window#partial() partial}, and its
 * {@link Window#endNs()} is the end of its last tick (not {@code start + windowNs}), so that every rate and time
 * average over it is over the time it covers.
 * <p>
 * Each figure is combined the way it must be (as {@link RunReport} does over a whole run):
 * <ul>
 *   <li>counts are summed; storage (a gauge) is its value at the window's last tick, as are servers and queue
 *       depth;</li>
 *   <li>percentiles come from the ticks' HdrHistograms merged ({@link HistogramFolder}), never from averaging the
 *       ticks' percentiles, capped at the exact maximum;</li>
 *   <li>utilisation and mean queue are time averages from the exact integrals, {@code Σ busyTimeNs / Σ servers·tick}
 *       and {@code Σ queueTimeNs / window} (unknown for ticks of schema version 1);</li>
 *   <li>cost is summed, exact to the billionth (unknown for ticks before cost).</li>
 * </ul>
 * End-to-end figures per entry point are not rolled up here (see {@link RunReport} for a whole window).
 * <p>
 * <b>Not thread safe.</b> Steady state allocates nothing; the histograms grow (once) to the largest latency seen.
 */
public final class WindowRollup implements JournalReader.TickHandler, AutoCloseable {
    private final long windowNs;
    private final long ticksPerWindow;
    private final boolean[] include;
    private final WindowHandler handler;
    private final CatalogInfo catalog;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder summary = new TickSummaryDecoder();
    private final UnsafeBuffer histogramView = new UnsafeBuffer(0, 0);
    private final HistogramFolder folder = new HistogramFolder();
    private final Window window = new Window();
    private ServiceWindow[] byId = new ServiceWindow[0];
    private long windowFirstTick = Long.MIN_VALUE;
    private long windows;

    /**
     * @param catalog      the journal's catalog: names, and the services there are.
     * @param tickLengthNs the journal's tick length.
     * @param windowNs     the window length: a positive multiple of {@code tickLengthNs}.
     * @param include      services to roll up, by id (true to include); null for all.
     * @param handler      receives each closed window.
     * @throws IllegalArgumentException if {@code windowNs} is not a positive multiple of the tick.
     */
    public WindowRollup(final CatalogInfo catalog, final long tickLengthNs, final long windowNs,
                        final boolean[] include, final WindowHandler handler) {
        if (tickLengthNs <= 0 || windowNs <= 0 || windowNs % tickLengthNs != 0) {
            throw new IllegalArgumentException("a window must be a positive multiple of the tick (" + tickLengthNs
                + " ns), got " + windowNs + " ns");
        }
        this.catalog = catalog;
        this.windowNs = windowNs;
        this.ticksPerWindow = windowNs / tickLengthNs;
        this.include = include;
        this.handler = handler;
        for (int id = 0; id < catalog.serviceCount(); id++) {
            if (included(id)) {
                service(id);
            }
        }
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        if (windowFirstTick == Long.MIN_VALUE) {
            windowFirstTick = tick;
        } else if (tick >= windowFirstTick + ticksPerWindow) {
            emit();
            // Consecutive ticks move one window on; a hole (never written by the engine) skips to the tick's window.
            windowFirstTick += (tick - windowFirstTick) / ticksPerWindow * ticksPerWindow;
        }
        header.wrap(buffer, offset);
        summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long tickLengthNs = summary.tickLengthNs();
        final long endNs = summary.simTimeNs();
        final Window w = window;
        if (w.ticks == 0) {
            w.firstTick = tick;
            w.startNs = endNs - tickLengthNs;
        }
        w.ticks++;
        w.lastTick = tick;
        w.endNs = endNs;
        w.wallTimeNs = summary.wallTimeNs();
        for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
            final int id = s.serviceId();
            if (!included(id)) {
                s.skipHistogram();
                continue;
            }
            final ServiceWindow sw = service(id);
            sw.ticks++;
            sw.arrivals += s.arrivals();
            sw.completed += s.completed();
            sw.errors += s.errors();
            sw.rejected += s.rejected();
            sw.latencySumNs += s.latencySumNs();
            sw.maxNs = Math.max(sw.maxNs, s.maxNs());
            // Fields of schema version 3 read as their null value in older ticks, when they were all 0.
            sw.timeouts += orZero(s.timeouts(), TickSummaryDecoder.ServicesDecoder.timeoutsNullValue());
            sw.retries += orZero(s.retries(), TickSummaryDecoder.ServicesDecoder.retriesNullValue());
            sw.storageBytes = orZero(s.storageBytes(), TickSummaryDecoder.ServicesDecoder.storageBytesNullValue());
            sw.servers = s.servers();
            sw.queueDepth = s.queueDepth();
            final long busyTimeNs = s.busyTimeNs();
            final long queueTimeNs = s.queueTimeNs();
            if (busyTimeNs == TickSummaryDecoder.ServicesDecoder.busyTimeNsNullValue()
                || queueTimeNs == TickSummaryDecoder.ServicesDecoder.queueTimeNsNullValue()) {
                sw.integralsKnown = false;
            } else {
                sw.busyTimeNs += busyTimeNs;
                sw.queueTimeNs += queueTimeNs;
            }
            sw.serverTimeNs += s.servers() * tickLengthNs;
            final long costNanos = s.costNanos();
            if (costNanos == TickSummaryDecoder.ServicesDecoder.costNanosNullValue()) {
                sw.costKnown = false;
            } else {
                sw.costNanos += costNanos;
            }
            if (s.completed() > 0) {
                s.wrapHistogram(histogramView);
                folder.addTo(sw.histogram, histogramView, 0, histogramView.capacity());
            } else {
                s.skipHistogram();
            }
        }
    }

    /** Close the last window, if it holds any tick (partial if it holds fewer than a window's). */
    public void finish() {
        if (window.ticks > 0) {
            emit();
        }
    }

    /** Windows handed to the handler so far. */
    public long windows() {
        return windows;
    }

    /** Ticks in a whole window. */
    public long ticksPerWindow() {
        return ticksPerWindow;
    }

    public long windowNs() {
        return windowNs;
    }

    @Override
    public void close() {
        folder.close();
    }

    private void emit() {
        final Window w = window;
        w.partial = w.ticks < ticksPerWindow;
        w.index = windows++;
        handler.onWindow(w);
        w.ticks = 0;
        for (final ServiceWindow sw : byId) {
            if (sw != null) {
                sw.reset();
            }
        }
    }

    private boolean included(final int id) {
        return include == null || (id < include.length && include[id]);
    }

    private ServiceWindow service(final int id) {
        if (id >= byId.length) {
            final ServiceWindow[] grown = new ServiceWindow[id + 1];
            System.arraycopy(byId, 0, grown, 0, byId.length);
            byId = grown;
        }
        ServiceWindow sw = byId[id];
        if (sw == null) {
            sw = new ServiceWindow(id, catalog.name(id));
            byId[id] = sw;
            window.rebuild(byId);
        }
        return sw;
    }

    private static long orZero(final long value, final long nullValue) {
        return value == nullValue ? 0 : value;
    }

    /** Receives each closed window; the window and its services are reused after the call returns. */
    @FunctionalInterface
    public interface WindowHandler {
        void onWindow(Window window);
    }

    /** One closed window: its place in simulated time and its services' figures, in service id order. */
    public static final class Window {
        private ServiceWindow[] services = new ServiceWindow[0];
        private long index;
        private long firstTick;
        private long lastTick;
        private long ticks;
        private long startNs;
        private long endNs;
        private long wallTimeNs;
        private boolean partial;

        /** 0 for the first window of the pass, then 1, 2, ... */
        public long index() {
            return index;
        }

        public long firstTick() {
            return firstTick;
        }

        public long lastTick() {
            return lastTick;
        }

        /** Ticks in the window: a window's worth unless {@link #partial()}. */
        public long ticks() {
            return ticks;
        }

        /** Simulated time at the start of the window's first tick. */
        public long startNs() {
            return startNs;
        }

        /** Simulated time at the end of the window's last tick. */
        public long endNs() {
            return endNs;
        }

        /** {@code endNs - startNs}: the simulated time the window's figures are over. */
        public long lengthNs() {
            return endNs - startNs;
        }

        /** Wall-clock (epoch) time at which the window's last tick closed. */
        public long wallTimeNs() {
            return wallTimeNs;
        }

        /** True if the window holds fewer ticks than a whole window: the range ended inside it. */
        public boolean partial() {
            return partial;
        }

        public int serviceCount() {
            return services.length;
        }

        /** The i-th service rolled up (in id order, not necessarily id {@code i} when some are filtered out). */
        public ServiceWindow service(final int i) {
            return services[i];
        }

        private void rebuild(final ServiceWindow[] byId) {
            int n = 0;
            for (final ServiceWindow sw : byId) {
                n += sw == null ? 0 : 1;
            }
            final ServiceWindow[] list = new ServiceWindow[n];
            n = 0;
            for (final ServiceWindow sw : byId) {
                if (sw != null) {
                    list[n++] = sw;
                }
            }
            services = list;
        }
    }

    /** One service's figures over one window. */
    public static final class ServiceWindow {
        private final int id;
        private final String name;
        // Auto-resizing, 3 significant digits, as the ticks' histograms: merging them loses nothing.
        private final Histogram histogram = new Histogram(3);
        private long ticks;
        private long arrivals;
        private long completed;
        private long errors;
        private long rejected;
        private long timeouts;
        private long retries;
        private long latencySumNs;
        private long maxNs;
        private long busyTimeNs;
        private long queueTimeNs;
        private long serverTimeNs;
        private long costNanos;
        private long storageBytes;
        private int servers;
        private int queueDepth;
        private boolean integralsKnown = true;
        private boolean costKnown = true;

        ServiceWindow(final int id, final String name) {
            this.id = id;
            this.name = name;
        }

        void reset() {
            histogram.reset();
            ticks = 0;
            arrivals = 0;
            completed = 0;
            errors = 0;
            rejected = 0;
            timeouts = 0;
            retries = 0;
            latencySumNs = 0;
            maxNs = 0;
            busyTimeNs = 0;
            queueTimeNs = 0;
            serverTimeNs = 0;
            costNanos = 0;
            integralsKnown = true;
            costKnown = true;
            // storageBytes, servers and queueDepth are gauges: they keep their last value until the next tick says.
        }

        public int id() {
            return id;
        }

        /** The catalog's name (not escaped). */
        public String name() {
            return name;
        }

        /** Ticks of the window in which this service appeared (0: it was not in any). */
        public long ticks() {
            return ticks;
        }

        public long arrivals() {
            return arrivals;
        }

        public long completed() {
            return completed;
        }

        public long errors() {
            return errors;
        }

        public long rejected() {
            return rejected;
        }

        public long timeouts() {
            return timeouts;
        }

        public long retries() {
            return retries;
        }

        public long latencySumNs() {
            return latencySumNs;
        }

        /** The exact maximum latency; 0 if nothing completed. */
        public long maxNs() {
            return maxNs;
        }

        /** Exact mean latency in whole ns, {@code Σ latency / completed} (0 if nothing completed). */
        public long meanNs() {
            return completed > 0 ? latencySumNs / completed : 0;
        }

        /**
         * The {@code p}-th percentile of the merged histogram, as the aggregator gives it per tick: the top of its
         * bucket, capped at the exact maximum; 0 if nothing completed.
         */
        public long percentileNs(final double p) {
            return histogram.getTotalCount() == 0 ? 0 : Math.min(histogram.getValueAtPercentile(p), maxNs);
        }

        /** The window's merged latency histogram (a live view, reset after the handler returns). */
        public Histogram histogram() {
            return histogram;
        }

        public long busyTimeNs() {
            return busyTimeNs;
        }

        public long queueTimeNs() {
            return queueTimeNs;
        }

        /** Σ servers × tick: server-ns available over the window. */
        public long serverTimeNs() {
            return serverTimeNs;
        }

        /** False if a tick of the window lacks the busy and queue integrals (schema version 1). */
        public boolean integralsKnown() {
            return integralsKnown;
        }

        /** Cost over the window in billionths of the currency unit; see {@link #costKnown()}. */
        public long costNanos() {
            return costNanos;
        }

        /** False if a tick of the window has no cost (schema version 1). */
        public boolean costKnown() {
            return costKnown;
        }

        /** A database's stored bytes at the window's last tick; 0 for a service. */
        public long storageBytes() {
            return storageBytes;
        }

        /** Servers at the window's last tick. */
        public int servers() {
            return servers;
        }

        /** Requests waiting at the end of the window's last tick. */
        public int queueDepth() {
            return queueDepth;
        }
    }
}
