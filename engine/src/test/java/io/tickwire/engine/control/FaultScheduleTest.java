package io.tickwire.engine.control;

import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.sim.KernelAction;
import io.tickwire.engine.sim.KernelActions;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Faults start and end at tick boundaries, each an event, and what they do to a target combines. */
class FaultScheduleTest {
    private static final String DIAGRAM = """
        name: chaos
        tick: 100ms
        services:
          - {name: api, replicas: 3, latency: {mean: 5ms}, failureRate: 0.01, calls: [{to: pay, mode: sync}]}
          - {name: pay, latency: {mean: 2ms}}
        load: [{name: users, target: api, rate: 10/s}]
        faults:
          - {kind: latency, service: pay, factor: 2, at: 1s, for: 2s}
          - {kind: latency, service: pay, factor: 3, add: 5ms, at: 2s, for: 2s}
          - {kind: errors, service: api, rate: 0.5, at: 1s, for: 1s}
          - {kind: partition, between: [api, pay], mode: timeout, at: 250ms, for: 100ms}
          - {kind: crash, service: api, count: 2, at: 3s}
          - {kind: loadSpike, source: users, factor: 3, at: 0, for: 50ms}
        """;

    @Test
    void shouldCombineWhatFaultsDoToOneTarget() throws Exception {
        final FaultSchedule schedule = new FaultSchedule(DiagramLoader.parse(DIAGRAM));
        final Recorder events = new Recorder();
        final List<String> actions = new ArrayList<>();
        for (long tick = 0; tick <= 50; tick++) {
            final KernelActions into = new KernelActions();
            schedule.step(tick, into, events.events);
            for (int i = 0; i < into.count(); i++) {
                actions.add(tick + " " + KernelAction.name(into.kind(i)) + "(" + into.target(i) + ", "
                    + into.arg1(i) + ", " + into.arg2(i) + ")");
            }
        }
        assertThat(actions).containsExactly(
            "0 LOAD_FACTOR(0, 3000000, 0)",                 // 0 s: spike x3
            "1 LOAD_FACTOR(0, 1000000, 0)",                 // 50 ms rounds up to the next tick boundary
            "3 PARTITION(0, 1, 2)", "3 PARTITION(1, 0, 2)", // 250 ms → tick 3, both directions, hang
            "4 PARTITION(0, 1, 0)", "4 PARTITION(1, 0, 0)",
            "10 LATENCY_FACTOR(1, 2000000, 0)",
            "10 FAILURE_RATE(0, 500000000, 0)",
            "20 FAILURE_RATE(0, 10000000, 0)",              // ended: api's own 1% again
            "20 LATENCY_FACTOR(1, 6000000, 5000000)",       // x2 and x3 +5ms overlap
            "30 LATENCY_FACTOR(1, 3000000, 5000000)",
            "30 CRASH_REPLICAS(0, 2, 0)",
            "40 LATENCY_FACTOR(1, 1000000, 0)");
        assertThat(events.lines()).containsExactly(
            "0 5 STARTED load spike x3 on users for 50ms", "1 5 ENDED load spike x3 on users for 50ms",
            "3 3 STARTED partition api <-> pay (calls hang until their timeout) for 100ms",
            "4 3 ENDED partition api <-> pay (calls hang until their timeout) for 100ms",
            "10 0 STARTED latency x2 on pay for 2s", "10 2 STARTED errors 0.5 on api for 1s",
            "20 2 ENDED errors 0.5 on api for 1s", "20 1 STARTED latency x3 +5ms on pay for 2s",
            "30 0 ENDED latency x2 on pay for 2s", "30 4 STARTED crash 2 replicas of api",
            "40 1 ENDED latency x3 +5ms on pay for 2s");
    }

    @Test
    void shouldEndALiveFaultWhenAsked() throws Exception {
        final FaultSchedule schedule = new FaultSchedule(DiagramLoader.parse(DIAGRAM.substring(0,
            DIAGRAM.indexOf("faults:"))));
        final Recorder events = new Recorder();
        final int id = schedule.add(new io.tickwire.engine.diagram.FaultSpec(
            io.tickwire.engine.diagram.FaultSpec.Kind.ERRORS, 1, -1, -1, 0, 1, 0, 1.0, 0, 0,
            io.tickwire.engine.diagram.FaultSpec.UNTIL_END), true, 7);
        final KernelActions into = new KernelActions();
        schedule.step(7, into, events.events);
        schedule.end(id, 9);
        schedule.step(8, into, events.events);
        schedule.step(9, into, events.events);
        assertThat(events.lines()).containsExactly("7 0 STARTED errors 1.0 on pay", "9 0 ENDED errors 1.0 on pay");
        assertThat(into.toString()).isEqualTo("[FAILURE_RATE(1, 1000000000, 0), FAILURE_RATE(1, 0, 0)]");
    }

    /** Control events into a ring, read back as text. */
    private static final class Recorder {
        final ControlEvents events = new ControlEvents(1, ControlEvents.capacityFor(2, 6), () -> false);

        List<String> lines() {
            final List<String> out = new ArrayList<>();
            for (long tick = 0; tick <= 60; tick++) {
                events.drain(tick, (buffer, offset, length, t) -> {
                    final UnsafeBuffer b = new UnsafeBuffer(buffer, offset, length);
                    final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
                    final FaultEventDecoder f = new FaultEventDecoder().wrap(b, 8, h.blockLength(), h.version());
                    out.add(f.tick() + " " + f.faultId() + " " + f.phase() + " " + f.description());
                });
            }
            return out;
        }
    }
}
