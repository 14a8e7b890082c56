package io.tickwire.engine.control;

import io.tickwire.codec.TickHistogram;
import io.tickwire.engine.diagram.AlertSpec;
import io.tickwire.engine.diagram.AlertSpec.Function;
import io.tickwire.sbe.AlertState;

import java.util.Arrays;
import java.util.List;

/**
 * A run's alert rules, evaluated once per tick as the tick closes, from its closed figures, with Prometheus'
 * alerting-rule state machine ({@code rules/alerting.go}, {@code AlertingRule.Eval}):
 * <pre>
 *   condition true:   INACTIVE -> PENDING (activeSince = the tick's end), or -> FIRING at once when for = 0;
 *                     PENDING  -> FIRING once now - activeSince >= for;  FIRING stays (keep-firing is cleared)
 *   condition false:  PENDING  -> INACTIVE;
 *                     FIRING   -> INACTIVE (resolved), unless keep_firing_for > 0 and now - keepFiringSince <
 *                                 keep_firing_for, keepFiringSince being the first false evaluation since it fired
 * </pre>
 * A NaN value (no data: a percentile of a tick without completions) is false, as a PromQL comparison drops it.
 * <pre>
 *   aggregator thread: record(s, tick, ...) as each service's tick is staged (ticks of a service in order, up to
 *                      the pending window ahead of the tick being closed); evaluate(tick, endNs, sink) when it closes
 * </pre>
 * An observed run's rules ({@link #observed}) read series (rows) that appear at runtime: each is {@link #bind}ed to
 * its row when the row is registered and reads no data (false: an absent series does not alert) until then; a row
 * is {@link #recordObserved}ed on the ticks it has samples (or late ones) in, so its functions read the window's
 * ticks that have some, not the last tick alone.
 * Each service a rule reads keeps a preallocated ring of per-tick figures (and, for a percentile over a window,
 * each tick's latency buckets, merged when read: percentiles are never averaged). <b>One thread</b> (the
 * aggregator's); steady state allocates nothing (bucket lists grow to the largest tick seen).
 */
public final class AlertEvaluator {
    /** Told every state change, in rule order. */
    @FunctionalInterface
    public interface Sink {
        void onChange(int rule, AlertState from, AlertState to, double value, long activeSinceNs);
    }

    private static final int P50 = 0;
    private static final int PERCENTILES = 5; // p50, p90, p99, p99.9, max
    private static final double[] AT = {50.0, 90.0, 99.0, 99.9};

    private final AlertSpec[] rules;
    private final long tickLengthNs;
    private final int aheadTicks;
    /** The service (row) each rule reads; -1: an observed rule whose row has not appeared. */
    private final int[] service;
    private final Ring[] rings;
    private final AlertState[] state;
    private final long[] activeSinceNs;
    /** The first false evaluation of a firing rule with keep_firing_for; -1 when none. */
    private final long[] keepFiringSinceNs;
    private final double[] lastValue;

    /**
     * @param aheadTicks how many ticks of a service may be recorded past the tick being closed (the aggregator's
     *                   pending window): the rings keep the window and those.
     */
    public AlertEvaluator(final List<AlertSpec> rules, final int serviceCount, final long tickLengthNs,
                          final int aheadTicks) {
        this.rules = rules.toArray(new AlertSpec[0]);
        this.tickLengthNs = tickLengthNs;
        this.aheadTicks = aheadTicks;
        service = new int[this.rules.length];
        rings = new Ring[serviceCount];
        for (int r = 0; r < this.rules.length; r++) {
            service[r] = -1;
            if (this.rules[r].serviceId() >= 0) {
                bind(r, this.rules[r].serviceId());
            }
        }
        state = new AlertState[this.rules.length];
        Arrays.fill(state, AlertState.INACTIVE);
        activeSinceNs = new long[this.rules.length];
        keepFiringSinceNs = new long[this.rules.length];
        Arrays.fill(keepFiringSinceNs, -1);
        lastValue = new double[this.rules.length];
    }

    public int ruleCount() {
        return rules.length;
    }

    /**
     * An observed run's evaluator: {@code rules} on series by name, each {@link #bind}ed when its row appears; rows
     * are recorded as their ticks close ({@code aheadTicks} 0).
     */
    public static AlertEvaluator observed(final List<AlertSpec> rules, final int maxRows, final long tickLengthNs) {
        return new AlertEvaluator(rules, maxRows, tickLengthNs, 0);
    }

