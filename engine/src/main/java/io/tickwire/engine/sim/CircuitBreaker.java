package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.BreakerSpec;

/**
 * resilience4j's {@code CircuitBreakerStateMachine} on simulated time, for one call of one service.
 * <ul>
 *   <li>CLOSED permits every attempt. Each outcome is recorded in the sliding window (the last N calls, or the calls
 *   of the last N whole seconds); once the window holds at least {@code minimumNumberOfCalls} (count-based: at most
 *   N), the failure rate and the slow call rate are evaluated after every record, and the breaker opens when either
 *   is at or above its threshold ({@code >=}, in float percent as resilience4j computes them). A call is slow when it
 *   took strictly longer than {@code slowCallDurationThreshold}.</li>
 *   <li>OPEN permits nothing ("not permitted", counted) until an attempt comes strictly after
 *   {@code waitDurationInOpenState} has passed: that attempt moves it to HALF_OPEN (no automatic transition, as
 *   resilience4j by default) and is the first permitted one there. Outcomes recorded while OPEN change nothing.</li>
 *   <li>HALF_OPEN permits {@code permittedNumberOfCallsInHalfOpenState} attempts and refuses the rest; its outcomes
 *   (any recorded while HALF_OPEN, also late answers to attempts made before) go to a fresh count-based window of
 *   that size, evaluated from min(minimumNumberOfCalls, permitted) records on: at or above a threshold it opens again,
 *   below both it closes (with a fresh window).</li>
 * </ul>
 * After each {@link #tryAcquire} and {@link #onResult}, {@link #changedFrom()} says whether the state changed (at most
 * once per call) and {@link #failureRate()} / {@link #slowCallRate()} the rates evaluated, in hundredths of a percent.
 * <b>Single-threaded</b>; allocates only when built.
 */
final class CircuitBreaker {
    static final byte CLOSED = 0;
    static final byte OPEN = 1;
    static final byte HALF_OPEN = 2;
    /** A rate that was not evaluated (fewer calls than the minimum, or a transition without evaluation). */
    static final int NOT_EVALUATED = -1;

    private final BreakerSpec spec;
    private final Window closedWindow;
    private final Window halfOpenWindow;
    private final int closedMinimum;
    private final int halfOpenMinimum;
    private byte state = CLOSED;
    private long openUntilNs;
    private int permits;
    private int changedFrom = -1;
    private int failureRate = NOT_EVALUATED;
    private int slowCallRate = NOT_EVALUATED;

    CircuitBreaker(final BreakerSpec spec) {
        this.spec = spec;
        if (spec.window() == BreakerSpec.Window.COUNT_BASED) {
            closedWindow = new CountWindow(spec.windowSize());
            closedMinimum = Math.min(spec.minimumCalls(), spec.windowSize());
        } else {
            closedWindow = new TimeWindow(spec.windowSize());
            closedMinimum = spec.minimumCalls();
        }
        halfOpenWindow = new CountWindow(spec.permittedInHalfOpen());
        halfOpenMinimum = Math.min(spec.minimumCalls(), spec.permittedInHalfOpen());
    }

    byte state() {
        return state;
    }

    /** The state before the last call's change, or -1 if it changed nothing. */
    int changedFrom() {
        return changedFrom;
    }

    int failureRate() {
        return failureRate;
    }

    int slowCallRate() {
        return slowCallRate;
    }

    /** An attempt at {@code nowNs}: @return whether it may go (a permitted one's outcome must be recorded). */
    boolean tryAcquire(final long nowNs) {
        changedFrom = -1;
        if (state == CLOSED) {
            return true;
        }
        if (state == OPEN) {
            if (nowNs <= openUntilNs) {
                return false;
            }
            transition(HALF_OPEN, NOT_EVALUATED, NOT_EVALUATED);
            halfOpenWindow.reset();
            permits = spec.permittedInHalfOpen();
        }
        if (permits > 0) {
            permits--;
            return true;
        }
        return false;
    }

