package io.tickwire.journal.format;

import org.HdrHistogram.Histogram;

/**
 * The figures of the requests leaving one service, or the system from one entry point, over the ticks of a
 * {@link TickFold}: counts summed, latencies merged into one histogram, and what derives from them over the fold's
 * span. Percentiles are meaningful only when {@link #completed()} > 0 (they are 0 otherwise).
 * <p>
 * A live view of the fold: it changes as ticks are added and is zeroed by {@link TickFold#reset()}.
 */
public abstract class LatencyFigures {
    final TickFold fold;
    // Auto-resizing, 3 significant digits, as the ticks' histograms: merging them loses nothing.
    final Histogram histogram = new Histogram(3);
    private final int id;
    private final String name;
    long ticks;
    long completed;
    long errors;
    long rejected;
    long timeouts;
    long latencySumNs;
    long maxNs;

    LatencyFigures(final TickFold fold, final int id, final String name) {
        this.fold = fold;
        this.id = id;
        this.name = name;
    }

    /** Zero the sums; gauges (a subclass's) keep their last value. */
    void reset() {
        histogram.reset();
        ticks = 0;
        completed = 0;
        errors = 0;
        rejected = 0;
        timeouts = 0;
        latencySumNs = 0;
        maxNs = 0;
    }

    final void addLatencies(final long completed, final long errors, final long rejected, final long timeouts,
                            final long latencySumNs, final long maxNs) {
        ticks++;
        this.completed += completed;
        this.errors += errors;
        this.rejected += rejected;
        this.timeouts += timeouts;
        this.latencySumNs += latencySumNs;
        this.maxNs = Math.max(this.maxNs, maxNs);
    }

    public int id() {
        return id;
    }

    /** The catalog's name (not escaped). */
    public String name() {
        return name;
    }

    /** Ticks of the fold in which this service or entry point appeared (0: in none). */
    public long ticks() {
        return ticks;
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

    /** Of {@link #errors()}, those that failed because a call timed out (schema version 3 on; 0 before). */
    public long timeouts() {
        return timeouts;
    }

    public long latencySumNs() {
        return latencySumNs;
    }

    /** The exact maximum latency; 0 if nothing completed. */
    public long maxNs() {
        return maxNs;
    }

    /** Exact mean latency, {@code Σ latency / completed}; NaN when nothing completed. */
    public double meanNs() {
        return Figures.meanNs(latencySumNs, completed);
    }

    /** The mean latency in whole ns; 0 when nothing completed. */
    public long meanWholeNs() {
        return Figures.meanWholeNs(latencySumNs, completed);
    }

    /**
     * The {@code p}-th percentile of the merged histogram, as the aggregator gives it per tick: the top of its bucket
     * (3 significant digits), capped at the exact maximum; 0 if nothing completed. Never an average of the ticks'.
     */
    public long percentileNs(final double p) {
        return histogram.getTotalCount() == 0 ? 0 : Math.min(histogram.getValueAtPercentile(p), maxNs);
    }

    public long p50Ns() {
        return percentileNs(50.0);
    }

    public long p90Ns() {
        return percentileNs(90.0);
    }

    public long p99Ns() {
        return percentileNs(99.0);
    }

    public long p999Ns() {
        return percentileNs(99.9);
    }

    /** The merged latency histogram (a live view: do not modify). */
    public Histogram histogram() {
        return histogram;
    }

    /** Completions per simulated second over the fold's span (Little's λ for a service). */
    public double throughputPerSecond() {
        return Figures.perSecond(completed, fold.lengthNs());
    }

    /** Of the completed requests, the share in error; NaN when nothing completed. */
    public double errorRatio() {
        return Figures.errorRatio(errors, completed);
    }

    /** λW: throughput times mean latency, which is {@code Σ latency / span}. */
    public double littleLambdaW() {
        return Figures.timeAverage(latencySumNs, fold.lengthNs());
    }
}
