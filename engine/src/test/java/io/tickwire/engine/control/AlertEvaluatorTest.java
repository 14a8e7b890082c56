package io.tickwire.engine.control;

import io.tickwire.codec.TickHistogram;
import io.tickwire.engine.diagram.AlertSpec;
import io.tickwire.engine.diagram.AlertSpec.Function;
import io.tickwire.engine.diagram.AlertSpec.Op;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prometheus' alerting state machine on hand-worked tick sequences (ticks of 100 ms: tick t ends at (t + 1) × 100 ms,
 * the time of its evaluation), and the values rules read: one tick's figures, windows merged from their buckets.
 */
class AlertEvaluatorTest {
    private static final long TICK = 100_000_000L;
    private static final long MS = 1_000_000L;

    private final List<String> changes = new ArrayList<>();
    private final AlertEvaluator.Sink sink = (rule, from, to, value, since) ->
        changes.add(rule + " " + from + "->" + to + " since " + since / MS + "ms");

    @Test
    void shouldGoPendingThenFiringAfterForThenResolve() {
        final AlertEvaluator e = evaluator(util("Busy", 300 * MS, 0));
        final List<String> seen = run(e, false, true, true, true, true, false);
        assertThat(seen).containsExactly(
            "tick 1: 0 INACTIVE->PENDING since 200ms",
            "tick 4: 0 PENDING->FIRING since 200ms", // 500 - 200 >= 300
            "tick 5: 0 FIRING->INACTIVE since 200ms");
    }

    @Test
    void shouldGoBackToInactiveWhenTheConditionEndsBeforeFor() {
        final AlertEvaluator e = evaluator(util("Busy", 300 * MS, 0));
        assertThat(run(e, false, true, true, false, false)).containsExactly(
            "tick 1: 0 INACTIVE->PENDING since 200ms",
            "tick 3: 0 PENDING->INACTIVE since 200ms");
    }

    @Test
    void shouldFireAtOnceWithForZero() {
        final AlertEvaluator e = evaluator(util("Busy", 0, 0));
        assertThat(run(e, true, true, false, true)).containsExactly(
            "tick 0: 0 INACTIVE->FIRING since 100ms",
            "tick 2: 0 FIRING->INACTIVE since 100ms",
            "tick 3: 0 INACTIVE->FIRING since 400ms");
    }

    @Test
    void shouldKeepFiringForItsTimeAfterTheFirstFalseEvaluation() {
        final AlertEvaluator e = evaluator(util("Busy", 0, 200 * MS));
        // False at 200 and 300 (300 - 200 < 200: still firing), true again at 400 (resets), false from 500:
        // 600 - 500 < 200 keeps it, 700 - 500 = 200 resolves.
        assertThat(run(e, true, false, false, true, false, false, false, false)).containsExactly(
            "tick 0: 0 INACTIVE->FIRING since 100ms",
            "tick 6: 0 FIRING->INACTIVE since 100ms");
    }

    @Test
    void shouldReadNoDataAsFalse() {
        final AlertEvaluator e = evaluator(
            rule("Slow", Function.P99, 1, Op.GT, 0, 0, 0),
            rule("NotOneMs", Function.P99, 1, Op.NE, MS, 0, 0),
            rule("Errors", Function.ERROR_RATE, 1, Op.GE, 0, 0, 0));
        final TickHistogram h = new TickHistogram();
        h.record(5 * MS);
        record(e, 0, 1, 0, 5 * MS, h);
        e.evaluate(0, TICK, sink);
        assertThat(e.lastValue(0)).isEqualTo(5 * MS);
        assertThat(e.lastValue(2)).isEqualTo(0.0);
        record(e, 1, 0, 0, 0, null); // no completion: p99 and the error rate have no value
        e.evaluate(1, 2 * TICK, sink);
        assertThat(e.lastValue(0)).isNaN();
        assertThat(e.lastValue(2)).isNaN();
        assertThat(changes).containsExactly(
            "0 INACTIVE->FIRING since 100ms",
            "1 INACTIVE->FIRING since 100ms",
            "2 INACTIVE->FIRING since 100ms",
            "0 FIRING->INACTIVE since 100ms",
            "1 FIRING->INACTIVE since 100ms",
            "2 FIRING->INACTIVE since 100ms");
    }

