package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.sbe.Outcome;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * The kernel against closed-form queueing results. Time is scaled to milliseconds (λ=8/s, μ=10/s becomes
 * 800/s and a 1 ms mean): the ratios are what is checked. Each case simulates enough requests that the standard
 * error is well inside the tolerance, with a fixed seed so the test is deterministic.
 */
class QueueingTheoryTest {
    private static final long TICK_NS = 50_000_000L;

    @Test
    void shouldMatchMm1ResponseTimeDistribution() throws Exception {
        final Totals t = simulate("""
            name: mm1
            seed: 11
            services:
              - name: s
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 800/s }
            """, 20000);
        // Response time of M/M/1 is exponential with rate mu - lambda = 200/s: mean 5 ms, p50 = ln2/200, p99 = ln100/200.
        final Histogram h = t.histograms[0];
        assertThat(t.meanMs(0)).isCloseTo(5.0, withPercentage(2));
        assertThat(h.getValueAtPercentile(50) / 1e6).isCloseTo(3.4657, withPercentage(3));
        assertThat(h.getValueAtPercentile(99) / 1e6).isCloseTo(23.026, withPercentage(5));
        assertThat(t.rejected[0]).isZero();
        // rho = 0.8; Lq = rho^2 / (1 - rho) = 3.2.
        assertThat(t.utilisation(0)).isCloseTo(0.8, offset(0.01));
        assertThat(t.meanQueueLength(0)).isCloseTo(3.2, withPercentage(4));
        assertThat(t.littleRatio(0)).isCloseTo(1.0, offset(0.002));
    }

    @Test
    void shouldMatchMm1kBlockingProbability() throws Exception {
        // K = 5 in system: one in service and up to four waiting.
        final Totals t = simulate("""
            name: mm1k
            seed: 12
            services:
              - name: s
                queue: 4
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 800/s }
            """, 20000);
        final double blocked = t.rejected[0] / (double)(t.rejected[0] + t.completed[0]);
        assertThat(blocked).isCloseTo(0.08882, offset(0.005));
        assertThat(t.meanMs(0)).isCloseTo(2.563, withPercentage(2));
    }

    @Test
    void shouldMatchMd1WaitingTime() throws Exception {
        // M/D/1, rho = 0.8, D = 1 ms: Wq = rho D / (2 (1 - rho)) = 2 ms, W = 3 ms.
        final Totals t = simulate("""
            name: md1
            seed: 13
            services:
              - name: s
                latency: { distribution: constant, mean: 1ms }
            load:
              - { target: s, rate: 800/s }
            """, 20000);
        assertThat(t.meanMs(0)).isCloseTo(3.0, withPercentage(2));
    }

    @Test
    void shouldMatchPollaczekKhinchineForGeneralServiceTimes() throws Exception {
        // M/G/1: W = E[S] + lambda E[S^2] / (2 (1 - rho)). Erlang-4 (E[S^2] = 1.25 ms^2) and hyperexponential
        // with cv 2 (E[S^2] = 5 ms^2), mean 1 ms, lambda 0.5/ms: W = 1.625 ms and 3.5 ms.
        final Totals erlang = simulate("""
            name: me41
            seed: 17
            services:
              - name: s
                latency: { distribution: erlang, mean: 1ms, k: 4 }
            load:
              - { target: s, rate: 500/s }
            """, 20000);
        assertThat(erlang.meanMs(0)).isCloseTo(1.625, withPercentage(2));
        final Totals hyper = simulate("""
            name: mh21
            seed: 18
            services:
              - name: s
                latency: { distribution: hyperexponential, mean: 1ms, cv: 2 }
            load:
              - { target: s, rate: 500/s }
            """, 40000);
        assertThat(hyper.meanMs(0)).isCloseTo(3.5, withPercentage(3));
    }

    @Test
    void shouldMatchMm3ErlangC() throws Exception {
        // M/M/3 with lambda = 2, mu = 1 per server (scaled x1000): W = 1.4444 ms.
        final Totals t = simulate("""
            name: mm3
            seed: 14
            services:
              - name: s
                replicas: 3
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 2000/s }
            """, 20000);
        assertThat(t.meanMs(0)).isCloseTo(1.4444, withPercentage(2));
        // Utilisation lambda / (c mu) = 2/3; Lq = lambda Wq = 2 x 0.4444.
        assertThat(t.utilisation(0)).isCloseTo(2.0 / 3, offset(0.01));
        assertThat(t.meanQueueLength(0)).isCloseTo(0.8889, withPercentage(4));
    }