    /** The outcome of a permitted attempt, back at the caller at {@code nowNs} after {@code durationNs}. */
    void onResult(final long nowNs, final long durationNs, final boolean failure) {
        changedFrom = -1;
        if (state == OPEN) {
            return;
        }
        final boolean slow = durationNs > spec.slowCallDurationNs();
        final boolean closed = state == CLOSED;
        final Window w = closed ? closedWindow : halfOpenWindow;
        w.record(nowNs, failure, slow);
        final int calls = w.calls();
        if (calls == 0 || calls < (closed ? closedMinimum : halfOpenMinimum)) {
            return;
        }
        final float failurePercent = w.failed() * 100.0f / calls;
        final float slowPercent = w.slow() * 100.0f / calls;
        final boolean above = failurePercent >= spec.failureRateThreshold()
            || slowPercent >= spec.slowCallRateThreshold();
        final int failureBp = Math.round(failurePercent * 100);
        final int slowBp = Math.round(slowPercent * 100);
        if (above) {
            transition(OPEN, failureBp, slowBp);
            openUntilNs = nowNs + spec.waitInOpenNs();
        } else if (!closed) {
            transition(CLOSED, failureBp, slowBp);
            closedWindow.reset();
        }
    }

    private void transition(final byte to, final int failureBp, final int slowBp) {
        changedFrom = state;
        state = to;
        failureRate = failureBp;
        slowCallRate = slowBp;
    }

    /** A sliding window's totals. */
    private abstract static class Window {
        abstract void record(long nowNs, boolean failure, boolean slow);

        abstract int calls();

        abstract int failed();

        abstract int slow();

        abstract void reset();
    }

    /** The last {@code size} calls: resilience4j's FixedSizeSlidingWindowMetrics. */
    private static final class CountWindow extends Window {
        private static final byte FAILED = 1;
        private static final byte SLOW = 2;
        private final byte[] ring;
        private int head;
        private int count;
        private int failed;
        private int slow;

        CountWindow(final int size) {
            ring = new byte[size];
        }

        @Override
        void record(final long nowNs, final boolean failure, final boolean isSlow) {
            if (count == ring.length) {
                final byte old = ring[head];
                failed -= old & FAILED;
                slow -= (old & SLOW) >> 1;
            } else {
                count++;
            }
            ring[head] = (byte)((failure ? FAILED : 0) | (isSlow ? SLOW : 0));
            failed += failure ? 1 : 0;
            slow += isSlow ? 1 : 0;
            head = head + 1 == ring.length ? 0 : head + 1;
        }

        @Override
        int calls() {
            return count;
        }

        @Override
        int failed() {
            return failed;
        }

        @Override
        int slow() {
            return slow;
        }

        @Override
        void reset() {
            head = 0;
            count = 0;
            failed = 0;
            slow = 0;
        }
    }

    /**
     * The calls of the last {@code seconds} whole seconds of simulated time, one bucket per second:
     * resilience4j's SlidingTimeWindowMetrics (epoch seconds there; seconds since the run began here).
     */
    private static final class TimeWindow extends Window {
        private final long[] second;
        private final int[] bucketCalls;
        private final int[] bucketFailed;
        private final int[] bucketSlow;
        private int head;
        private int calls;
        private int failed;
        private int slow;

        TimeWindow(final int seconds) {
            second = new long[seconds];
            bucketCalls = new int[seconds];
            bucketFailed = new int[seconds];
            bucketSlow = new int[seconds];
            reset();
        }

        @Override
        void record(final long nowNs, final boolean failure, final boolean isSlow) {
            final long now = nowNs / 1_000_000_000L;
            final long behind = now - second[head];
            if (behind > 0) {
                // Move the head on, second by second (at most the window's length), emptying what falls out.
                long steps = Math.min(behind, second.length);
                while (steps > 0) {
                    steps--;
                    head = head + 1 == second.length ? 0 : head + 1;
                    calls -= bucketCalls[head];
                    failed -= bucketFailed[head];
                    slow -= bucketSlow[head];
                    bucketCalls[head] = 0;
                    bucketFailed[head] = 0;
                    bucketSlow[head] = 0;
                    second[head] = now - steps;
                }
            }
            bucketCalls[head]++;
            calls++;
            if (failure) {
                bucketFailed[head]++;
                failed++;
            }
            if (isSlow) {
                bucketSlow[head]++;
                slow++;
            }
        }

        @Override
        int calls() {
            return calls;
        }

        @Override
        int failed() {
            return failed;
        }

        @Override
        int slow() {
            return slow;
        }

        @Override
        void reset() {
            for (int i = 0; i < second.length; i++) {
                second[i] = i;
                bucketCalls[i] = 0;
                bucketFailed[i] = 0;
                bucketSlow[i] = 0;
            }
            head = 0;
            calls = 0;
            failed = 0;
            slow = 0;
        }
    }
}
