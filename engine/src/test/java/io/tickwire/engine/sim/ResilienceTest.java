package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.tickwire.engine.sim.CircuitBreaker.CLOSED;
import static io.tickwire.engine.sim.CircuitBreaker.HALF_OPEN;
import static io.tickwire.engine.sim.CircuitBreaker.NOT_EVALUATED;
import static io.tickwire.engine.sim.CircuitBreaker.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * Rate limiters, bulkheads and circuit breakers on the kernel alone, on simulated time: the token bucket's long-run
 * throughput, a breaker's transitions at the times resilience4j's state machine implies, a bulkhead's bound. Every run
 * also checks conservation tick by tick (rate-limited requests included, see {@link RecordingSink}).
 */
class ResilienceTest {
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;

    @Test
    void shouldLetThroughTheLesserOfTheOfferedRateAndTheBucketsRate() throws Exception {
        // 20 s of Poisson arrivals against a bucket of 500/s: accepted = min(λ, 500/s) within 1%.
        for (final int lambda : new int[] {1000, 300}) {
            final RecordingSink sink = run("""
                name: bucket
                tick: 100ms
                seed: 3
                services:
                  - { name: api, concurrency: 50, latency: { distribution: constant, mean: 1ms },
                      rateLimit: { rate: 500/s, burst: 20 } }
                load:
                  - { target: api, rate: %d/s }
                """.formatted(lambda), 200);
            final long arrivals = sink.sum(0, RecordingSink.Tick::arrivals);
            final long limited = sink.sum(0, RecordingSink.Tick::rateLimited);
            final long accepted = arrivals - limited;
            assertThat((double)accepted).isCloseTo(Math.min(lambda, 500) * 20.0, withPercentage(1));
            assertThat(sink.sum(0, RecordingSink.Tick::completed)).isCloseTo(accepted, withPercentage(0.1));
            assertThat(sink.sum(0, RecordingSink.Tick::errors) + sink.sum(0, RecordingSink.Tick::rejected)).isZero();
            if (lambda > 500) {
                assertThat(limited).isGreaterThan(0);
                assertThat(sink.endToEndRejected[0]).isEqualTo(limited); // never errors
            }
            assertThat(sink.violation).isNull();
        }
    }

    @Test
    void shouldLimitALoadSourceAtItsEntryAndCountItAtItsTarget() throws Exception {
        // Constant arrivals every 1 ms against 250/s with a burst of 1: exactly every 4th passes.
        final RecordingSink sink = run("""
            name: entry
            tick: 100ms
            seed: 3
            services:
              - { name: api, concurrency: 10, latency: { distribution: constant, mean: 1ms } }
            load:
              - { name: greedy, target: api, rate: 1000/s, arrivals: constant, rateLimit: { rate: 250/s } }
              - { name: polite, target: api, rate: 100/s, arrivals: constant }
            """, 10);
        final long arrivals = sink.sum(0, RecordingSink.Tick::arrivals);
        final long limited = sink.sum(0, RecordingSink.Tick::rateLimited);
        assertThat(arrivals).isEqualTo(999 + 99); // at 1..999 ms and 10..990 ms: those at 1 s are the next tick's
        // A token every 4 ms from a full bucket of 1: arrivals 1, 5, ..., 997 ms pass.
        assertThat(limited).isEqualTo(999 - 250);
        assertThat(sink.endToEndRejected[0]).isEqualTo(limited);
        assertThat(sink.endToEndRejected[1]).isZero();
        assertThat(sink.violation).isNull();
    }