    public AlertSpec rule(final int r) {
        return rules[r];
    }

    /** The service (row) rule {@code r} reads; -1 while unbound. */
    public int service(final int r) {
        return service[r];
    }

    /**
     * Rule {@code r} reads {@code row} from now on: its ring is made (or grown) to the window of every rule on the
     * row. Aggregator thread, before the row's first tick is recorded; allocates (a row appears once).
     */
    public void bind(final int r, final int row) {
        service[r] = row;
        int window = 0;
        boolean buckets = false;
        for (int o = 0; o < rules.length; o++) {
            if (service[o] == row) {
                window = Math.max(window, rules[o].windowTicks());
                buckets |= rules[o].windowTicks() > 1 && rules[o].function().ordinal() <= Function.P999.ordinal();
            }
        }
        final int capacity = Integer.highestOneBit(window + aheadTicks) << 1;
        final Ring ring = rings[row];
        if (ring == null || ring.mask + 1 < capacity || buckets && ring.bucketIndex == null) {
            rings[row] = new Ring(capacity, buckets);
        }
    }

    /** Whether a rule reads {@code service}: only those are {@link #record}ed. */
    public boolean tracks(final int service) {
        return rings[service] != null;
    }

    /**
     * One staged tick of {@code service}, in tick order; ignored when no rule reads it. Aggregator thread.
     *
     * @param serverNs  servers × tick length: what utilisation is measured against, as the tick's.
     * @param p50Ns     p50, p90, p99, p99.9 and max follow, as the TickSummary carries them.
     * @param histogram the tick's latency histogram, before it is reset.
     */
    public void record(final int service, final long tick, final long completed, final long errors, final long busyNs,
                       final long serverNs, final int replicas, final int ready, final long rateLimited,
                       final long bulkheadRefused, final long breakerRefused, final long p50Ns, final long p90Ns,
                       final long p99Ns, final long p999Ns, final long maxNs, final TickHistogram histogram) {
        final Ring r = rings[service];
        if (r == null) {
            return;
        }
        final int at = (int)(tick & r.mask);
        r.tick[at] = tick;
        r.completed[at] = completed;
        r.errors[at] = errors;
        r.busyNs[at] = busyNs;
        r.serverNs[at] = serverNs;
        r.replicas[at] = replicas;
        r.ready[at] = ready;
        r.rateLimited[at] = rateLimited;
        r.bulkheadRefused[at] = bulkheadRefused;
        r.breakerRefused[at] = breakerRefused;
        latencies(r, at, p50Ns, p90Ns, p99Ns, p999Ns, maxNs, histogram);
    }

    /**
     * One closed tick of observed row {@code row} that had samples (or late ones), in tick order; ignored when no
     * rule reads it. Aggregator thread.
     *
     * @param samples   samples in the tick; {@code last}, {@code min}, {@code max} their values (NaN: none).
     * @param sum       their sum (a counter's: its increases).
     * @param late      samples of the row that came after their tick closed, counted in this tick.
     * @param completed latencies in the tick's histogram; p50.. and the histogram as {@link #record}'s.
     */
    public void recordObserved(final int row, final long tick, final long samples, final double last,
                               final double min, final double max, final double sum, final long late,
                               final long completed, final long p50Ns, final long p90Ns, final long p99Ns,
                               final long p999Ns, final long maxNs, final TickHistogram histogram) {
        final Ring r = rings[row];
        if (r == null) {
            return;
        }
        final int at = (int)(tick & r.mask);
        r.tick[at] = tick;
        r.completed[at] = completed;
        r.samples[at] = samples;
        r.last[at] = last;
        r.min[at] = min;
        r.max[at] = max;
        r.sum[at] = sum;
        r.late[at] = late;
        latencies(r, at, p50Ns, p90Ns, p99Ns, p999Ns, maxNs, histogram);
    }

    private static void latencies(final Ring r, final int at, final long p50Ns, final long p90Ns, final long p99Ns,
                                  final long p999Ns, final long maxNs, final TickHistogram histogram) {
        final long[] p = r.percentiles[at];
        p[0] = p50Ns;
        p[1] = p90Ns;
        p[2] = p99Ns;
        p[3] = p999Ns;
        p[4] = maxNs;
        if (r.bucketIndex != null) {
            final int n = histogram == null ? 0 : histogram.distinctBuckets();
            if (r.bucketIndex[at].length < n) {
                r.bucketIndex[at] = new int[Integer.highestOneBit(n) << 1];
                r.bucketCount[at] = new long[r.bucketIndex[at].length];
            }
            for (int i = 0; i < n; i++) {
                final int index = histogram.touchedIndex(i);
                r.bucketIndex[at][i] = index;
                r.bucketCount[at][i] = histogram.countAtIndex(index);
            }
            r.buckets[at] = n;
        }
    }

