package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alert rules through the whole engine: a run whose alert ticks are worked out from the diagram, and the same
 * events (every byte) with 1, 2 and 4 workers on a partitioned system.
 */
@Timeout(300)
class AlertRulesTest {
    /**
     * D/D/1: arrivals every 2 ms exactly, 1 ms of service: utilisation 0.5 (0.48 in tick 0, whose first arrival is at
     * 2 ms). The latency fault makes the service 3 ms from 2 s (tick 40) to 4 s (tick 80): from the arrival at
     * 2000 ms on the server never idles (utilisation 1 in ticks 40..79). By 4 s, 1000 requests arrived in the fault
     * and 667 started (one each 3 ms from 2000 ms, the last at 3998 ms, done at 4001 ms): 333 wait, 334 with the
     * arrival at 4000 ms. Served at 1 ms while one arrives every 2 ms, the queue empties m ms after 4001 ms with
     * m = 334 + m / 2, m = 668: at 4669 ms. So ticks 80..92 are busy throughout; tick 93 (4650-4700 ms) is busy
     * 19 ms, then 1 ms for each arrival at 4670..4698 ms (15): 34 / 50 = 0.68; every later tick 0.5.
     * <ul>
     *   <li>Busy (for 1s): pending at the end of tick 40 (2.05 s), firing at tick 60's end (3.05 s - 2.05 s = 1 s),
     *       resolved at tick 93's end (4.70 s).</li>
     *   <li>BusyNow (for 0, keep_firing_for 200ms): firing at 2.05 s; first false at 4.70 s; 4.75, 4.80 and
     *       4.85 s are within 200 ms of it, so resolved at 4.90 s (tick 97).</li>
     *   <li>BusyLong (for 5s): pending at 2.05 s, back to inactive at 4.70 s without firing.</li>
     * </ul>
     */
    static final String DD1 = """
        name: dd1-fault
        tick: 50ms
        seed: 3
        services:
          - name: api
            latency: { distribution: constant, mean: 1ms }
        load:
          - { target: api, rate: 500/s, arrivals: constant }
        faults:
          - { kind: latency, service: api, factor: 3, at: 2s, for: 2s }
        alerts:
          - { name: Busy, expr: "utilization(api) > 0.9", for: 1s,
              labels: { severity: page }, annotations: { summary: "api saturated" } }
          - { name: BusyNow, expr: "utilization(api) > 0.9", keep_firing_for: 200ms }
          - { name: BusyLong, expr: "utilization(api) > 0.9", for: 5s }
        """;