    @Test
    void shouldMergeAWindowsHistogramsAndSumItsCounts() {
        final AlertEvaluator e = evaluator(
            rule("TickP99", Function.P99, 1, Op.GT, 50 * MS, 0, 0),
            rule("WindowP99", Function.P99, 3, Op.GT, 50 * MS, 0, 0),
            rule("WindowErrors", Function.ERROR_RATE, 3, Op.GT, 0.1, 0, 0),
            rule("WindowThroughput", Function.THROUGHPUT, 3, Op.GT, 0, 0, 0),
            rule("WindowMax", Function.MAX, 3, Op.GT, 0, 0, 0));
        final TickHistogram h = new TickHistogram();
        for (int t = 0; t < 2; t++) {
            h.record(MS, 100);
            record(e, t, 100, 0, MS, h);
            h.reset();
            e.evaluate(t, (t + 1) * TICK, sink);
        }
        h.record(100 * MS, 2);
        record(e, 2, 2, 2, 100 * MS, h);
        e.evaluate(2, 3 * TICK, sink);
        // The tick alone: p99 of two 100 ms values; the window: 200 of 202 values at 1 ms.
        assertThat(e.lastValue(0)).isEqualTo(100 * MS);
        assertThat(e.lastValue(1)).isEqualTo(TickHistogram.highestEquivalentValue(TickHistogram.indexOf(MS)));
        assertThat(e.lastValue(2)).isEqualTo(2.0 / 202);
        assertThat(e.lastValue(3)).isEqualTo(202 / 0.3);
        assertThat(e.lastValue(4)).isEqualTo(100 * MS);
        assertThat(e.state(0)).hasToString("FIRING");
        assertThat(e.state(1)).hasToString("INACTIVE");
        assertThat(e.state(2)).hasToString("INACTIVE");
        // Tick 3 has no completion: the window's ticks 1..3 still do.
        record(e, 3, 0, 0, 0, null);
        e.evaluate(3, 4 * TICK, sink);
        assertThat(e.lastValue(0)).isNaN();
        assertThat(e.lastValue(2)).isEqualTo(2.0 / 102);
        assertThat(e.lastValue(3)).isEqualTo(102 / 0.3);
    }

    /** Tick by tick, utilisation 0.8 where {@code busy}, else 0.2; the changes, each with its tick. */
    private List<String> run(final AlertEvaluator e, final boolean... busy) {
        final List<String> result = new ArrayList<>();
        for (int t = 0; t < busy.length; t++) {
            e.record(0, t, 10, 0, busy[t] ? 800 : 200, 1000, 1, 1, 0, 0, 0, MS, MS, MS, MS, MS, null);
            final int tick = t;
            e.evaluate(t, (t + 1) * TICK, (rule, from, to, value, since) ->
                result.add("tick " + tick + ": " + rule + " " + from + "->" + to + " since " + since / MS + "ms"));
        }
        return result;
    }

    private static void record(final AlertEvaluator e, final long tick, final long completed, final long errors,
                               final long latencyNs, final TickHistogram h) {
        e.record(0, tick, completed, errors, 500, 1000, 1, 1, 0, 0, 0, latencyNs, latencyNs, latencyNs, latencyNs,
            latencyNs, h);
    }

    @Test
    void shouldReadAnObservedSeriesOnlyOnceBoundAndOverTheTicksThatHoldSamples() {
        final AlertEvaluator e = AlertEvaluator.observed(List.of(
            series("Load", Function.VALUE, 3, Op.GT, 4), // the latest sample in the last 3 ticks
            series("Rate", Function.RATE, 2, Op.GE, 40), // increase per second over 2 ticks
            series("Never", Function.VALUE, 1, Op.GE, 0)), 8, TICK);
        final List<String> changes = new ArrayList<>();
        final AlertEvaluator.Sink sink = (r, from, to, value, since) -> changes.add(e.rule(r).name() + " " + from
            + "->" + to + " " + value);
        e.evaluate(0, TICK, sink); // nothing bound: no data
        assertThat(e.service(0)).isEqualTo(-1);
        e.bind(0, 3);
        e.bind(1, 5);
        assertThat(e.tracks(3)).isTrue();
        assertThat(e.tracks(4)).isFalse();
        e.recordObserved(3, 1, 1, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, null);
        // a counter at 0 then 3 (a reset: its increase is 3) in tick 1, +7 in tick 2
        e.recordObserved(5, 1, 2, 3, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, null);
        e.evaluate(1, 2 * TICK, sink); // Rate: 3 over 2 ticks, 15/s
        e.recordObserved(5, 2, 1, 10, 10, 10, 7, 0, 0, 0, 0, 0, 0, 0, null);
        e.evaluate(2, 3 * TICK, sink); // no sample of Load in tick 2: its window still holds tick 1's 5; Rate 10
        e.evaluate(3, 4 * TICK, sink); // Load's window holds tick 1's: still true; Rate's [2, 3]: 7 over 2 ticks
        e.evaluate(4, 5 * TICK, sink); // Load's window [2, 4] has no sample: no data
        final double seconds = 2 * TICK / 1e9;
        assertThat(changes).containsExactly("Load INACTIVE->FIRING 5.0", "Rate INACTIVE->FIRING " + 10 / seconds,
            "Rate FIRING->INACTIVE " + 7 / seconds, "Load FIRING->INACTIVE NaN");
    }

    private static AlertEvaluator evaluator(final AlertSpec... rules) {
        return new AlertEvaluator(List.of(rules), 1, TICK, 4);
    }

    private static AlertSpec series(final String name, final Function fn, final int window, final Op op,
                                    final double threshold) {
        return new AlertSpec(name, name, fn, -1, name + "/m", window, op, threshold, 0, 0, Map.of(), Map.of());
    }

    private static AlertSpec util(final String name, final long forNs, final long keepNs) {
        return rule(name, Function.UTILIZATION, 1, Op.GT, 0.5, forNs, keepNs);
    }

    private static AlertSpec rule(final String name, final Function fn, final int window, final Op op,
                                  final double threshold, final long forNs, final long keepNs) {
        return new AlertSpec(name, name, fn, 0, "api", window, op, threshold, forNs, keepNs, Map.of(), Map.of());
    }
}
