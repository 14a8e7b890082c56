package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.BreakerEventDecoder;
import io.tickwire.sbe.BreakerState;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limits, bulkheads and circuit breakers through the whole engine, over partitions: identical ticks (every byte
 * but the wall-clock stamp) and identical breaker events with 1, 2 and 4 workers; the breaker events follow their
 * tick; the resilience counts reach the tick; and arrivals = completed + rejected + rateLimited + the change of in
 * flight, tick by tick.
 */
@Timeout(300)
class ResilienceDeterminismTest {
    static final String DIAGRAM = """
        name: resilience
        tick: 50ms
        seed: 5
        partitions: 4
        services:
          - name: gateway
            concurrency: 64
            rateLimit: { rate: 900/s, burst: 50 }
            latency: { distribution: exponential, mean: 1ms }
            calls:
              - to: orders
                mode: sync
                delay: 1ms
                timeout: 40ms
                retry: { attempts: 2, backoff: 5ms }
                breaker: { slidingWindowSize: 20, minimumNumberOfCalls: 10, failureRateThreshold: 40,
                           slowCallRateThreshold: 60, slowCallDurationThreshold: 25ms,
                           waitDurationInOpenState: 500ms, permittedNumberOfCallsInHalfOpenState: 4 }
          - name: orders
            concurrency: 8
            queue: 40
            failureRate: 0.05
            latency: { distribution: lognormal, mean: 8ms, sd: 6ms }
            calls:
              - to: payments
                mode: sync
                delay: 1ms
                timeout: 60ms
                bulkhead: { maxConcurrent: 5, maxWait: 3ms }
                breaker: { slidingWindowType: time-based, slidingWindowSize: 2, minimumNumberOfCalls: 8,
                           waitDurationInOpenState: 1s, fallback: 1ms }
          - name: payments
            concurrency: 4
            failureRate: 0.2
            latency: { distribution: exponential, mean: 10ms }
          - name: batch
            rateLimit: { rate: 40/s }
            latency: { distribution: constant, mean: 5ms }
        load:
          - { name: web, target: gateway, rate: 1000/s, rateLimit: { rate: 950/s, burst: 20 } }
          - { name: jobs, target: batch, rate: 50/s }
        """;
    private static final long TICKS = 400;

    @Test
    void shouldGiveIdenticalTicksAndBreakerEventsWithOneTwoAndFourWorkers() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final TickCollector one = run(diagram, 1);
        final TickCollector two = run(diagram, 2);
        final TickCollector four = run(diagram, 4);
        TickCollector.assertSameRun(one, two);
        TickCollector.assertSameRun(one, four);

        // The run exercised every part: limits, bulkhead refusals, breakers opening and half-opening.
        final long[] totals = totals(one);
        assertThat(totals[0]).as("rate limited").isGreaterThan(0);
        assertThat(totals[1]).as("bulkhead refused").isGreaterThan(0);
        assertThat(totals[2]).as("breaker refused").isGreaterThan(0);
        final List<BreakerState> to = new ArrayList<>();
        for (int i = 0; i < one.events.size(); i++) {
            final BreakerEventDecoder e = breaker(one.events.get(i));
            assertThat(e).isNotNull();
            assertThat(e.tick()).isEqualTo(one.eventTicks.get(i));
            assertThat(e.simTimeNs()).isBetween(e.tick() * diagram.tickLengthNs(), (e.tick() + 1) * diagram.tickLengthNs() - 1);
            to.add(e.toState());
        }
        assertThat(to).contains(BreakerState.OPEN, BreakerState.HALF_OPEN);

        // Conserved, rate-limited requests included.
        final Map<Integer, Long> inFlight = new HashMap<>();
        for (int t = 0; t < one.ticks.size(); t++) {
            final TickSummaryDecoder.ServicesDecoder s = one.decode(t).services();
            while (s.hasNext()) {
                s.next();
                final long now = s.queueDepth() + s.busyServers();
                final long before = inFlight.getOrDefault(s.serviceId(), 0L);
                assertThat(s.arrivals()).as("tick %d service %d", t, s.serviceId())
                    .isEqualTo(s.completed() + s.rejected() + s.rateLimited() + now - before);
                inFlight.put(s.serviceId(), now);
                s.skipHistogram();
            }
        }
    }

    private static long[] totals(final TickCollector run) {
        final long[] totals = new long[3];
        for (int t = 0; t < run.ticks.size(); t++) {
            final TickSummaryDecoder.ServicesDecoder s = run.decode(t).services();
            while (s.hasNext()) {
                s.next();
                totals[0] += s.rateLimited();
                totals[1] += s.bulkheadRefused();
                totals[2] += s.breakerRefused();
                s.skipHistogram();
            }
        }
        return totals;
    }

    /** The event as a BreakerEvent; null if it is another message. */
    private static BreakerEventDecoder breaker(final byte[] event) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(new UnsafeBuffer(event), 0);
        if (header.templateId() != BreakerEventDecoder.TEMPLATE_ID) {
            return null;
        }
        return new BreakerEventDecoder().wrap(new UnsafeBuffer(event), MessageHeaderEncoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
    }

    private static TickCollector run(final Diagram diagram, final int workers) throws InterruptedException {
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(TICKS).workers(workers))) {
            assertThat(sim.workers()).isEqualTo(workers);
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)TICKS);
        return collector;
    }
}