    @Test
    void shouldPendFireAndResolveAroundTheFaultAsWorkedOut() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DD1);
        final TickCollector run = run(diagram, 1, 120);
        final List<String> alerts = new ArrayList<>();
        int faultIndex = -1;
        int firstAlertIndex = -1;
        for (int i = 0; i < run.events.size(); i++) {
            final UnsafeBuffer b = new UnsafeBuffer(run.events.get(i));
            final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
            if (h.templateId() == FaultEventDecoder.TEMPLATE_ID && faultIndex < 0) {
                faultIndex = i;
            }
            if (h.templateId() != AlertEventDecoder.TEMPLATE_ID) {
                continue;
            }
            firstAlertIndex = firstAlertIndex < 0 ? i : firstAlertIndex;
            final AlertEventDecoder a = new AlertEventDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH,
                h.blockLength(), h.version());
            assertThat(a.simTimeNs()).isEqualTo((a.tick() + 1) * diagram.tickLengthNs());
            assertThat(a.serviceId()).isZero();
            assertThat(run.eventTicks.get(i)).isEqualTo(a.tick());
            alerts.add("tick " + a.tick() + " rule " + a.rule() + " " + a.name() + " " + a.fromState() + "->"
                + a.toState() + " since " + a.activeSinceNs() / 1_000_000 + "ms"
                + (a.toState() == io.tickwire.sbe.AlertState.INACTIVE ? "" : " value " + a.value()));
        }
        assertThat(alerts).containsExactly(
            "tick 40 rule 0 Busy INACTIVE->PENDING since 2050ms value 1.0",
            "tick 40 rule 1 BusyNow INACTIVE->FIRING since 2050ms value 1.0",
            "tick 40 rule 2 BusyLong INACTIVE->PENDING since 2050ms value 1.0",
            "tick 60 rule 0 Busy PENDING->FIRING since 2050ms value 1.0",
            "tick 93 rule 0 Busy FIRING->INACTIVE since 2050ms",
            "tick 93 rule 2 BusyLong PENDING->INACTIVE since 2050ms",
            "tick 97 rule 1 BusyNow FIRING->INACTIVE since 2050ms");
        // The fault's start is a control event of tick 40: the alerts of that tick come after it.
        assertThat(run.eventTicks.get(faultIndex)).isEqualTo(40L);
        assertThat(firstAlertIndex).isGreaterThan(faultIndex);
        // The figures worked out: 0.5 before, 1 in the fault and until tick 92, 0.68 in tick 93.
        assertThat(utilization(run, 39)).isEqualTo(0.5);
        assertThat(utilization(run, 40)).isEqualTo(1.0);
        assertThat(utilization(run, 92)).isEqualTo(1.0);
        assertThat(utilization(run, 93)).isEqualTo(0.68);
        assertThat(utilization(run, 95)).isEqualTo(0.5);
    }

    @Test
    void shouldGiveIdenticalAlertEventsWithOneTwoAndFourWorkers() throws Exception {
        final Diagram diagram = DiagramLoader.parse(ResilienceDeterminismTest.DIAGRAM + """
            alerts:
              - { name: OrdersSlow, expr: "p99(orders[500ms]) > 40ms", for: 200ms, keep_firing_for: 100ms }
              - { name: PaymentsErrors, expr: "error_rate(payments) > 25%" }
              - { name: GatewayLimited, expr: "rate_limited(gateway[1s]) > 20/s", for: 1s }
              - { name: BulkheadFull, expr: "bulkhead_refused(orders) > 0" }
              - { name: BreakerOpen, expr: "breaker_refused(gateway[250ms]) > 0", keep_firing_for: 250ms }
              - { name: PaymentsBusy, expr: "utilization(payments) > 0.6", for: 150ms }
              - { name: BatchSlow, expr: "p50(batch) != 5ms" }
            """);
        final TickCollector one = run(diagram, 1, 400);
        final TickCollector two = run(diagram, 2, 400);
        final TickCollector four = run(diagram, 4, 400);
        assertThat(two.eventTicks).isEqualTo(one.eventTicks);
        assertThat(four.eventTicks).isEqualTo(one.eventTicks);
        for (int i = 0; i < one.events.size(); i++) {
            assertThat(two.events.get(i)).as("event %d", i).isEqualTo(one.events.get(i));
            assertThat(four.events.get(i)).as("event %d", i).isEqualTo(one.events.get(i));
        }
        // Every rule but the constant batch's changed state; each tick's alerts come last among its events.
        final boolean[] changed = new boolean[diagram.alerts().size()];
        int alertEvents = 0;
        for (int i = 0; i < one.events.size(); i++) {
            final UnsafeBuffer b = new UnsafeBuffer(one.events.get(i));
            final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
            final boolean alert = h.templateId() == AlertEventDecoder.TEMPLATE_ID;
            if (alert) {
                alertEvents++;
                changed[new AlertEventDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(),
                    h.version()).rule()] = true;
            } else if (i > 0 && one.eventTicks.get(i - 1).equals(one.eventTicks.get(i))) {
                final MessageHeaderDecoder before = new MessageHeaderDecoder().wrap(
                    new UnsafeBuffer(one.events.get(i - 1)), 0);
                assertThat(before.templateId()).as("event %d follows an alert of its tick", i)
                    .isNotEqualTo(AlertEventDecoder.TEMPLATE_ID);
            }
        }
        assertThat(alertEvents).isGreaterThan(4);
        assertThat(changed).containsExactly(true, true, true, true, true, true, false);
    }

    private static double utilization(final TickCollector run, final int tick) {
        final TickSummaryDecoder.ServicesDecoder s = run.decode(tick).services();
        s.next();
        return (double)s.busyTimeNs() / (s.servers() * 50_000_000L);
    }

    static TickCollector run(final Diagram diagram, final int workers, final long ticks) throws Exception {
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).workers(workers))) {
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);
        return collector;
    }
}