    @Test
    void shouldMatchJacksonFeedbackNetworkUtilisations() throws Exception {
        // lambda = 1, mu1 = 2, mu2 = 3 (scaled x1000), node 2 returns to node 1 with p = 0.2, no hop delay:
        // effective arrivals 1.25 at each node, rho1 = 0.625, rho2 = 0.4167; W1 = 1/(2-1.25), W2 = 1/(3-1.25).
        final Totals t = simulate("""
            name: jackson
            seed: 15
            services:
              - name: n1
                latency: { distribution: exponential, mean: 0.5ms }
                calls: [ { to: n2, probability: 1.0, delay: 0 } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.333333ms }
                calls: [ { to: n1, probability: 0.2, delay: 0 } ]
            load:
              - { target: n1, rate: 1000/s }
            """, 20000);
        final double seconds = 20000 * TICK_NS / 1e9;
        assertThat(t.completed[0] / seconds).isCloseTo(1250, withPercentage(1.5));
        assertThat(t.completed[1] / seconds).isCloseTo(1250, withPercentage(1.5));
        assertThat(t.meanMs(0)).isCloseTo(1.0 / 0.75, withPercentage(2.5));
        assertThat(t.meanMs(1)).isCloseTo(1.0 / 1.75, withPercentage(2.5));
        assertThat(t.utilisation(0)).isCloseTo(0.625, offset(0.01));
        assertThat(t.utilisation(1)).isCloseTo(0.4167, offset(0.01));
        assertThat(t.littleRatio(0)).isCloseTo(1.0, offset(0.002));
        assertThat(t.littleRatio(1)).isCloseTo(1.0, offset(0.002));
        // End to end: 1.25 visits to each node, W = 1.25 (1/0.75 + 1/1.75) = 2.3810 (ms, scaled).
        assertThat(t.endToEndMeanMs(0)).isCloseTo(2.3810, withPercentage(2.5));
    }

    @Test
    void shouldMatchMeanValueAnalysisForAClosedLoop() throws Exception {
        // 2 users, no think time, demands D1 = 1 ms and D2 = 0.5 ms in tandem. MVA: N=1: R = 1.5, X = 0.6667,
        // Q1 = 0.6667, Q2 = 0.3333; N=2: R1 = 1 (1 + 0.6667), R2 = 0.5 (1 + 0.3333), X = 2 / 2.3333 = 0.8571/ms.
        final Totals t = simulate("""
            name: closed
            seed: 19
            services:
              - name: n1
                latency: { distribution: exponential, mean: 1ms }
                calls: [ { to: n2, delay: 0 } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.5ms }
            load:
              - { name: users, target: n1, users: 2 }
            """, 20000);
        final double seconds = 20000 * TICK_NS / 1e9;
        assertThat(t.completed[1] / seconds).isCloseTo(857.14, withPercentage(1.5));
        // Response time by Little's law on the closed loop: N = X R, R = 2 / 0.8571 = 2.3333 ms.
        assertThat(t.endToEndMeanMs(0)).isCloseTo(2.3333, withPercentage(1.5));
    }

    @Test
    void shouldMatchMeanValueAnalysisWithThinkTime() throws Exception {
        // 2 users thinking 1 ms (exponential) in front of one exponential server, D = 1 ms (the machine-repair
        // model). MVA: N=1: R = 1, X = 1/(1+1) = 0.5, Q = 0.5; N=2: R = 1 (1 + 0.5) = 1.5, X = 2 / (1.5 + 1) = 0.8/ms.
        final Totals t = simulate("""
            name: repair
            seed: 20
            services:
              - name: s
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { name: users, target: s, users: 2, think: 1ms }
            """, 20000);
        final double seconds = 20000 * TICK_NS / 1e9;
        assertThat(t.completed[0] / seconds).isCloseTo(800, withPercentage(1.5));
        assertThat(t.endToEndMeanMs(0)).isCloseTo(1.5, withPercentage(2));
    }

    @Test
    void shouldMatchTandemEndToEndResponseTime() throws Exception {
        // lambda = 1, mu1 = 2, mu2 = 3 (scaled x1000), no hop delay: W = 1/(2-1) + 1/(3-1) = 1.5 ms.
        final Totals t = simulate("""
            name: tandem
            seed: 16
            services:
              - name: n1
                latency: { distribution: exponential, mean: 0.5ms }
                calls: [ { to: n2, delay: 0 } ]
              - name: n2
                latency: { distribution: exponential, mean: 0.333333ms }
            load:
              - { target: n1, rate: 1000/s }
            """, 20000);
        assertThat(t.endToEndMeanMs(0)).isCloseTo(1.5, withPercentage(2));
        assertThat(t.meanMs(0) + t.meanMs(1)).isCloseTo(t.endToEndMeanMs(0), withPercentage(0.5));
    }

