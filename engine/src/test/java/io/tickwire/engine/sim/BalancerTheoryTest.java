package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * The load balancers against closed forms, as {@link QueueingTheoryTest} does (time scaled to milliseconds, fixed
 * seeds, enough requests that the standard error is well inside the tolerance): c = 4 replicas of one exponential
 * server (mu = 1/ms) under Poisson arrivals at lambda = 3.2/ms, so each replica's utilisation is 0.8.
 * <ul>
 *   <li>{@code shared}: one queue, M/M/4 (Erlang C).</li>
 *   <li>{@code random}: each replica sees a Poisson thinning at lambda / c: c independent M/M/1.</li>
 *   <li>{@code round-robin}: each replica sees every c-th arrival, Erlang-c interarrivals of rate lambda: E_c/M/1,
 *       a GI/M/1 with W = 1 / (mu (1 - sigma)), sigma the root in (0, 1) of sigma = A*(mu - mu sigma), A*(s) =
 *       (lambda / (lambda + s))^c the interarrivals' Laplace-Stieltjes transform.</li>
 *   <li>{@code least-connections} and {@code power-of-two}: no closed form; they use what the replicas hold, so they
 *       do better than blind random routing and no better than one shared queue: between M/M/4 and 4 M/M/1.</li>
 * </ul>
 */
class BalancerTheoryTest {
    private static final int C = 4;
    private static final double LAMBDA = 3.2;
    private static final double MU = 1.0;
    private static final int TICKS = 20_000; // 1000 s of 50 ms ticks: 3.2 M requests (scaled)

    @Test
    void shouldMatchMmcWithOneSharedQueue() throws Exception {
        final QueueingTheoryTest.Totals t = simulate("shared", 31);
        assertThat(t.meanMs(0)).isCloseTo(mmcResponseMs(), withPercentage(2));
        assertThat(t.utilisation(0)).isCloseTo(LAMBDA / (C * MU), offset(0.01));
    }

    @Test
    void shouldMatchIndependentMm1QueuesWithRandomRouting() throws Exception {
        final QueueingTheoryTest.Totals t = simulate("random", 32);
        // M/M/1 at lambda / c = 0.8: W = 1 / (mu - lambda / c) = 5 ms.
        assertThat(t.meanMs(0)).isCloseTo(1 / (MU - LAMBDA / C), withPercentage(3));
        assertThat(t.utilisation(0)).isCloseTo(LAMBDA / (C * MU), offset(0.01));
    }

    @Test
    void shouldMatchErlangCOverMOneWithRoundRobin() throws Exception {
        final QueueingTheoryTest.Totals t = simulate("round-robin", 33);
        final double sigma = gim1Sigma();
        assertThat(sigma).isCloseTo(0.69394, offset(1e-5)); // W = 3.267 ms
        assertThat(t.meanMs(0)).isCloseTo(1 / (MU * (1 - sigma)), withPercentage(2));
        assertThat(t.utilisation(0)).isCloseTo(LAMBDA / (C * MU), offset(0.01));
    }

    @Test
    void shouldLieBetweenTheSharedQueueAndRandomRoutingWithLeastConnectionsAndPowerOfTwo() throws Exception {
        final double shared = mmcResponseMs();
        final double random = 1 / (MU - LAMBDA / C);
        final double leastConnections = simulate("least-connections", 34).meanMs(0);
        final double powerOfTwo = simulate("power-of-two", 35).meanMs(0);
        assertThat(leastConnections).isBetween(shared, random);
        assertThat(powerOfTwo).isBetween(shared, random);
        // Least connections sees every replica, power of two only two: it is the closer to the shared queue.
        assertThat(leastConnections).isLessThan(powerOfTwo);
        // And both are far from random routing: at rho = 0.8, using the replicas' load is worth most of the gap.
        assertThat(powerOfTwo).isLessThan(shared + 0.5 * (random - shared));
    }

    /** M/M/c response time: Erlang C probability of waiting, Wq = C(c, a) / (c mu - lambda), W = Wq + 1 / mu. */
    static double mmcResponseMs() {
        final double a = LAMBDA / MU;
        double term = 1;
        double sum = 1;
        for (int k = 1; k < C; k++) {
            term *= a / k;
            sum += term;
        }
        final double last = term * a / C / (1 - a / C);
        final double erlangC = last / (sum + last);
        return erlangC / (C * MU - LAMBDA) + 1 / MU;
    }

    /** The GI/M/1 root for Erlang-c interarrivals of rate lambda, by fixed-point iteration (a contraction there). */
    static double gim1Sigma() {
        double sigma = 0.5;
        for (int i = 0; i < 10_000; i++) {
            sigma = Math.pow(LAMBDA / (LAMBDA + MU - MU * sigma), C);
        }
        return sigma;
    }

    private static QueueingTheoryTest.Totals simulate(final String balancer, final long seed) throws Exception {
        final Diagram diagram = DiagramLoader.parse("""
            name: balancer
            seed: %d
            services:
              - name: s
                replicas: %d
                balancer: %s
                latency: { distribution: exponential, mean: 1ms }
            load:
              - { target: s, rate: 3200/s }
            """.formatted(seed, C, balancer));
        final Kernels kernels = new Kernels(diagram, diagram.seed());
        final QueueingTheoryTest.Totals totals = new QueueingTheoryTest.Totals(1);
        for (int tick = 0; tick < TICKS; tick++) {
            kernels.advanceTick(tick, totals);
        }
        assertThat(totals.rejected[0]).isZero();
        return totals;
    }
}
