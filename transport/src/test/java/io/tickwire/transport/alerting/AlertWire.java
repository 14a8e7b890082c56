package io.tickwire.transport.alerting;

import io.tickwire.engine.TickListener;
import io.tickwire.sbe.AlertEventEncoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryEncoder;
import org.agrona.ExpandableArrayBuffer;

/**
 * Drives an alert listener as a run's output ring would: real SBE messages (Catalog, TickSummary, AlertEvent), in
 * the ring's order, on the caller's thread. The run started {@link #START_AGO_NS} before now on the wall clock and
 * its ticks are 1 s long; tick n closes at wall time start + (n + 1) s, never later than now.
 */
final class AlertWire {
    static final long TICK_NS = 1_000_000_000L;
    static final long START_AGO_NS = 120 * TICK_NS;
    static final String[] SERVICES = {"gateway", "payments"};

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final TickListener listener;
    private final long runId;
    private final long startWallNs;

    AlertWire(final TickListener listener, final long runId, final String runName) {
        this.listener = listener;
        this.runId = runId;
        this.startWallNs = System.currentTimeMillis() * 1_000_000L - START_AGO_NS;
        final CatalogEncoder c = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, header)
            .simulationId(runId).tickLengthNs(TICK_NS).seed(7).startWallTimeNs(startWallNs).schemaVersion(4)
            .workers(1);
        final CatalogEncoder.ServicesEncoder s = c.servicesCount(SERVICES.length);
        for (int i = 0; i < SERVICES.length; i++) {
            s.next().serviceId(i).servers(1).name(SERVICES[i]);
        }
        c.sourcesCount(0);
        c.simulationName(runName);
        listener.onCatalog(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + c.encodedLength());
    }

    long startWallNs() {
        return startWallNs;
    }

    /** Tick {@code tick} closes (no services: the notifier reads its wall time only). */
    AlertWire tick(final long tick) {
        final long wall = Math.min(startWallNs + (tick + 1) * TICK_NS, System.currentTimeMillis() * 1_000_000L);
        final TickSummaryEncoder e = new TickSummaryEncoder().wrapAndApplyHeader(buffer, 0, header)
            .simulationId(runId).tick(tick).simTimeNs((tick + 1) * TICK_NS).tickLengthNs(TICK_NS).wallTimeNs(wall);
        e.servicesCount(0);
        e.entriesCount(0);
        listener.onTick(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength(), tick, true);
        return this;
    }

    /** Rule {@code rule} of tick {@code tick} goes {@code from} -> {@code to}, active since {@code activeSinceTick}. */
    AlertWire alert(final long tick, final int rule, final String name, final AlertState from, final AlertState to,
                    final double value, final long activeSinceTick, final int serviceId) {
        final AlertEventEncoder e = new AlertEventEncoder().wrapAndApplyHeader(buffer, 0, header)
            .simulationId(runId).tick(tick).simTimeNs((tick + 1) * TICK_NS).rule(rule).fromState(from).toState(to)
            .value(value).activeSinceNs(activeSinceTick * TICK_NS).serviceId(serviceId);
        e.name(name);
        listener.onEvent(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength(), tick);
        return this;
    }

    /** Tick {@code tick} with rule 0 starting to fire (pending since tick - 2) on payments. */
    AlertWire firing(final long tick, final String name) {
        return tick(tick).alert(tick, 0, name, AlertState.PENDING, AlertState.FIRING, 812.5, tick - 2, 1);
    }

    /** Tick {@code tick} with rule 0 resolved (it fired since tick {@code since}). */
    AlertWire resolved(final long tick, final String name, final long since) {
        return tick(tick).alert(tick, 0, name, AlertState.FIRING, AlertState.INACTIVE, 120, since, 1);
    }

    void end(final long lastTick) {
        listener.onEnd(lastTick, TickListener.EndReason.COMPLETED);
    }
}