    @Test
    void shouldMakeASyncCallerAnMg1WithTheCallInItsServiceTime() throws Exception {
        // The callee has 1000 servers, so it never queues: the caller's service time is S_caller + 2 delay + S_callee,
        // exponential 0.3 ms + 0.2 ms + exponential 0.3 ms. E[S] = 0.8 ms, E[S^2] = 0.3^2 + 0.3^2 + 0.8^2 = 0.82 ms^2;
        // lambda = 0.8/ms, rho = 0.64: W = 0.8 + 0.8 x 0.82 / (2 x 0.36) = 1.7111 ms (Pollaczek-Khinchine).
        final Totals t = simulate("""
            name: sync-mg1
            seed: 21
            services:
              - name: caller
                latency: { distribution: exponential, mean: 0.3ms }
                calls: [ { to: callee, mode: sync, delay: 100us } ]
              - name: callee
                replicas: 1000
                latency: { distribution: exponential, mean: 0.3ms }
            load:
              - { target: caller, rate: 800/s }
            """, 20000);
        assertThat(t.meanMs(0)).isCloseTo(0.8 + 0.8 * 0.82 / (2 * 0.36), withPercentage(2));
        assertThat(t.meanMs(1)).isCloseTo(0.3, withPercentage(2));
        // The caller holds its server through the call: utilisation is lambda x E[S], not lambda x S_caller.
        assertThat(t.utilisation(0)).isCloseTo(0.64, offset(0.01));
        assertThat(t.endToEndMeanMs(0)).isCloseTo(t.meanMs(0), withPercentage(0.01));
    }

    @Test
    void shouldJoinAParallelFanOutOnTheSlowestCallee() throws Exception {
        // Callees never queue; no delay. Parallel: S_caller + E[max(S1, S2)] = 0.1 + 1/mu1 + 1/mu2 - 1/(mu1 + mu2)
        // with 1/mu1 = 1 ms and 1/mu2 = 2 ms: 0.1 + 1 + 2 - 1/1.5 = 2.4333 ms. Sequential: 0.1 + 1 + 2 = 3.1 ms.
        final String yaml = """
            name: fanout
            seed: 22
            services:
              - name: caller
                replicas: 1000
                fanout: %s
                latency: { distribution: constant, mean: 0.1ms }
                calls:
                  - { to: a, mode: sync, delay: 0 }
                  - { to: b, mode: sync, delay: 0 }
              - name: a
                replicas: 1000
                latency: { distribution: exponential, mean: 1ms }
              - name: b
                replicas: 1000
                latency: { distribution: exponential, mean: 2ms }
            load:
              - { target: caller, rate: 1000/s }
            """;
        final Totals parallel = simulate(yaml.formatted("parallel"), 10000);
        assertThat(parallel.meanMs(0)).isCloseTo(0.1 + 1 + 2 - 1 / 1.5, withPercentage(2));
        final Totals sequential = simulate(yaml.formatted("sequential"), 10000);
        assertThat(sequential.meanMs(0)).isCloseTo(3.1, withPercentage(2));
    }

    @Test
    void shouldRetryFailedCallsAsNewArrivals() throws Exception {
        // Callee failure p = 0.3, 2 retries: callee arrivals = lambda (1 - p^3) / (1 - p) = 1.39 lambda, retries
        // = lambda (p + p^2) = 0.39 lambda, and the caller fails with probability p^3 = 0.027.
        final Totals t = simulate("""
            name: retries
            seed: 23
            services:
              - name: caller
                replicas: 1000
                latency: { distribution: constant, mean: 0.1ms }
                calls:
                  - { to: callee, mode: sync, delay: 50us, retry: { attempts: 2, backoff: 1ms, jitter: full } }
              - name: callee
                replicas: 1000
                failureRate: 0.3
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: caller, rate: 1000/s }
            """, 20000);
        final double p = 0.3;
        final long requests = t.arrivals[0];
        assertThat(t.arrivals[1] / (double)requests).isCloseTo((1 - p * p * p) / (1 - p), withPercentage(0.5));
        assertThat(t.retries[0] / (double)requests).isCloseTo(p + p * p, withPercentage(1));
        assertThat(t.errors[0] / (double)t.completed[0]).isCloseTo(p * p * p, offset(0.002));
        assertThat(t.timeouts[0]).isZero();
        assertThat(t.errors[1] / (double)t.completed[1]).isCloseTo(p, offset(0.003));
    }