    /**
     * Evaluate every rule on closed tick {@code tick} (ending at {@code endNs}) and tell {@code sink} each state
     * change, in rule order. Aggregator thread, once every service's {@code tick} is recorded.
     */
    public void evaluate(final long tick, final long endNs, final Sink sink) {
        for (int r = 0; r < rules.length; r++) {
            final double value = service[r] < 0 ? Double.NaN : value(r, tick);
            lastValue[r] = value;
            step(r, rules[r].op().test(value, rules[r].threshold()), endNs, value, sink);
        }
    }

    /** The state machine of rule {@code r} at one evaluation. */
    private void step(final int r, final boolean condition, final long nowNs, final double value, final Sink sink) {
        final AlertSpec rule = rules[r];
        final AlertState was = state[r];
        if (condition) {
            keepFiringSinceNs[r] = -1;
            if (was == AlertState.INACTIVE) {
                activeSinceNs[r] = nowNs;
                change(r, was, rule.forNs() == 0 ? AlertState.FIRING : AlertState.PENDING, value, sink);
            } else if (was == AlertState.PENDING && nowNs - activeSinceNs[r] >= rule.forNs()) {
                change(r, was, AlertState.FIRING, value, sink);
            }
            return;
        }
        if (was == AlertState.PENDING) {
            change(r, was, AlertState.INACTIVE, value, sink);
        } else if (was == AlertState.FIRING) {
            if (rule.keepFiringForNs() > 0) {
                if (keepFiringSinceNs[r] < 0) {
                    keepFiringSinceNs[r] = nowNs;
                }
                if (nowNs - keepFiringSinceNs[r] < rule.keepFiringForNs()) {
                    return;
                }
            }
            keepFiringSinceNs[r] = -1;
            change(r, was, AlertState.INACTIVE, value, sink);
        }
    }

    private void change(final int r, final AlertState from, final AlertState to, final double value, final Sink sink) {
        state[r] = to;
        sink.onChange(r, from, to, value, activeSinceNs[r]);
    }

    public AlertState state(final int r) {
        return state[r];
    }

    /** The value rule {@code r} read at its last evaluation (NaN: no data). */
    public double lastValue(final int r) {
        return lastValue[r];
    }

    /** The left-hand value of rule {@code r} over its window ending at {@code tick}, in its base unit; NaN: no data. */
    double value(final int r, final long tick) {
        final AlertSpec rule = rules[r];
        final Ring ring = rings[service[r]];
        final Function fn = rule.function();
        final int last = (int)(tick & ring.mask);
        if (fn.observedOnly()) {
            return observedValue(ring, fn, rule.windowTicks(), tick);
        }
        if (ring.tick[last] != tick && rule.serviceId() >= 0) {
            return Double.NaN; // a service records every tick; an observed row only those with samples
        }
        if (fn == Function.REPLICAS) {
            return ring.replicas[last];
        }
        if (fn == Function.READY_REPLICAS) {
            return ring.ready[last];
        }
        long completed = 0;
        long errors = 0;
        long busy = 0;
        long server = 0;
        long refused = 0;
        long max = 0;
        int ticks = 0;
        for (long t = Math.max(0, tick - rule.windowTicks() + 1); t <= tick; t++) {
            final int at = (int)(t & ring.mask);
            if (ring.tick[at] != t) {
                continue;
            }
            ticks++;
            completed += ring.completed[at];
            errors += ring.errors[at];
            busy += ring.busyNs[at];
            server += ring.serverNs[at];
            refused += switch (fn) {
                case RATE_LIMITED -> ring.rateLimited[at];
                case BULKHEAD_REFUSED -> ring.bulkheadRefused[at];
                case BREAKER_REFUSED -> ring.breakerRefused[at];
                default -> 0;
            };
            max = Math.max(max, ring.percentiles[at][PERCENTILES - 1]);
        }
        final double seconds = ticks * (double)tickLengthNs / 1e9;
        return switch (fn) {
            case P50, P90, P99, P999 -> completed == 0 ? Double.NaN : rule.windowTicks() == 1
                ? ring.percentiles[last][fn.ordinal() - Function.P50.ordinal() + P50]
                : ring.mergedPercentile(AT[fn.ordinal() - Function.P50.ordinal()], Math.max(0,
                tick - rule.windowTicks() + 1), tick, max);
            case MAX -> completed == 0 ? Double.NaN : max;
            case ERROR_RATE -> completed == 0 ? Double.NaN : (double)errors / completed;
            case THROUGHPUT -> completed / seconds;
            case UTILIZATION -> server == 0 ? Double.NaN : (double)busy / server;
            case RATE_LIMITED, BULKHEAD_REFUSED, BREAKER_REFUSED -> refused / seconds;
            default -> Double.NaN;
        };
    }

