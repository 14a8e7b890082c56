package io.tickwire.engine.observe;

import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.sbe.IngestRejection;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One source of an observed run: its rate limit and its counters. The ingest endpoints (any event loop) take tokens
 * and count what they accept and refuse; the aggregator counts what came late or too far ahead. Thread-safe and
 * allocation-free.
 * <p>
 * The rate limit is a token bucket of {@code burst} samples refilled at {@code rate} a second, kept as GCRA does
 * (one "theoretical arrival time", advanced by a CAS): {@link #tryAcquire} takes a request's samples all or none, so a
 * refused request retried later is never taken twice.
 */
public final class SourceStats {
    /** {@link #tryAcquire}: more samples than the burst, never acceptable at once. */
    public static final long NEVER = Long.MAX_VALUE;

    private final String name;
    private final int index;
    private final ObserveSpec.Limit limit;
    private final long intervalNs;
    private final long toleranceNs;
    private final AtomicLong theoreticalArrivalNs = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder accepted = new LongAdder();
    private final LongAdder[] rejected = new LongAdder[IngestRejection.values().length - 1];
    private final AtomicLong late = new AtomicLong();

    SourceStats(final String name, final int index, final ObserveSpec.Limit limit) {
        this.name = name;
        this.index = index;
        this.limit = limit;
        this.intervalNs = limit.unlimited() ? 0 : Math.max(1, Math.round(1e9 / limit.rate()));
        this.toleranceNs = limit.unlimited() ? 0 : intervalNs * limit.burst();
        for (int i = 0; i < rejected.length; i++) {
            rejected[i] = new LongAdder();
        }
    }

    public String name() {
        return name;
    }

    /** Its number in the run, in order of appearance. */
    public int index() {
        return index;
    }

    public ObserveSpec.Limit limit() {
        return limit;
    }

    /**
     * Take {@code samples} tokens at {@code nowNs} (any monotonic clock, the same for every call).
     *
     * @return 0 if taken; else how many ns until they could be ({@link #NEVER} if more than the burst).
     */
    public long tryAcquire(final long samples, final long nowNs) {
        if (intervalNs == 0 || samples <= 0) {
            return 0;
        }
        if (samples > limit.burst()) {
            return NEVER;
        }
        final long cost = samples * intervalNs;
        while (true) {
            final long tat = theoreticalArrivalNs.get();
            final long start = tat == Long.MIN_VALUE || tat < nowNs ? nowNs : tat;
            final long next = start + cost;
            final long wait = next - nowNs - toleranceNs;
            if (wait > 0) {
                return wait;
            }
            if (theoreticalArrivalNs.compareAndSet(tat, next)) {
                return 0;
            }
        }
    }

    /** Give back tokens taken by {@link #tryAcquire} for a request refused for another source's sake. */
    public void release(final long samples) {
        if (intervalNs != 0 && samples > 0) {
            theoreticalArrivalNs.addAndGet(-samples * intervalNs);
        }
    }

    public void accepted(final long samples) {
        accepted.add(samples);
    }

    public void rejected(final IngestRejection reason, final long samples) {
        rejected[reason.ordinal()].add(samples);
    }

    /** On the aggregator thread: a sample came after its tick had closed. */
    void countLate() {
        late.lazySet(late.get() + 1); // one writer
    }

    public long accepted() {
        return accepted.sum();
    }

    public long rejected(final IngestRejection reason) {
        return rejected[reason.ordinal()].sum();
    }

    public long late() {
        return late.get();
    }
}
