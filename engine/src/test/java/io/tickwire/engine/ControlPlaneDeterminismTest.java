package io.tickwire.engine;

import io.tickwire.engine.control.PreparedEdit;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.EditKind;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.LiveEditAppliedDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.ScaleAlgorithm;
import io.tickwire.sbe.ScaleDecisionDecoder;
import io.tickwire.sbe.ScaleLimit;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane end to end in the engine: autoscalers decide from closed ticks, faults start and end at their
 * ticks, live edits take effect at the tick they are given, and every one is an event after its tick; the ticks and
 * the events are the same with 1, 2 or 4 workers and at any speed, and a run re-simulated with its edits at their
 * ticks is the same run.
 */
@Timeout(120)
class ControlPlaneDeterminismTest {
    static final String DIAGRAM = """
        name: operated
        tick: 50ms
        seed: 7
        services:
          - name: api
            replicas: 2
            concurrency: 2
            latency: {mean: 8ms}
            calls: [{to: worker, delay: 1ms}]
          - name: worker
            replicas: 2
            latency: {mean: 4ms}
          - name: batch
            latency: {mean: 2ms}
        load:
          - {name: users, target: api, rate: 400/s}
          - {target: batch, rate: 100/s}
        autoscale:
          - service: api
            minReplicas: 2
            maxReplicas: 8
            syncPeriod: 5s
            metrics: [{metric: utilization, averageUtilization: 50}]
          - service: worker
            algorithm: threshold
            maxReplicas: 6
            syncPeriod: 2s
            window: 4s
            metrics: [{metric: p95, value: 5ms}, {metric: queueDepth, averageValue: 1}]
            scaleOutCooldown: 4s
            scaleInCooldown: 10s
        faults:
          - {kind: latency, service: worker, factor: 3, at: 3s, for: 2s}
          - {kind: errors, service: batch, rate: 0.5, at: 4s, for: 1s}
          - {kind: loadSpike, source: users, factor: 2, at: 6s, for: 2s}
          - {kind: crash, service: api, count: 1, at: 7s}
        """;

    @Test
    void shouldEmitTheControlPlanesEventsAfterTheirTicks() throws Exception {
        final TickCollector run = run(DiagramLoader.parse(DIAGRAM), 1, Simulation.Context.SPEED_MAX, 200, List.of());
        final List<String> faults = new ArrayList<>();
        final List<String> scales = new ArrayList<>();
        for (int i = 0; i < run.events.size(); i++) {
            final UnsafeBuffer b = new UnsafeBuffer(run.events.get(i));
            final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
            if (h.templateId() == FaultEventDecoder.TEMPLATE_ID) {
                final FaultEventDecoder f = new FaultEventDecoder().wrap(b, 8, h.blockLength(), h.version());
                faults.add(f.tick() + " " + f.faultId() + " " + f.kind() + " " + f.phase());
                assertThat(run.eventTicks.get(i)).isEqualTo(f.tick());
                assertThat(f.simTimeNs()).isEqualTo(f.tick() * 50_000_000L);
            } else if (h.templateId() == ScaleDecisionDecoder.TEMPLATE_ID) {
                final ScaleDecisionDecoder d = new ScaleDecisionDecoder().wrap(b, 8, h.blockLength(), h.version());
                scales.add(d.tick() + " " + d.serviceId() + " " + d.algorithm() + " " + d.fromReplicas() + "->"
                    + d.toReplicas());
                assertThat(d.windowLastTick()).isEqualTo(d.tick() - 1);
                if (d.serviceId() == 0) {
                    // api: 400/s × 8 ms on 2 × 2 servers is 80% of a 50% target: ceil(1.6 × 2) = 4.
                    assertThat(d.limitedBy()).isEqualTo(ScaleLimit.NONE);
                    final ScaleDecisionDecoder.MetricsDecoder m = d.metrics();
                    m.next();
                    assertThat(m.value()).isBetween(0.7, 0.9);
                    assertThat(m.proposal()).isEqualTo(4);
                    assertThat(d.reason()).contains("utilization");
                }
            }
        }
        assertThat(faults).containsExactly(
            "60 0 LATENCY STARTED",
            "80 1 ERRORS STARTED",
            "100 0 LATENCY ENDED",
            "100 1 ERRORS ENDED",
            "120 2 LOAD_SPIKE STARTED",
            "140 3 CRASH STARTED",
            "160 2 LOAD_SPIKE ENDED");
        assertThat(scales).contains("100 0 HPA 2->4", "40 1 THRESHOLD 2->3");
    }

