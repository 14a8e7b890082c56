package io.tickwire.journal.format;

import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One service's figures over the ticks of a {@link TickFold}. Besides the request figures of {@link LatencyFigures}:
 * <ul>
 *   <li>counts (arrivals, retries) and cost are summed; storage, servers and queue depth are gauges, their value at
 *       the fold's last tick;</li>
 *   <li>utilisation, mean queue and mean number in system are time averages from the exact integrals the engine
 *       journals (busy server-ns, waiting request-ns): {@code Σ busyTimeNs / Σ (servers × tick)},
 *       {@code Σ queueTimeNs / span}, {@code Σ (busyTimeNs + queueTimeNs) / span}. (Σ servers × tick is servers ×
 *       span while the number of servers is fixed, and stays right once it is not.) They are NaN, unknown, when a
 *       tick of the fold lacks the integrals (schema version 1), and cost is NaN when a tick lacks it;</li>
 *   <li>Little's law, {@code L = λW}: L is the mean number in system, λ the throughput and W the mean latency, so
 *       {@code λW = Σ latencySumNs / span}. The two differ only by the requests that straddle the span's edges.</li>
 * </ul>
 */
public final class ServiceFigures extends LatencyFigures {
    long arrivals;
    long retries;
    long rateLimited;
    long bulkheadRefused;
    long breakerRefused;
    long busyTimeNs;
    long queueTimeNs;
    long serverTimeNs;
    long costNanos;
    long storageBytes;
    int servers;
    int queueDepth;
    boolean integralsKnown = true;
    boolean costKnown = true;
    // An observed run's series (schema v4): the latest value is a gauge; the others are over the fold.
    double value = Double.NaN;
    double valueMin = Double.NaN;
    double valueMax = Double.NaN;
    double valueSum;
    long late;

    ServiceFigures(final TickFold fold, final int id, final String name) {
        super(fold, id, name);
    }

    @Override
    void reset() {
        super.reset();
        arrivals = 0;
        retries = 0;
        rateLimited = 0;
        bulkheadRefused = 0;
        breakerRefused = 0;
        busyTimeNs = 0;
        queueTimeNs = 0;
        serverTimeNs = 0;
        costNanos = 0;
        integralsKnown = true;
        costKnown = true;
        valueMin = Double.NaN;
        valueMax = Double.NaN;
        valueSum = 0;
        late = 0;
        // value (an observed series' latest) and storageBytes, servers and queueDepth are gauges: they keep their last value until the next tick says.
    }

    /** Fold one tick's row of this service, histogram included (merged without decoding it, by the folder). */
    void add(final TickSummaryDecoder.ServicesDecoder s, final long tickLengthNs, final HistogramFolder folder,
             final UnsafeBuffer histogramView) {
        final long completed = s.completed();
        addLatencies(completed, s.errors(), s.rejected(), TickFields.timeouts(s), s.latencySumNs(), s.maxNs());
        arrivals += s.arrivals();
        retries += TickFields.retries(s);
        rateLimited += TickFields.rateLimited(s);
        bulkheadRefused += TickFields.bulkheadRefused(s);
        breakerRefused += TickFields.breakerRefused(s);
        storageBytes = TickFields.storageBytes(s);
        servers = s.servers();
        queueDepth = s.queueDepth();
        final long tickBusyTimeNs = s.busyTimeNs();
        final long tickQueueTimeNs = s.queueTimeNs();
        if (TickFields.integralsKnown(tickBusyTimeNs, tickQueueTimeNs)) {
            busyTimeNs += tickBusyTimeNs;
            queueTimeNs += tickQueueTimeNs;
        } else {
            integralsKnown = false;
        }
        serverTimeNs += s.servers() * tickLengthNs;
        final double tickValue = s.value();
        if (!Double.isNaN(tickValue)) {
            value = tickValue;
            valueMin = Double.isNaN(valueMin) ? s.valueMin() : Math.min(valueMin, s.valueMin());
            valueMax = Double.isNaN(valueMax) ? s.valueMax() : Math.max(valueMax, s.valueMax());
        }
        valueSum += TickFields.valueSum(s);
        late += TickFields.late(s);
        final long tickCostNanos = s.costNanos();
        if (TickFields.costKnown(tickCostNanos)) {
            costNanos += tickCostNanos;
        } else {
            costKnown = false;
        }
        if (completed > 0) {
            s.wrapHistogram(histogramView);
            folder.addTo(histogram, histogramView, 0, histogramView.capacity());
        } else {
            s.skipHistogram();
        }
    }