    /**
     * api calls dep, which always fails, every 10 ms (constant arrivals from 10 ms; 1 ms of api's own work, 100 us
     * each way, 1 ms at dep: the result is back 2.2 ms after the arrival). The 10th result (arrival 100 ms, back at
     * 102.2 ms) fills the window of 10 at 100% failures: OPEN. Attempts are refused until one comes strictly after
     * 102.2 ms + 1 s: arrival 1110 ms, call at 1111 ms, HALF_OPEN. Its 3 permitted calls (1111, 1121, 1131 ms) fail,
     * results 1.2 ms after each: OPEN again at 1132.2 ms. dep is healed at 1.5 s; the next trial, after 2132.2 ms
     * (call at 2141 ms), succeeds 3 times: CLOSED at 2162.2 ms.
     */
    @Test
    void shouldOpenWhenTheWindowFailsAndHalfOpenAfterTheWaitAsResilience4j() throws Exception {
        final Diagram diagram = DiagramLoader.parse("""
            name: breaker
            tick: 100ms
            seed: 1
            services:
              - name: api
                concurrency: 10
                latency: { distribution: constant, mean: 1ms }
                calls:
                  - to: dep
                    mode: sync
                    breaker: { slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 50,
                               waitDurationInOpenState: 1s, permittedNumberOfCallsInHalfOpenState: 3 }
              - { name: dep, concurrency: 10, failureRate: 1.0, latency: { distribution: constant, mean: 1ms } }
            load:
              - { target: api, rate: 100/s, arrivals: constant }
            """);
        final KernelActions heal = new KernelActions();
        heal.add(KernelAction.FAILURE_RATE, 1, 0, 0);
        final RecordingSink sink = ReplicaLifecycleTest.run(new Kernels(diagram, diagram.seed()), diagram, 25,
            Map.of(15L, heal));
        assertThat(sink.breakerEvents).containsExactly(
            change(102_200 * US, CLOSED, OPEN, 10000, 0),
            change(1111 * MS, OPEN, HALF_OPEN, NOT_EVALUATED, NOT_EVALUATED),
            change(1132_200 * US, HALF_OPEN, OPEN, 10000, 0),
            change(2141 * MS, OPEN, HALF_OPEN, NOT_EVALUATED, NOT_EVALUATED),
            change(2162_200 * US, HALF_OPEN, CLOSED, 0, 0));
        // Refused while OPEN: arrivals 110..1100 ms (100 calls) and 1140..2130 ms (100), each an error at once.
        assertThat(sink.sum(0, RecordingSink.Tick::breakerRefused)).isEqualTo(200);
        // dep saw only the permitted calls: 10 + 3 + 3, then all from 2170 ms on (arrivals 2170..2490: 33).
        assertThat(sink.sum(1, RecordingSink.Tick::arrivals)).isEqualTo(10 + 3 + 3 + 33);
        assertThat(sink.violation).isNull();
    }

    /**
     * The failure rate crossing the threshold inside a full count-based window: api calls dep every 10 ms (as above,
     * each result back 2.2 ms after its arrival), dep healthy until it fails every call from 500 ms (tick 5). The window
     * of the last 10 calls then holds 10 successes; each failure replaces one: 4 of 10 (40%) stay below the 50%
     * threshold, the 5th (arrival 540 ms, back at 542.2 ms) reaches it: OPEN there, not before. HALF_OPEN at the first
     * attempt strictly after 542.2 ms + 1 s: arrival 1550 ms, call at 1551 ms.
     */
    @Test
    void shouldOpenTheMomentACountWindowsFailureRateReachesTheThreshold() throws Exception {
        final Diagram diagram = DiagramLoader.parse("""
            name: crossing
            tick: 100ms
            seed: 1
            services:
              - name: api
                concurrency: 10
                latency: { distribution: constant, mean: 1ms }
                calls:
                  - to: dep
                    mode: sync
                    breaker: { slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 50,
                               waitDurationInOpenState: 1s, permittedNumberOfCallsInHalfOpenState: 3 }
              - { name: dep, concurrency: 10, latency: { distribution: constant, mean: 1ms } }
            load:
              - { target: api, rate: 100/s, arrivals: constant }
            """);
        final RecordingSink sink = ReplicaLifecycleTest.run(new Kernels(diagram, diagram.seed()), diagram, 17,
            Map.of(5L, failing()));
        assertThat(sink.breakerEvents).containsExactly(
            change(542_200 * US, CLOSED, OPEN, 5000, 0),
            change(1551 * MS, OPEN, HALF_OPEN, NOT_EVALUATED, NOT_EVALUATED),
            change(1572_200 * US, HALF_OPEN, OPEN, 10000, 0));
        // Refused while OPEN: arrivals 550..1540 ms (100) and, after the 3 permitted trials, 1580..1690 ms (12).
        assertThat(sink.sum(0, RecordingSink.Tick::breakerRefused)).isEqualTo(100 + 12);
        // dep saw every call up to arrival 540 ms (54) and the 3 trials; api failed the 5 calls before it opened too.
        assertThat(sink.sum(1, RecordingSink.Tick::arrivals)).isEqualTo(54 + 3);
        assertThat(sink.sum(0, RecordingSink.Tick::errors)).isEqualTo(5 + 100 + 3 + 12);
        assertThat(sink.violation).isNull();
    }