    /**
     * An observed row's value over the window: of its ticks with samples; a rate over the window's length (no more
     * ticks than the run has had). NaN when no tick of the window has samples.
     */
    private double observedValue(final Ring ring, final Function fn, final int windowTicks, final long tick) {
        final long first = Math.max(0, tick - windowTicks + 1);
        long samples = 0;
        long late = 0;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double last = Double.NaN;
        boolean any = false;
        for (long t = first; t <= tick; t++) {
            final int at = (int)(t & ring.mask);
            if (ring.tick[at] != t) {
                continue;
            }
            any = true;
            late += ring.late[at];
            if (ring.samples[at] == 0 || Double.isNaN(ring.last[at])) {
                continue;
            }
            samples += ring.samples[at];
            sum += ring.sum[at];
            min = Math.min(min, ring.min[at]);
            max = Math.max(max, ring.max[at]);
            last = ring.last[at];
        }
        final double seconds = (tick - first + 1) * (double)tickLengthNs / 1e9;
        return switch (fn) {
            case VALUE -> last;
            case MIN -> samples == 0 ? Double.NaN : min;
            case VALUE_MAX -> samples == 0 ? Double.NaN : max;
            case MEAN -> samples == 0 ? Double.NaN : sum / samples;
            case RATE -> samples == 0 ? Double.NaN : sum / seconds;
            case LATE -> any ? late / seconds : Double.NaN;
            default -> Double.NaN;
        };
    }

    /** A service's ring of per-tick figures (and buckets), at least its longest window plus the pending ticks. */
    private static final class Ring {
        final int mask;
        final long[] tick;
        final long[] completed;
        final long[] errors;
        final long[] busyNs;
        final long[] serverNs;
        final int[] replicas;
        final int[] ready;
        final long[] rateLimited;
        final long[] bulkheadRefused;
        final long[] breakerRefused;
        // An observed row's values (NaN: no sample).
        final long[] samples;
        final double[] last;
        final double[] min;
        final double[] max;
        final double[] sum;
        final long[] late;
        final long[][] percentiles;
        // Each tick's latency buckets, only for a percentile over a window; merged when read.
        final int[][] bucketIndex;
        final long[][] bucketCount;
        final int[] buckets;
        final MergedBuckets merged;

        Ring(final int capacity, final boolean withBuckets) {
            mask = capacity - 1;
            tick = new long[capacity];
            Arrays.fill(tick, -1);
            completed = new long[capacity];
            errors = new long[capacity];
            busyNs = new long[capacity];
            serverNs = new long[capacity];
            replicas = new int[capacity];
            ready = new int[capacity];
            rateLimited = new long[capacity];
            bulkheadRefused = new long[capacity];
            breakerRefused = new long[capacity];
            samples = new long[capacity];
            last = new double[capacity];
            min = new double[capacity];
            max = new double[capacity];
            sum = new double[capacity];
            late = new long[capacity];
            percentiles = new long[capacity][PERCENTILES];
            if (withBuckets) {
                bucketIndex = new int[capacity][64];
                bucketCount = new long[capacity][64];
                buckets = new int[capacity];
                merged = new MergedBuckets();
            } else {
                bucketIndex = null;
                bucketCount = null;
                buckets = null;
                merged = null;
            }
        }

        /**
         * As {@link TickHistogram#valueAtPercentile} over the merged buckets of ticks {@code first..last}, capped at
         * the exact max: the same figure a report's window merge gives.
         */
        long mergedPercentile(final double percentile, final long first, final long last, final long max) {
            for (long t = first; t <= last; t++) {
                final int at = (int)(t & mask);
                if (tick[at] == t) {
                    merged.add(bucketIndex[at], bucketCount[at], buckets[at]);
                }
            }
            final long result = merged.isEmpty() ? max : merged.percentile(percentile, max);
            merged.clear();
            return result;
        }
    }
}
