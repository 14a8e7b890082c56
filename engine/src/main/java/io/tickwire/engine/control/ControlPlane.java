package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.FaultSpec;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.engine.sim.KernelAction;
import io.tickwire.engine.sim.KernelActionSource;
import io.tickwire.engine.sim.KernelActions;
import io.tickwire.engine.sim.LatencyDistribution;
import io.tickwire.engine.sim.LatencyTable;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control plane of a run: before the orchestrator issues tick {@code T}, what changes at its start, as
 * {@link KernelAction}s in the tick's command and as events ({@link ControlEvents}) that follow tick {@code T}'s
 * summary. In this order:
 * <ol>
 *   <li>live edits, in the order the run accepted them (at most {@link ControlEvents#EDITS_PER_TICK} a tick; a
 *       re-simulation applies the journaled ones at their ticks): {@code LiveEditApplied};</li>
 *   <li>faults that end, then faults that start, by id ({@link FaultSchedule}): {@code FaultEvent};</li>
 *   <li>the autoscalers whose sync falls at {@code T}, by service id, from the closed ticks up to {@code T - 1}
 *       ({@link ClosedTickWindow}): {@code ScaleDecision} when the desired replicas change.</li>
 * </ol>
 * Everything depends only on the diagram, the closed ticks and the edits with their ticks, so a run is the same with
 * any number of workers and at any speed, and a re-simulation that applies the journaled edits at their ticks is the
 * same run. The orchestrator waits for the aggregator to close tick {@code T - 1} only before a tick at which an
 * autoscaler syncs ({@link #needsClosedTicks}).
 * <p>
 * <b>Threads:</b> everything on the orchestrator's, but {@link #submit} (any thread).
 */
public final class ControlPlane implements KernelActionSource {
    /** Live edits waiting for the next tick; more are refused (the caller answers 503). */
    public static final int EDIT_QUEUE = 256;

    private final long tickLengthNs;
    private final ClosedTickWindow window;
    private final ControlEvents events;
    private final LatencyTable latencyTable;
    private final LiveEdits liveEdits;
    private final FaultSchedule faults;
    private final Autoscaler[] autoscalers;
    private final long[] nextSyncNs;
    private final WindowMetrics metrics = new WindowMetrics();
    private final int[] desired;
    // Live edits are rare: a linked queue (its node allocated by the submitting thread) that any thread may drain
    // once the run is over.
    private final ConcurrentLinkedQueue<PreparedEdit> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ArrayDeque<Scheduled> replay = new ArrayDeque<>();
    private long nextDecisionTick = Long.MAX_VALUE;
    private volatile boolean closed;

    /**
     * @param window       the aggregator's closed ticks of the autoscaled services.
     * @param events       where decisions go.
     * @param latencyTable the run's distributions, for edits of a service's latency.
     * @param liveEdits    validates edits (this run's, and the journaled ones of a re-simulation).
     */
    public ControlPlane(final Diagram diagram, final ClosedTickWindow window, final ControlEvents events,
                        final LatencyTable latencyTable, final LiveEdits liveEdits) {
        this.tickLengthNs = diagram.tickLengthNs();
        this.window = window;
        this.events = events;
        this.latencyTable = latencyTable;
        this.liveEdits = liveEdits;
        this.faults = new FaultSchedule(diagram);
        final int n = diagram.services().size();
        autoscalers = new Autoscaler[n];
        nextSyncNs = new long[n];
        desired = new int[n];
        for (final ServiceSpec s : diagram.services()) {
            desired[s.id()] = s.replicas();
        }
        for (final AutoscaleSpec a : diagram.autoscale()) {
            autoscalers[a.service()] = Autoscaler.of(a);
            nextSyncNs[a.service()] = a.syncPeriodNs(); // the first decision after one period of closed ticks
        }
        recomputeNextDecision();
    }

    /** Window capacities, per service, for a diagram's autoscalers: its window in ticks (0: not autoscaled). */
    public static int[] windowTicks(final Diagram diagram) {
        final int[] ticks = new int[diagram.services().size()];
        for (final AutoscaleSpec a : diagram.autoscale()) {
            ticks[a.service()] = (int)Math.min(1 << 20, (a.windowNs() + diagram.tickLengthNs() - 1) / diagram.tickLengthNs());
        }
        return ticks;
    }

    /**
     * A journaled edit, validated already, to apply at {@code tick} (a re-simulation); before the run starts, in the
     * order they were journaled.
     */
    public void schedule(final long tick, final PreparedEdit edit) {
        replay.add(new Scheduled(tick, edit));
    }

    /**
     * Hand a live edit to the orchestrator: it takes effect at the next tick it issues, which completes
     * {@link PreparedEdit#applied}. Call it under the lock that prepared it, so that edits keep their order.
     *
     * @return false if too many edits wait already, or the run is over.
     */
    public boolean submit(final PreparedEdit edit) {
        if (closed || queued.incrementAndGet() > EDIT_QUEUE) {
            queued.decrementAndGet();
            return false;
        }
        queue.add(edit);
        if (closed) {
            refuseQueued("the run is over"); // it ended as this edit was handed over
        }
        return true;
    }

    /** Whether an autoscaler decides at {@code tick}: its decision needs every tick before it closed. */
    public boolean needsClosedTicks(final long tick) {
        return tick >= nextDecisionTick;
    }

    @Override
    public void actionsFor(final long tick, final KernelActions into) {
        applyEdits(tick, into);
        faults.step(tick, into, events);
        if (tick >= nextDecisionTick) {
            decide(tick, into);
        }
    }

    /** The run is over: edits not applied are refused (their callers are told). Orchestrator thread. */
    public void close(final String why) {
        closed = true;
        refuseQueued(why);
    }

    private void refuseQueued(final String why) {
        PreparedEdit edit;
        while ((edit = queue.poll()) != null) {
            queued.decrementAndGet();
            edit.applied().completeExceptionally(new IllegalStateException(why));
        }
    }

    /** The desired replicas of {@code service} in force (for tests and reports). */
    public int desired(final int service) {
        return desired[service];
    }

    private void applyEdits(final long tick, final KernelActions into) {
        while (!replay.isEmpty() && replay.peek().tick <= tick) {
            final Scheduled s = replay.poll();
            if (s.tick != tick) {
                throw new IllegalStateException("journaled edit " + s.edit.editId() + " of tick " + s.tick
                    + " found at tick " + tick + ": journaled edits must be in tick order");
            }
            apply(tick, s.edit, into);
        }
        for (int i = 0; i < ControlEvents.EDITS_PER_TICK; i++) {
            final PreparedEdit edit = queue.poll();
            if (edit == null) {
                break;
            }
            queued.decrementAndGet();
            apply(tick, edit, into);
        }
    }

    private void apply(final long tick, final PreparedEdit edit, final KernelActions into) {
        final long simTimeNs = tick * tickLengthNs;
        events.editApplied(tick, simTimeNs, edit.editId(), edit.kind(), edit.body());
        int faultId = -1;
        switch (edit.kind()) {
            case FAULT_ADD -> {
                faultId = faults.add(edit.fault(), true, tick);
                check(faultId == edit.faultId(), edit);
            }
            case FAULT_END -> {
                faultId = edit.faultId();
                faults.end(faultId, tick);
            }
            default -> applyPatch(tick, edit, into);
        }
        edit.applied().complete(new PreparedEdit.Applied(edit.editId(), tick, faultId));
    }

    private void applyPatch(final long tick, final PreparedEdit edit, final KernelActions into) {
        final Diagram before = edit.before();
        final Diagram after = edit.after();
        for (final ServiceSpec s : after.services()) {
            final ServiceSpec was = before.service(s.id());
            final int id = s.id();
            if (s.replicas() != was.replicas()) {
                desired[id] = s.replicas();
                into.add(KernelAction.SET_REPLICAS, id, s.replicas(), 0);
            }
            if (s.concurrency() != was.concurrency()) {
                into.add(KernelAction.SET_CONCURRENCY, id, s.concurrency(), 0);
            }
            if (!Objects.equals(s.latency(), was.latency())) {
                final int index = latencyTable.add(new LatencyDistribution(s.latency()));
                into.add(KernelAction.SET_LATENCY, id, index, 0);
            }
            if (s.failureRate() != was.failureRate()) {
                faults.setBaseFailureRate(id, s.failureRate(), into);
            }
        }
        for (int l = 0; l < after.load().size(); l++) {
            final LoadSpec now = after.load().get(l);
            if (now.ratePerSec() != before.load().get(l).ratePerSec()) {
                into.add(KernelAction.LOAD_RATE, l, Math.round(now.ratePerSec() * 1e3), 0);
            }
        }
        if (!after.autoscale().equals(before.autoscale())) {
            final boolean[] kept = new boolean[autoscalers.length];
            for (final AutoscaleSpec a : after.autoscale()) {
                final int s = a.service();
                kept[s] = true;
                final Autoscaler current = autoscalers[s];
                if (current != null && current.spec().equals(a)) {
                    continue;
                }
                if (current == null || current.spec().syncPeriodNs() != a.syncPeriodNs()) {
                    nextSyncNs[s] = tick * tickLengthNs + a.syncPeriodNs(); // a period of closed ticks from now
                }
                if (current == null || !current.reconfigure(a)) {
                    autoscalers[s] = Autoscaler.of(a);
                }
            }
            for (int s = 0; s < autoscalers.length; s++) {
                if (!kept[s]) {
                    autoscalers[s] = null;
                }
            }
            recomputeNextDecision();
        }
        for (final int id : edit.endedFaults()) {
            faults.end(id, tick);
        }
        final List<FaultSpec> added = edit.addedFaults();
        for (int i = 0; i < added.size(); i++) {
            final int id = faults.add(added.get(i), true, tick);
            check(id == edit.addedFaultIds().get(i), edit);
        }
    }

    private void decide(final long tick, final KernelActions into) {
        final long nowNs = tick * tickLengthNs;
        for (int s = 0; s < autoscalers.length; s++) {
            final Autoscaler a = autoscalers[s];
            if (a == null || ceilTicks(nextSyncNs[s]) > tick) {
                continue;
            }
            while (ceilTicks(nextSyncNs[s]) <= tick) {
                nextSyncNs[s] += a.spec().syncPeriodNs();
            }
            final long windowTicks = Math.min(window.windowTicks(s), ceilTicks(a.spec().windowNs()));
            final long first = Math.max(0, tick - windowTicks);
            window.read(s, first, tick - 1, tickLengthNs, metrics);
            final int from = desired[s];
            final int to = a.decide(nowNs, from, metrics);
            if (to != from) {
                desired[s] = to;
                into.add(KernelAction.SET_REPLICAS, s, to, 0);
                events.scaleDecision(tick, nowNs, s, a, from, to, first, tick - 1);
            }
        }
        recomputeNextDecision();
    }

    private void recomputeNextDecision() {
        long next = Long.MAX_VALUE;
        for (int s = 0; s < autoscalers.length; s++) {
            if (autoscalers[s] != null) {
                next = Math.min(next, ceilTicks(nextSyncNs[s]));
            }
        }
        nextDecisionTick = next;
    }

    private long ceilTicks(final long ns) {
        return ns <= 0 ? 0 : (ns - 1) / tickLengthNs + 1;
    }

    private static void check(final boolean ok, final PreparedEdit edit) {
        if (!ok) {
            throw new IllegalStateException("live edit " + edit.editId() + ": its fault ids are out of step with "
                + "the run's");
        }
    }

    /** For the caller that prepared edits: the run's validator. */
    public LiveEdits liveEdits() {
        return liveEdits;
    }

    private record Scheduled(long tick, PreparedEdit edit) {
    }
}