    @Test
    void shouldGiveTheSameTicksAndEventsWithAnyNumberOfWorkersAndAtAnySpeed() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final TickCollector one = run(diagram, 1, Simulation.Context.SPEED_MAX, 200, List.of());
        assertThat(one.events).isNotEmpty();
        for (final int workers : new int[] {2, 4}) {
            assertSame(one, run(diagram, workers, Simulation.Context.SPEED_MAX, 200, List.of()));
        }
        assertSame(one, run(diagram, 2, 20.0, 200, List.of())); // 10 simulated seconds in ~0.5 s
    }

    @Test
    void shouldReSimulateARunWithItsLiveEditsAtTheirTicks() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final TickCollector live = new TickCollector();
        final List<PreparedEdit.Applied> applied = new ArrayList<>();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context().speed(5).ticks(300).workers(2))) {
            sim.addListener(live).start();
            while (sim.ticksClosed() < 10) {
                Thread.sleep(1);
            }
            // api's bounds, then a fault added and one of the diagram's ended.
            applied.add(sim.edit(EditKind.PATCH, """
                {"autoscale": [
                  {"service": "api", "minReplicas": 2, "maxReplicas": 3, "syncPeriod": "5s",
                   "metrics": [{"metric": "utilization", "averageUtilization": 50}]},
                  {"service": "worker", "algorithm": "threshold", "maxReplicas": 6, "syncPeriod": "2s",
                   "window": "4s", "metrics": [{"metric": "p95", "value": "5ms"},
                   {"metric": "queueDepth", "averageValue": 1}], "scaleOutCooldown": "4s", "scaleInCooldown": "10s"}
                ]}""").get(10, TimeUnit.SECONDS));
            applied.add(sim.edit(EditKind.FAULT_ADD, "{\"kind\": \"latency\", \"service\": \"batch\", "
                + "\"factor\": 2, \"for\": \"1s\"}").get(10, TimeUnit.SECONDS));
            applied.add(sim.edit(EditKind.FAULT_END, "{\"id\": 2}").get(10, TimeUnit.SECONDS));
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(live.violation).isNull();
        assertThat(applied).extracting(PreparedEdit.Applied::editId).containsExactly(1, 2, 3);
        assertThat(applied.get(1).faultId()).isEqualTo(4); // after the diagram's 0..3
        assertThat(applied.get(0).tick()).isLessThanOrEqualTo(applied.get(1).tick());

        // The journal's view of the edits: LiveEditApplied, with the tick and the body.
        final List<Simulation.JournaledEdit> journaled = new ArrayList<>();
        for (final byte[] event : live.events) {
            final UnsafeBuffer b = new UnsafeBuffer(event);
            final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
            if (h.templateId() == LiveEditAppliedDecoder.TEMPLATE_ID) {
                final LiveEditAppliedDecoder e = new LiveEditAppliedDecoder().wrap(b, 8, h.blockLength(),
                    h.version());
                final long tick = e.tick();
                final int id = e.editId();
                final EditKind kind = e.kind();
                final byte[] body = new byte[e.bodyLength()];
                e.getBody(body, 0, body.length);
                journaled.add(new Simulation.JournaledEdit(tick, id, kind, new String(body, StandardCharsets.UTF_8)));
            }
        }
        assertThat(journaled).extracting(Simulation.JournaledEdit::tick)
            .containsExactly(applied.get(0).tick(), applied.get(1).tick(), applied.get(2).tick());
        // api's sync after the patch (5 s, tick 100) recommends 4, which the new maxReplicas bounds to 3.
        assertThat(applied.get(0).tick()).isLessThan(100);
        assertThat(scaleDecisions(live)).contains("100 api 2->3 MAX_REPLICAS true");

        for (final int workers : new int[] {1, 4}) {
            assertSame(live, run(diagram, workers, Simulation.Context.SPEED_MAX, 300, journaled));
        }
    }

    private static List<String> scaleDecisions(final TickCollector run) {
        final List<String> out = new ArrayList<>();
        for (final byte[] event : run.events) {
            final UnsafeBuffer b = new UnsafeBuffer(event);
            final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
            if (h.templateId() == ScaleDecisionDecoder.TEMPLATE_ID) {
                final ScaleDecisionDecoder d = new ScaleDecisionDecoder().wrap(b, 8, h.blockLength(), h.version());
                out.add(d.tick() + " " + (d.serviceId() == 0 ? "api" : "worker") + " " + d.fromReplicas() + "->"
                    + d.toReplicas() + " " + d.limitedBy() + " " + (d.algorithm() == ScaleAlgorithm.HPA));
            }
        }
        return out;
    }

    static TickCollector run(final Diagram diagram, final int workers, final double speed, final long ticks,
                             final List<Simulation.JournaledEdit> edits) throws InterruptedException {
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(speed).ticks(ticks).workers(workers).journaledEdits(edits))) {
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        return collector;
    }

    static void assertSame(final TickCollector expected, final TickCollector actual) {
        assertThat(actual.ticks).hasSameSizeAs(expected.ticks);
        for (int i = 0; i < expected.ticks.size(); i++) {
            assertThat(withoutWallTime(actual.ticks.get(i))).as("tick %d", i)
                .isEqualTo(withoutWallTime(expected.ticks.get(i)));
        }
        assertThat(actual.eventTicks).isEqualTo(expected.eventTicks);
        for (int i = 0; i < expected.events.size(); i++) {
            assertThat(actual.events.get(i)).as("event %d", i).isEqualTo(expected.events.get(i));
        }
    }

    private static byte[] withoutWallTime(final byte[] tick) {
        final byte[] copy = tick.clone();
        new UnsafeBuffer(copy).putLong(MessageHeaderDecoder.ENCODED_LENGTH
            + TickSummaryDecoder.wallTimeNsEncodingOffset(), 0);
        return copy;
    }
}