    public long arrivals() {
        return arrivals;
    }

    /** An observed series' latest value (a counter's raw value); NaN if none yet. */
    public double value() {
        return value;
    }

    /** An observed series' smallest sample over the fold; NaN if none. */
    public double valueMin() {
        return valueMin;
    }

    /** An observed series' largest sample over the fold; NaN if none. */
    public double valueMax() {
        return valueMax;
    }

    /** An observed series' sum of samples over the fold (a counter's increase). */
    public double valueSum() {
        return valueSum;
    }

    /** A gauge's mean over the fold: {@code valueSum / samples}; NaN with no sample. */
    public double valueMean() {
        return Figures.mean(valueSum, arrivals);
    }

    /** A counter's rate over the fold: its increase per second of the fold's span. */
    public double rate() {
        return Figures.rate(valueSum, fold.lengthNs());
    }

    /** An observed series' samples dropped for coming after their tick closed. */
    public long late() {
        return late;
    }

    /** Call attempts the service retried. */
    public long retries() {
        return retries;
    }

    /** Requests a rate limiter refused at the service (not in completed, errors or rejected). */
    public long rateLimited() {
        return rateLimited;
    }

    /** Calls the service made that a full bulkhead refused. */
    public long bulkheadRefused() {
        return bulkheadRefused;
    }

    /** Calls the service made that a circuit breaker did not permit. */
    public long breakerRefused() {
        return breakerRefused;
    }

    /** A database's stored bytes at the fold's last tick; 0 for a service (and in journals before v3). */
    public long storageBytes() {
        return storageBytes;
    }

    /** Servers (replicas × concurrency) at the fold's last tick. */
    public int servers() {
        return servers;
    }

    /** Requests waiting at the end of the fold's last tick. */
    public int queueDepth() {
        return queueDepth;
    }

    public long busyTimeNs() {
        return busyTimeNs;
    }

    public long queueTimeNs() {
        return queueTimeNs;
    }

    /** Σ servers × tick: server-ns available over the fold. */
    public long serverTimeNs() {
        return serverTimeNs;
    }

    /**
     * True if every tick of the fold carries the busy and queue time integrals (schema version 2 on); else the
     * figures made from them (utilisation, queue, L and Little's ratio) are NaN: unknown, not 0.
     */
    public boolean integralsKnown() {
        return integralsKnown;
    }

    /** Cost over the fold in billionths of the currency unit; see {@link #costKnown()}. */
    public long costNanos() {
        return costNanos;
    }

    /** False if a tick of the fold has no cost (schema version 1). */
    public boolean costKnown() {
        return costKnown;
    }

    /** Cost accrued over the fold, in the diagram's currency unit; NaN for journals before cost (v1). */
    public double cost() {
        return costKnown ? Figures.cost(costNanos) : Double.NaN;
    }

    /** Σ busy server-ns / Σ server-ns available; NaN if the service had no servers or the integrals are absent. */
    public double utilization() {
        return integralsKnown ? Figures.utilization(busyTimeNs, serverTimeNs) : Double.NaN;
    }

    /** Time-average number of requests waiting; NaN if the integrals are absent. */
    public double meanQueue() {
        return integralsKnown ? Figures.timeAverage(queueTimeNs, fold.lengthNs()) : Double.NaN;
    }

    /** Time-average number of requests in the service, waiting or served: Little's L; NaN if unknown. */
    public double meanInSystem() {
        return integralsKnown ? Figures.timeAverage(busyTimeNs + queueTimeNs, fold.lengthNs()) : Double.NaN;
    }

    /** L / λW, 1 when Little's law holds over the fold; NaN when nothing completed or L is unknown. */
    public double littleRatio() {
        return Figures.littleRatio(meanInSystem(), latencySumNs, fold.lengthNs());
    }
}
