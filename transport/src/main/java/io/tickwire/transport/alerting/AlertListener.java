package io.tickwire.transport.alerting;

import io.tickwire.codec.CatalogUpdates;
import io.tickwire.codec.Schema;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * One run's alert notifications: a consumer of the run's output (one listener thread of its own, as every
 * {@link TickListener}) that turns each {@code AlertEvent} that starts or ends firing into an {@link AlertNotice} and
 * offers it to the {@link AlertNotifier}'s bounded queue, which never blocks (a full queue drops its oldest). Pending
 * changes are not notified (as Prometheus). Everything else it reads is a fixed field of each tick (its wall time)
 * and, once, the run's names (catalog).
 * <p>
 * Simulated time to the wall clock: an alert at simulated time {@code t} is at {@code startWallTimeNs + t} (the run's
 * start, from its catalog) — the time it would be at speed 1 — but never later than the wall time its tick closed
 * ({@code TickSummary.wallTimeNs}), so that a run faster than real time never dates an alert in the future.
 * Monotonic in {@code t}: a resolution never ends before its alert started.
 */
final class AlertListener implements TickListener {
    private final AlertNotifier notifier;
    private final long runId;
    private final List<AlertRule> rules;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder tick = new TickSummaryDecoder();
    private final AlertEventDecoder alert = new AlertEventDecoder();
    private String runName = "";
    private long startWallTimeNs;
    private long tickWallTimeNs;
    private CatalogUpdates catalog;
    private CatalogInfo names;

    AlertListener(final AlertNotifier notifier, final long runId, final List<AlertRule> rules) {
        this.notifier = notifier;
        this.runId = runId;
        this.rules = List.copyOf(rules);
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        header.wrap(buffer, offset);
        final CatalogDecoder d = new CatalogDecoder().wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
        startWallTimeNs = d.startWallTimeNs();
        catalog = CatalogUpdates.of(bytes);
        names = CatalogInfo.decode(bytes);
        runName = names.simulationName();
    }

    @Override
    public void onCatalogUpdate(final DirectBuffer buffer, final int offset, final int length) {
        if (catalog != null) {
            catalog = catalog.plus(buffer, offset, length);
            names = CatalogInfo.decode(catalog.catalog());
        }
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tickNumber,
                       final boolean endOfBatch) {
        header.wrap(buffer, offset);
        tickWallTimeNs = tick.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version()).wallTimeNs();
    }

    @Override
    public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tickNumber) {
        header.wrap(buffer, offset);
        if (header.templateId() != AlertEventDecoder.TEMPLATE_ID || header.schemaId() != Schema.ID) {
            return;
        }
        alert.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final boolean firing = alert.toState() == AlertState.FIRING;
        final boolean resolved = alert.fromState() == AlertState.FIRING && !firing;
        if (!firing && !resolved) {
            return; // pending, or back from pending: Prometheus notifies neither
        }
        final int ruleIndex = alert.rule();
        final long simTimeNs = alert.simTimeNs();
        final double value = alert.value();
        final long activeSinceNs = alert.activeSinceNs();
        final int serviceId = alert.serviceId();
        final String name = alert.name();
        final AlertRule rule = ruleIndex < rules.size() ? rules.get(ruleIndex) : null;
        final String service = serviceId < 0 || names == null ? null : names.name(serviceId);
        final long startsAt = wallTime(activeSinceNs);
        notifier.offer(new AlertNotice(firing ? AlertNotice.Kind.FIRING : AlertNotice.Kind.RESOLVED, runId, runName,
            ruleIndex, rule, name.isEmpty() && rule != null ? rule.name() : name, service, value, startsAt,
            firing ? 0 : Math.max(startsAt, wallTime(simTimeNs))));
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        notifier.offer(AlertNotice.runEnded(runId));
    }

    /** Simulated time to epoch ns: see the class comment. */
    private long wallTime(final long simTimeNs) {
        if (tickWallTimeNs == 0) {
            return notifier.epochNanos(); // no tick seen (cannot happen: an event follows its tick)
        }
        if (startWallTimeNs == 0) {
            return tickWallTimeNs; // no catalog seen (cannot happen either: it comes first)
        }
        return Math.min(startWallTimeNs + simTimeNs, tickWallTimeNs);
    }
}
