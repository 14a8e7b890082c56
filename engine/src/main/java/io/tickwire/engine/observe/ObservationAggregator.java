package io.tickwire.engine.observe;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.codec.TickHistogram;
import io.tickwire.engine.control.AlertEvaluator;
import io.tickwire.engine.control.AlertPublisher;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.engine.ring.Rings;
import io.tickwire.sbe.CatalogUpdateEncoder;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.ObservedSamplesDecoder;
import io.tickwire.sbe.TickDueDecoder;
import io.tickwire.sbe.TickSummaryEncoder;
import org.agrona.concurrent.EpochNanoClock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The batching consumer of an observed run's metrics ring: folds each sample into the tick of its timestamp, and
 * closes ticks, in order, when the run's clock says they are due (a {@code TickDue}: the tick's window and the
 * lateness have passed on the wall clock) into one SBE {@code TickSummary} each on the output ring.
 * <pre>
 *   sample (input, timestampNs, value) ─► tick = floor((timestampNs - origin) / tickLengthNs)
 *      tick &lt; the oldest open one  ─► late: counted (in the open tick's row, and the source's), dropped
 *      tick beyond the open window ─► FUTURE: counted (the source's), dropped
 *      else                        ─► that tick's row, by the input's role:
 *         gauge     samples, sum, min, max, latest
 *         counter   the same on its raw values, and its increase since its previous sample (a drop is a reset:
 *                   the new value is the increase), so that a window's rate is its increases over its length
 *         latency   a gauge, and each value (× its unit in ns) into the row's HdrHistogram
 *         bucket, _sum, _count, quantile: a family's parts (histogram, summary), made into its HdrHistogram when
 *                   the tick closes
 * </pre>
 * A tick holds the rows that had samples (or late ones) in it, in id order. Rows registered since the last tick are
 * announced first by a {@code CatalogUpdate}. The run's alert rules ({@link #alerts}), if any, are evaluated on each
 * tick after its summary, their changes published last ({@link AlertPublisher}); a rule is bound to its series' row
 * when the row is announced.
 * <p>
 * Runs on <b>one thread</b>. Steady state allocates nothing: the per-tick state of the open window is preallocated
 * and reused, histograms come from a pool (growing to the most rows with latencies in flight at once), the arrays
 * grow only when a row or input beyond their size appears, and each slot of the output ring grows on the ring's first
 * lap to hold the largest tick (then only if ticks grow by half).
 */
public final class ObservationAggregator implements EventHandler<ObservedSlot> {
    private static final long NONE = Long.MIN_VALUE;
    private static final double[] PERCENTILES = {50.0, 90.0, 99.0, 99.9};

    private final SeriesRegistry registry;
    private final long simulationId;
    private final long originNs;
    private final long tickLengthNs;
    private final byte[] catalog;
    private final RingBuffer<OutputSlot> output;
    private final EpochNanoClock clock;
    private final BooleanSupplier failed;
    private final Runnable onEnd;
    private final TickState[] window;
    private final int mask;
    private final AtomicLong ticksClosed = new AtomicLong();
    private long nextToClose;
    private int announcedRows;
    private int largestTick;
    private boolean ended;
    // The alert rules': null when the run has none. Rules by the catalog name of the series they read.
    private AlertEvaluator alerts;
    private AlertPublisher alertPublisher;
    private Map<String, List<Integer>> rulesBySeries;

    // Per input, across ticks: a counter's previous sample.
    private double[] previous = new double[0];
    private long[] previousTs = new long[0];
    private SourceStats[] sourceStats = new SourceStats[0];

    private TickHistogram[] pool = new TickHistogram[16];
    private int pooled;
    private final TickHistogram empty = new TickHistogram();
    private final long[] percentiles = new long[PERCENTILES.length];

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ObservedSamplesDecoder samples = new ObservedSamplesDecoder();
    private final TickDueDecoder due = new TickDueDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final TickSummaryEncoder summary = new TickSummaryEncoder();
    private final CatalogUpdateEncoder update = new CatalogUpdateEncoder();
    private final CompressedHistogramEncoder histogramEncoder = new CompressedHistogramEncoder();

    /**
     * @param windowTicks ticks open at once (a power of two): enough for the lateness and the skew.
     * @param catalog     the run's {@code Catalog}, published first.
     */
    public ObservationAggregator(final SeriesRegistry registry, final long simulationId, final long originNs,
                                 final long tickLengthNs, final int windowTicks, final byte[] catalog,
                                 final RingBuffer<OutputSlot> output, final EpochNanoClock clock,
                                 final BooleanSupplier failed, final Runnable onEnd) {
        if (Integer.bitCount(windowTicks) != 1) {
            throw new IllegalArgumentException("windowTicks must be a power of two, got " + windowTicks);
        }
        this.registry = registry;
        this.simulationId = simulationId;
        this.originNs = originNs;
        this.tickLengthNs = tickLengthNs;
        this.catalog = catalog;
        this.output = output;
        this.clock = clock;
        this.failed = failed;
        this.onEnd = onEnd;
        this.window = new TickState[windowTicks];
        this.mask = windowTicks - 1;
        for (int i = 0; i < windowTicks; i++) {
            window[i] = new TickState(i);
        }
    }

    /** Evaluate {@code evaluator}'s rules (on series, unbound) as each tick closes. Before it starts. */
    public void alerts(final AlertEvaluator evaluator) {
        alerts = evaluator;
        alertPublisher = new AlertPublisher(evaluator, simulationId, output, failed);
        rulesBySeries = new HashMap<>();
        for (int r = 0; r < evaluator.ruleCount(); r++) {
            rulesBySeries.computeIfAbsent(evaluator.rule(r).serviceName(), k -> new ArrayList<>()).add(r);
        }
    }

    /** Ticks closed so far; any thread. */
    public long ticksClosed() {
        return ticksClosed.get();
    }

    /** The oldest tick still open. */
    long nextToClose() {
        return nextToClose;
    }

    @Override
    public void onStart() {
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        slot.kind = OutputSlot.CATALOG;
        slot.tick = -1;
        slot.buffer.putBytes(0, catalog);
        slot.length = catalog.length;
        output.publish(seq);
        announce(0);
    }

    @Override
    public void onEvent(final ObservedSlot slot, final long sequence, final boolean endOfBatch) {
        header.wrap(slot.buffer, 0);
        final int templateId = header.templateId();
        if (templateId == ObservedSamplesDecoder.TEMPLATE_ID) {
            samples.wrap(slot.buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            for (final ObservedSamplesDecoder.SamplesDecoder s : samples.samples()) {
                onSample((int)s.input(), s.timestampNs(), s.value());
            }
        } else if (templateId == TickDueDecoder.TEMPLATE_ID) {
            due.wrap(slot.buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            closeThrough(due.tick());
            if (due.end() != 0) {
                end();
            }
        } else {
            throw new IllegalStateException("unknown template on an observation's ring: " + templateId);
        }
    }

    /** One sample of input {@code input}, stamped {@code timestampNs} (epoch). */
    void onSample(final int input, final long timestampNs, final double value) {
        if (input >= previous.length) {
            grow(registry.inputCount());
        }
        final int row = registry.rowOf(input);
        final long tick = Math.floorDiv(timestampNs - originNs, tickLengthNs);
        if (tick < nextToClose) {
            late(window[(int)nextToClose & mask], row);
            return;
        }
        if (tick > nextToClose + mask) {
            source(row).rejected(IngestRejection.FUTURE, 1);
            return;
        }
        final TickState t = window[(int)tick & mask];
        switch (registry.role(input)) {
            case SeriesRegistry.GAUGE -> t.gauge(row, timestampNs, value);
            case SeriesRegistry.LATENCY -> {
                t.gauge(row, timestampNs, value);
                t.record(row, Math.round(Math.max(0, value) * registry.param(input)), this);
            }
            case SeriesRegistry.COUNTER -> {
                final double increase = increase(input, timestampNs, value);
                if (Double.isNaN(increase)) {
                    late(window[(int)nextToClose & mask], row);
                    return;
                }
                t.counter(row, timestampNs, value, increase);
            }
            case SeriesRegistry.QUANTILE -> {
                t.touch(row);
                t.samples[row]++;
                t.part(input, value);
            }
            default -> { // BUCKET, FAMILY_SUM, FAMILY_COUNT: cumulative counters
                final double increase = increase(input, timestampNs, value);
                if (Double.isNaN(increase)) {
                    late(window[(int)nextToClose & mask], row);
                    return;
                }
                t.touch(row);
                t.samples[row]++;
                t.part(input, t.partSeen(input) ? t.parts[input] + increase : increase);
            }
        }
    }

    /** A counter's increase since its previous sample (0 for its first); NaN if older than that one (late). */
    private double increase(final int input, final long timestampNs, final double value) {
        final long before = previousTs[input];
        if (before == NONE) {
            previous[input] = value;
            previousTs[input] = timestampNs;
            return 0;
        }
        if (timestampNs <= before) {
            return Double.NaN;
        }
        final double last = previous[input];
        previous[input] = value;
        previousTs[input] = timestampNs;
        return value >= last ? value - last : value; // a drop is a reset: counted from zero, as rate() does
    }

    private void late(final TickState open, final int row) {
        open.touch(row);
        open.late[row]++;
        source(row).countLate();
    }

    private SourceStats source(final int row) {
        final int index = registry.row(row).sourceIndex;
        if (index >= sourceStats.length) {
            sourceStats = registry.sources().toArray(new SourceStats[0]);
        }
        return sourceStats[index];
    }

    /** Close every open tick up to {@code tick}, in order. */
    void closeThrough(final long tick) {
        while (nextToClose <= tick && !ended) {
            if (registry.rowCount() > announcedRows) {
                announce(nextToClose);
            }
            final TickState t = window[(int)nextToClose & mask];
            publish(t);
            if (alertPublisher != null) {
                alertPublisher.evaluate(t.tick, (t.tick + 1) * tickLengthNs);
            }
            t.reset(nextToClose + window.length, this);
            nextToClose++;
            ticksClosed.lazySet(nextToClose);
        }
    }

    /** Close no more: the run's end, after the ticks its clock closed. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        slot.kind = OutputSlot.END;
        slot.tick = nextToClose - 1;
        slot.length = 0;
        output.publish(seq);
        onEnd.run();
    }

    /** A {@code CatalogUpdate} of the rows registered since the last one. Rare: it may allocate (names). */
    private void announce(final long fromTick) {
        final int rows = registry.rowCount();
        if (rows == announcedRows) {
            return;
        }
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        final CatalogUpdateEncoder e = update.wrapAndApplyHeader(slot.buffer, 0, headerEncoder)
            .simulationId(simulationId)
            .fromTick(fromTick);
        final CatalogUpdateEncoder.SeriesEncoder series = e.seriesCount(rows - announcedRows);
        for (int id = announcedRows; id < rows; id++) {
            final SeriesRegistry.Row r = registry.row(id);
            series.next().serviceId(id).kind(r.kind).name(r.name).source(r.source).metric(r.metric)
                .labels(r.labels).unit(r.unit);
            if (alerts != null) {
                for (final int rule : rulesBySeries.getOrDefault(r.name, List.of())) {
                    alerts.bind(rule, id);
                }
            }
        }
        slot.kind = OutputSlot.CATALOG_UPDATE;
        slot.tick = fromTick;
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        output.publish(seq);
        announcedRows = rows;
    }

    private void publish(final TickState t) {
        t.buildFamilies(registry, this);
        t.sortTouched();
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        // Grown once to half again the largest tick so far (not step by step as it is encoded): after the ring's first
        // lap its slots grow only if ticks grow by half.
        slot.buffer.checkLimit(largestTick + (largestTick >> 1));
        final TickSummaryEncoder e = summary.wrapAndApplyHeader(slot.buffer, 0, headerEncoder)
            .simulationId(simulationId)
            .tick(t.tick)
            .simTimeNs((t.tick + 1) * tickLengthNs)
            .tickLengthNs(tickLengthNs)
            .wallTimeNs(clock.nanoTime());
        final TickSummaryEncoder.ServicesEncoder rows = e.servicesCount(t.touchedCount);
        for (int i = 0; i < t.touchedCount; i++) {
            final int r = t.touchedRows[i];
            final TickHistogram h = t.histograms[r] != null ? t.histograms[r] : empty;
            final long completed = h.totalCount();
            final long max = h.maxValue();
            for (int p = 0; p < PERCENTILES.length; p++) {
                // The top of the bucket, capped at the exact maximum (as the simulation's aggregator does).
                percentiles[p] = completed == 0 ? 0 : Math.min(h.valueAtPercentile(PERCENTILES[p]), max);
            }
            final boolean any = t.samples[r] > 0 && !Double.isNaN(t.last[r]);
            final int length = histogramEncoder.encode(h);
            if (alerts != null && alerts.tracks(r)) {
                alerts.recordObserved(r, t.tick, t.samples[r], any ? t.last[r] : Double.NaN,
                    any ? t.min[r] : Double.NaN, any ? t.max[r] : Double.NaN, t.sum[r], t.late[r], completed,
                    percentiles[0], percentiles[1], percentiles[2], percentiles[3], max, h);
            }
            rows.next()
                .serviceId(r)
                .servers(0)
                .queueDepth(0)
                .busyServers(0)
                .arrivals(t.samples[r])
                .completed(completed)
                .errors(0)
                .rejected(0)
                .latencySumNs(t.latencySum[r])
                .meanNs(completed > 0 ? t.latencySum[r] / completed : 0)
                .p50Ns(percentiles[0])
                .p90Ns(percentiles[1])
                .p99Ns(percentiles[2])
                .p999Ns(percentiles[3])
                .maxNs(max)
                .busyTimeNs(0)
                .queueTimeNs(0)
                .costNanos(0)
                .timeouts(0)
                .retries(0)
                .storageBytes(0)
                .replicas(0)
                .readyReplicas(0)
                .replicaTimeNs(0)
                .readyTimeNs(0)
                .rateLimited(0)
                .bulkheadRefused(0)
                .breakerRefused(0)
                .value(any ? t.last[r] : Double.NaN)
                .valueMin(any ? t.min[r] : Double.NaN)
                .valueMax(any ? t.max[r] : Double.NaN)
                .valueSum(t.sum[r])
                .late(t.late[r])
                .putHistogram(histogramEncoder.buffer(), 0, length);
        }
        e.entriesCount(0);
        slot.kind = OutputSlot.TICK;
        slot.tick = t.tick;
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        largestTick = Math.max(largestTick, slot.length);
        output.publish(seq);
    }

    TickHistogram borrow() {
        return pooled > 0 ? pool[--pooled] : new TickHistogram();
    }

    void giveBack(final TickHistogram h) {
        h.reset();
        if (pooled == pool.length) {
            pool = Arrays.copyOf(pool, pooled * 2);
        }
        pool[pooled++] = h;
    }

    private void grow(final int inputs) {
        final int n = Math.max(inputs, previous.length * 2);
        final int before = previous.length;
        previous = Arrays.copyOf(previous, n);
        previousTs = Arrays.copyOf(previousTs, n);
        Arrays.fill(previousTs, before, n, NONE);
        for (final TickState t : window) {
            t.grow(n, n); // a row is made with its first input: rows never outnumber inputs
        }
    }

    @Override
    public void onShutdown() {
        histogramEncoder.close();
    }

    /** One open tick: per row, its figures; per input, a family part's increase (or a quantile's value). */
    static final class TickState {
        long tick;
        long[] samples = new long[0];
        double[] sum = new double[0];
        double[] min = new double[0];
        double[] max = new double[0];
        double[] last = new double[0];
        long[] lastTs = new long[0];
        long[] late = new long[0];
        long[] latencySum = new long[0];
        TickHistogram[] histograms = new TickHistogram[0];
        /** Rows touched this tick, one bit each: their id order without a sort (Arrays.sort allocates). */
        long[] touched = new long[0];
        int[] touchedRows = new int[0];
        int touchedCount;
        double[] parts = new double[0];
        boolean[] partSeen = new boolean[0];
        int[] seenParts = new int[0];
        int seenCount;

        TickState(final long tick) {
            this.tick = tick;
        }

        void grow(final int inputs, final int rows) {
            if (rows > samples.length) {
                final int before = samples.length;
                final int n = Math.max(rows, before * 2);
                samples = Arrays.copyOf(samples, n);
                sum = Arrays.copyOf(sum, n);
                min = Arrays.copyOf(min, n);
                max = Arrays.copyOf(max, n);
                last = Arrays.copyOf(last, n);
                lastTs = Arrays.copyOf(lastTs, n);
                late = Arrays.copyOf(late, n);
                latencySum = Arrays.copyOf(latencySum, n);
                histograms = Arrays.copyOf(histograms, n);
                touched = Arrays.copyOf(touched, (n + 63) >>> 6);
                touchedRows = Arrays.copyOf(touchedRows, n);
                for (int r = before; r < n; r++) {
                    clearRow(r);
                }
            }
            if (inputs > parts.length) {
                parts = Arrays.copyOf(parts, inputs);
                partSeen = Arrays.copyOf(partSeen, inputs);
                seenParts = Arrays.copyOf(seenParts, inputs);
            }
        }

        void touch(final int row) {
            final long bit = 1L << row;
            if ((touched[row >>> 6] & bit) == 0) {
                touched[row >>> 6] |= bit;
                touchedRows[touchedCount++] = row;
            }
        }

        /** The touched rows in id order, from the bits: O(words up to the highest one + rows), no allocation. */
        void sortTouched() {
            int i = 0;
            for (int w = 0; i < touchedCount; w++) {
                long bits = touched[w];
                while (bits != 0) {
                    touchedRows[i++] = (w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                }
            }
        }

        void gauge(final int row, final long ts, final double value) {
            sample(row, ts, value);
            sum[row] += value;
        }

        /** A counter's raw value for samples, min, max and latest; its increase for the sum. */
        void counter(final int row, final long ts, final double value, final double increase) {
            sample(row, ts, value);
            sum[row] += increase;
        }

        private void sample(final int row, final long ts, final double value) {
            touch(row);
            if (samples[row]++ == 0) {
                min[row] = value;
                max[row] = value;
            } else {
                min[row] = Math.min(min[row], value);
                max[row] = Math.max(max[row], value);
            }
            if (ts >= lastTs[row]) {
                last[row] = value;
                lastTs[row] = ts;
            }
        }

        void record(final int row, final long ns, final ObservationAggregator owner) {
            TickHistogram h = histograms[row];
            if (h == null) {
                h = owner.borrow();
                histograms[row] = h;
            }
            h.record(ns);
            latencySum[row] += ns;
        }

        boolean partSeen(final int input) {
            return partSeen[input];
        }

        void part(final int input, final double value) {
            if (!partSeen[input]) {
                partSeen[input] = true;
                seenParts[seenCount++] = input;
            }
            parts[input] = value;
        }

        /**
         * A histogram family's row from its buckets' increases (each bucket's observations recorded at its upper
         * bound, +Inf's at the largest finite one), else a summary's from its count's increase spread over its
         * quantiles' values (q1 of them at the first, q2 - q1 at the second, ..., the rest at the last).
         */
        void buildFamilies(final SeriesRegistry registry, final ObservationAggregator owner) {
            for (int i = 0; i < touchedCount; i++) {
                final int r = touchedRows[i];
                final SeriesRegistry.Row row = registry.row(r);
                if (row.kind != MetricKind.HISTOGRAM && row.kind != MetricKind.SUMMARY) {
                    continue;
                }
                final SeriesRegistry.Parts p = row.parts;
                final int sumInput = row.sumInput;
                final int countInput = row.countInput;
                if (sumInput >= 0 && sumInput < partSeen.length && partSeen[sumInput]) {
                    sum[r] = parts[sumInput];
                    latencySum[r] = Math.round(parts[sumInput] * row.scaleToNs);
                }
                boolean buckets = false;
                double below = 0;
                double bound = 0;
                for (int k = 0; k < p.inputs().length; k++) {
                    final int in = p.inputs()[k];
                    if (in >= partSeen.length || !partSeen[in] || registry.role(in) != SeriesRegistry.BUCKET) {
                        continue;
                    }
                    buckets = true;
                    if (!Double.isInfinite(p.bounds()[k])) {
                        bound = p.bounds()[k];
                    }
                    final double cumulative = parts[in];
                    final long observed = Math.round(cumulative - below);
                    if (observed > 0) {
                        recordCount(r, Math.round(bound * row.scaleToNs), observed, owner);
                    }
                    below = Math.max(below, cumulative);
                }
                if (buckets || countInput < 0 || countInput >= partSeen.length || !partSeen[countInput]) {
                    continue;
                }
                final long n = Math.round(parts[countInput]);
                long placed = 0;
                double value = Double.NaN;
                for (int k = 0; k < p.inputs().length && n > 0; k++) {
                    final int in = p.inputs()[k];
                    if (in >= partSeen.length || !partSeen[in]) {
                        continue;
                    }
                    value = parts[in];
                    final long upTo = Math.round(n * p.bounds()[k]);
                    if (upTo > placed) {
                        recordCount(r, Math.round(Math.max(0, value) * row.scaleToNs), upTo - placed, owner);
                        placed = upTo;
                    }
                }
                if (placed < n && !Double.isNaN(value)) {
                    recordCount(r, Math.round(Math.max(0, value) * row.scaleToNs), n - placed, owner);
                }
            }
        }

        private void recordCount(final int row, final long value, final long count,
                                 final ObservationAggregator owner) {
            TickHistogram h = histograms[row];
            if (h == null) {
                h = owner.borrow();
                histograms[row] = h;
            }
            h.record(value, count);
        }

        /** Made the state of tick {@code next}: only what this tick touched is cleared. */
        void reset(final long next, final ObservationAggregator owner) {
            for (int i = 0; i < touchedCount; i++) {
                final int r = touchedRows[i];
                if (histograms[r] != null) {
                    owner.giveBack(histograms[r]);
                    histograms[r] = null;
                }
                clearRow(r);
                touched[r >>> 6] &= ~(1L << r);
            }
            touchedCount = 0;
            for (int i = 0; i < seenCount; i++) {
                partSeen[seenParts[i]] = false;
                parts[seenParts[i]] = 0;
            }
            seenCount = 0;
            tick = next;
        }

        private void clearRow(final int r) {
            samples[r] = 0;
            sum[r] = 0;
            min[r] = Double.NaN;
            max[r] = Double.NaN;
            last[r] = Double.NaN;
            lastTs[r] = NONE;
            late[r] = 0;
            latencySum[r] = 0;
        }
    }
}
