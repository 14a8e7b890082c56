package io.tickwire.engine.control;

import com.lmax.disruptor.RingBuffer;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.engine.ring.Rings;
import io.tickwire.sbe.AlertEventEncoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.MessageHeaderEncoder;

import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Evaluates a run's alert rules on a closed tick and publishes each state change as an {@code AlertEvent} on the
 * output ring: what a simulation's and an observed run's aggregator both do last for a tick, after its summary and
 * its other events. <b>Aggregator thread</b>; allocates nothing (the rules' names are encoded once).
 */
public final class AlertPublisher implements AlertEvaluator.Sink {
    private final AlertEvaluator alerts;
    private final long simulationId;
    private final RingBuffer<OutputSlot> output;
    private final BooleanSupplier failed;
    private final byte[][] names;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final AlertEventEncoder encoder = new AlertEventEncoder();
    private long tick;
    private long timeNs;

    public AlertPublisher(final AlertEvaluator alerts, final long simulationId, final RingBuffer<OutputSlot> output,
                          final BooleanSupplier failed) {
        this.alerts = alerts;
        this.simulationId = simulationId;
        this.output = output;
        this.failed = failed;
        names = new byte[alerts.ruleCount()][];
        for (int r = 0; r < names.length; r++) {
            names[r] = alerts.rule(r).name().getBytes(StandardCharsets.US_ASCII); // Prometheus label-name chars
        }
    }

    public AlertEvaluator evaluator() {
        return alerts;
    }

    /** Evaluate every rule on closed tick {@code closed}, ending at {@code endNs}, publishing the changes. */
    public void evaluate(final long closed, final long endNs) {
        tick = closed;
        timeNs = endNs;
        alerts.evaluate(closed, endNs, this);
    }

    @Override
    public void onChange(final int rule, final AlertState from, final AlertState to, final double value,
                         final long activeSinceNs) {
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        final byte[] name = names[rule];
        encoder.wrapAndApplyHeader(slot.buffer, 0, headerEncoder)
            .simulationId(simulationId)
            .tick(tick)
            .simTimeNs(timeNs)
            .rule(rule)
            .fromState(from)
            .toState(to)
            .value(value)
            .activeSinceNs(activeSinceNs)
            .serviceId(alerts.service(rule)) // bound: a rule changes state only once it reads its row
            .putName(name, 0, name.length);
        slot.kind = OutputSlot.EVENT;
        slot.tick = tick;
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        output.publish(seq);
    }
}