    /**
     * A time-based window of 2 s (resilience4j's buckets of whole seconds): calls every 10 ms, each back 2.2 ms after
     * its arrival, so every second of results holds 100 calls. dep fails every call from 3 s (tick 30). During second
     * 3 the window holds second 2's 100 successes and k failures: k / (100 + k) reaches 50% at k = 100, the result of
     * arrival 3990 ms, back at 3992.2 ms: OPEN. HALF_OPEN strictly after 500 ms more: arrival 4500 ms, call at
     * 4501 ms; its 3 permitted calls fail (minimum min(10, 3) = 3): OPEN at 4522.2 ms. dep is healed at 5 s: HALF_OPEN
     * at the call of arrival 5030 ms (strictly after 5022.2 ms), 3 successes: CLOSED at 5052.2 ms.
     */
    @Test
    void shouldOpenWhenATimeWindowsFailureRateReachesTheThresholdAndHalfOpenAfterTheWait() throws Exception {
        final Diagram diagram = DiagramLoader.parse("""
            name: seconds
            tick: 100ms
            seed: 1
            services:
              - name: api
                concurrency: 10
                latency: { distribution: constant, mean: 1ms }
                calls:
                  - to: dep
                    mode: sync
                    breaker: { slidingWindowType: time-based, slidingWindowSize: 2, minimumNumberOfCalls: 10,
                               failureRateThreshold: 50, waitDurationInOpenState: 500ms,
                               permittedNumberOfCallsInHalfOpenState: 3 }
              - { name: dep, concurrency: 10, latency: { distribution: constant, mean: 1ms } }
            load:
              - { target: api, rate: 100/s, arrivals: constant }
            """);
        final KernelActions heal = new KernelActions();
        heal.add(KernelAction.FAILURE_RATE, 1, KernelAction.RESTORE, 0);
        final RecordingSink sink = ReplicaLifecycleTest.run(new Kernels(diagram, diagram.seed()), diagram, 60,
            Map.of(30L, failing(), 50L, heal));
        assertThat(sink.breakerEvents).containsExactly(
            change(3992_200 * US, CLOSED, OPEN, 5000, 0),
            change(4501 * MS, OPEN, HALF_OPEN, NOT_EVALUATED, NOT_EVALUATED),
            change(4522_200 * US, HALF_OPEN, OPEN, 10000, 0),
            change(5031 * MS, OPEN, HALF_OPEN, NOT_EVALUATED, NOT_EVALUATED),
            change(5052_200 * US, HALF_OPEN, CLOSED, 0, 0));
        // Refused while OPEN: arrivals 4000..4490 ms (50) and 4530..5020 ms (50).
        assertThat(sink.sum(0, RecordingSink.Tick::breakerRefused)).isEqualTo(100);
        assertThat(sink.violation).isNull();
    }

