package io.tickwire.journal.format;

/**
 * Every figure derived from the sums a tick (or a fold of ticks, {@link TickFold}) carries, each written once here.
 * A tick is a fold of one tick: the per-tick formats ({@link CsvExporter}, {@link TickFormatter}) call these with a
 * tick's fields and its length, the fold's figures ({@link ServiceFigures}, {@link LatencyFigures}) with their sums
 * and the span they cover.
 * <p>
 * Doubles for the reports; the fixed-point forms ({@link #micro}, {@link #perSecondMilli}) for the CSV and JSON
 * columns, rounded once from the exact integers.
 */
public final class Figures {
    /** What the fixed-point ratio columns count in: millionths. */
    public static final long MICRO_UNIT = 1_000_000L;
    private static final double NANOS_PER_SECOND = 1e9;

    private Figures() {
    }

    /**
     * Utilisation: busy server-ns over the server-ns available, {@code Σ busyTimeNs / Σ (servers × tick)}; NaN when
     * there were no servers.
     */
    public static double utilization(final long busyTimeNs, final long serverTimeNs) {
        return serverTimeNs > 0 ? (double)busyTimeNs / serverTimeNs : Double.NaN;
    }

    /**
     * The time average of a quantity whose integral over {@code spanNs} is {@code integralNs}: the mean queue from
     * waiting request-ns, the mean number in system (Little's L) from busy + waiting ns, and λW from the latency sum.
     */
    public static double timeAverage(final long integralNs, final long spanNs) {
        return (double)integralNs / spanNs;
    }

    /** {@code count} per simulated second over {@code spanNs}: a throughput (Little's λ). */
    public static double perSecond(final long count, final long spanNs) {
        return count * NANOS_PER_SECOND / spanNs;
    }

    /** {@link #perSecond} in thousandths, rounded from the exact integers; 0 over an empty span. */
    public static long perSecondMilli(final long count, final long spanNs) {
        return spanNs > 0 ? Math.round(count * 1e12 / spanNs) : 0;
    }

    /** Of {@code completed}, the share that failed; NaN when nothing completed. */
    public static double errorRatio(final long errors, final long completed) {
        return completed > 0 ? (double)errors / completed : Double.NaN;
    }

    /** Exact mean latency, {@code Σ latency / completed}; NaN when nothing completed. */
    public static double meanNs(final long latencySumNs, final long completed) {
        return completed > 0 ? (double)latencySumNs / completed : Double.NaN;
    }

    /** The mean latency in whole nanoseconds (the CSV's {@code mean_ms}); 0 when nothing completed. */
    public static long meanWholeNs(final long latencySumNs, final long completed) {
        return completed > 0 ? latencySumNs / completed : 0;
    }

    /** Cost in the diagram's currency unit, from billionths of it. */
    public static double cost(final long costNanos) {
        return costNanos / NANOS_PER_SECOND;
    }

    /** Little's check {@code L / λW}: 1 when the law holds over the span; NaN when λW is 0 or L unknown. */
    public static double littleRatio(final double meanInSystem, final long latencySumNs, final long spanNs) {
        return latencySumNs > 0 ? meanInSystem / timeAverage(latencySumNs, spanNs) : Double.NaN;
    }

    /** An observed gauge's mean: its sum of samples over their number; NaN with none. */
    public static double mean(final double sum, final long samples) {
        return samples > 0 ? sum / samples : Double.NaN;
    }

    /** An observed counter's rate: its increase over {@code spanNs}, per second (no extrapolation to the edges). */
    public static double rate(final double increase, final long spanNs) {
        return spanNs > 0 ? increase * NANOS_PER_SECOND / spanNs : Double.NaN;
    }

    /** A ratio in millionths, as the fixed-point columns print it; 0 for a ratio that does not exist (NaN). */
    public static long micro(final double ratio) {
        return Double.isFinite(ratio) ? Math.round(ratio * MICRO_UNIT) : 0;
    }
}