    @Test
    void shouldTimeOutAnExponentialCalleeWithProbabilityExpMinusMuT() throws Exception {
        // No queueing, no delay: the answer comes after S ~ exp(mu = 1/ms); timeout T = 2 ms: P(timeout) = e^-2.
        final Totals t = simulate("""
            name: timeouts
            seed: 24
            services:
              - name: caller
                replicas: 1000
                latency: { distribution: constant, mean: 0.1ms }
                calls: [ { to: callee, mode: sync, delay: 0, timeout: 2ms } ]
              - name: callee
                replicas: 1000
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: caller, rate: 1000/s }
            """, 20000);
        assertThat(t.timeouts[0] / (double)t.completed[0]).isCloseTo(Math.exp(-2), offset(0.003));
        assertThat(t.errors[0]).isEqualTo(t.timeouts[0]);
        // The callee finishes its work either way: nothing it does is cancelled.
        assertThat(t.errors[1]).isZero();
        assertThat(t.completed[1]).isCloseTo(t.completed[0], offset(5L));
        assertThat(t.endToEndTimeouts[0]).isEqualTo(t.timeouts[0]);
    }

    private static Totals simulate(final String yaml, final int ticks) throws Exception {
        final Diagram diagram = DiagramLoader.parse(yaml);
        final Kernels kernels = new Kernels(diagram, diagram.seed());
        final Totals totals = new Totals(diagram.services().size());
        for (int tick = 0; tick < ticks; tick++) {
            kernels.advanceTick(tick, totals);
        }
        return totals;
    }

    /** Folds every sample, as the aggregator does, but over the whole run. */
    static final class Totals implements SampleSink {
        final Histogram[] histograms;
        final long[] completed;
        final long[] errors;
        final long[] timeouts;
        final long[] arrivals;
        final long[] retries;
        final long[] rejected;
        final long[] sum;
        final long[] busyTime;
        final long[] queueTime;
        final int[] servers;
        final long[] endToEndCount = new long[8];
        final long[] endToEndSum = new long[8];
        final long[] endToEndTimeouts = new long[8];
        long durationNs;

        Totals(final int services) {
            histograms = new Histogram[services];
            for (int s = 0; s < services; s++) {
                histograms[s] = new Histogram(3);
            }
            completed = new long[services];
            errors = new long[services];
            timeouts = new long[services];
            arrivals = new long[services];
            retries = new long[services];
            rejected = new long[services];
            sum = new long[services];
            busyTime = new long[services];
            queueTime = new long[services];
            servers = new int[services];
        }

        double meanMs(final int s) {
            return sum[s] / (double)completed[s] / 1e6;
        }

        @Override
        public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                           final Outcome outcome) {
            if (outcome == Outcome.REJECTED) {
                rejected[serviceId]++;
            } else {
                completed[serviceId]++;
                if (outcome != Outcome.OK) {
                    errors[serviceId]++;
                }
                if (outcome == Outcome.TIMEOUT) {
                    timeouts[serviceId]++;
                }
                sum[serviceId] += latencyNs;
                histograms[serviceId].recordValue(latencyNs);
            }
        }

        @Override
        public void endToEnd(final int sourceId, final long tick, final long simTimeNs, final long latencyNs,
                             final Outcome outcome) {
            if (outcome == Outcome.TIMEOUT) {
                endToEndTimeouts[sourceId]++;
            }
            if (outcome != Outcome.REJECTED) {
                endToEndCount[sourceId]++;
                endToEndSum[sourceId] += latencyNs;
            }
        }

        double endToEndMeanMs(final int source) {
            return endToEndSum[source] / (double)endToEndCount[source] / 1e6;
        }

        @Override
        public void gauge(final int serviceId, final long tick, final long arrivals, final int queueDepth,
                          final int busyServers, final int servers, final long busyTimeNs, final long queueTimeNs,
                          final int retries) {
            this.arrivals[serviceId] += arrivals;
            this.retries[serviceId] += retries;
            busyTime[serviceId] += busyTimeNs;
            queueTime[serviceId] += queueTimeNs;
            this.servers[serviceId] = servers;
            durationNs = (tick + 1) * TICK_NS;
        }

        /** Time-average fraction of the servers busy. */
        double utilisation(final int s) {
            return busyTime[s] / (double)servers[s] / durationNs;
        }

        /** Time-average number waiting. */
        double meanQueueLength(final int s) {
            return queueTime[s] / (double)durationNs;
        }

        /** Little's law, L = lambda W, with L = waiting + in service and W the mean response time. */
        double littleRatio(final int s) {
            final double l = (busyTime[s] + queueTime[s]) / (double)durationNs;
            final double lambda = completed[s] / (durationNs / 1e9);
            return l / (lambda * meanMs(s) / 1e3);
        }
    }
}