    @Test
    void shouldOpenOnSlowCallsAndAnswerTheFallbackWhileOpen() throws Exception {
        // dep takes 30 ms > the 20 ms threshold: 5 slow results of 5 (minimum 5) open it; open, the caller gets
        // the 2 ms fallback answer (OK) instead of an error.
        final RecordingSink sink = run("""
            name: slow
            tick: 100ms
            seed: 1
            services:
              - name: api
                concurrency: 100
                latency: { distribution: constant, mean: 1ms }
                calls:
                  - to: dep
                    mode: sync
                    breaker: { slidingWindowType: time-based, slidingWindowSize: 2, minimumNumberOfCalls: 5,
                               slowCallRateThreshold: "80%", slowCallDurationThreshold: 20ms,
                               waitDurationInOpenState: 10s, fallback: 2ms }
              - { name: dep, concurrency: 100, latency: { distribution: constant, mean: 30ms } }
            load:
              - { target: api, rate: 100/s, arrivals: constant }
            """, 10);
        // Results back at arrival + 1 ms + 30.2 ms: the 5th (arrival 50 ms) at 81.2 ms.
        assertThat(sink.breakerEvents).containsExactly(change(81_200 * US, CLOSED, OPEN, 0, 10000));
        final long refused = sink.sum(0, RecordingSink.Tick::breakerRefused);
        assertThat(refused).isEqualTo(99 - 8); // arrivals from 90 ms on (calls from 81.2 ms: 8 were sent before)
        assertThat(sink.sum(0, RecordingSink.Tick::errors)).isZero();
        assertThat(sink.violation).isNull();
    }

    @Test
    void shouldBoundConcurrentCallsAndRefuseOrQueueTheRest() throws Exception {
        final long[] refusedWith = new long[2];
        final String[] waits = {"0ms", "5ms"};
        for (int w = 0; w < 2; w++) {
            final String wait = waits[w];
            final RecordingSink sink = run("""
                name: bulkhead
                tick: 100ms
                seed: 1
                services:
                  - name: api
                    concurrency: 100
                    latency: { distribution: constant, mean: 1ms }
                    calls: [ { to: dep, mode: sync, bulkhead: { maxConcurrent: 2, maxWait: %s } } ]
                  - { name: dep, concurrency: 100, latency: { distribution: constant, mean: 10ms } }
                load:
                  - { target: api, rate: 1000/s, arrivals: constant }
                """.formatted(wait), 20);
            final long calls = sink.sum(0, RecordingSink.Tick::arrivals);
            final long refused = sink.sum(0, RecordingSink.Tick::bulkheadRefused);
            final long depArrivals = sink.sum(1, RecordingSink.Tick::arrivals);
            // A permitted call holds its permit 10.2 ms (100 us each way, 10 ms at dep). Without waiting, the freed
            // permit goes to the next attempt, on the next whole ms: 2 per 11 ms. Waiting, at once: 2 per 10.2 ms.
            final double holdMs = w == 0 ? 11 : 10.2;
            assertThat((double)depArrivals).isCloseTo(2 * 2000 / holdMs, withPercentage(1));
            assertThat(refused).isGreaterThan(calls / 2);
            assertThat(sink.ticks.get(1)).allSatisfy(t -> assertThat(t.busy()).isLessThanOrEqualTo(2));
            assertThat(sink.sum(0, RecordingSink.Tick::errors)).isEqualTo(refused);
            assertThat(sink.violation).isNull();
            refusedWith[w] = refused;
        }
        // Waiting up to 5 ms turns some refusals into calls that get a permit later; the rate through is the same.
        assertThat(refusedWith[1]).isLessThan(refusedWith[0]);
    }

    /** From the tick it is applied at, dep (service 1) fails every request. */
    private static KernelActions failing() {
        final KernelActions failing = new KernelActions();
        failing.add(KernelAction.FAILURE_RATE, 1, 1_000_000_000L, 0);
        return failing;
    }

    private static RecordingSink.BreakerChange change(final long timeNs, final int from, final int to,
                                                      final int failureRate, final int slowCallRate) {
        return new RecordingSink.BreakerChange(0, timeNs, 0, 1, from, to, failureRate, slowCallRate);
    }

    private static RecordingSink run(final String yaml, final int ticks) throws Exception {
        return ReplicaLifecycleTest.run(yaml, ticks, Map.of());
    }
}
