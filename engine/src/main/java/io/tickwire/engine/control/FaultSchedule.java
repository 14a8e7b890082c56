package io.tickwire.engine.control;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.FaultSpec;
import io.tickwire.engine.diagram.Units;
import io.tickwire.engine.sim.KernelAction;
import io.tickwire.engine.sim.KernelActions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The faults of a run, scheduled (the diagram's, ids 0..n-1) and live (added over REST or by a live edit, the next
 * ids), and what they do to the kernel. A fault starts at the first tick boundary at or after its {@code at} and ends
 * at the first at or after {@code at + for} (or never). Faults on one target combine, and the kernel is told the
 * combination whenever it changes:
 * <ul>
 *   <li>latency (and database slow): service time × the product of the factors + the sum of the added times;</li>
 *   <li>errors (and database down): the highest failure rate; the service's own (as live-edited) when none;</li>
 *   <li>partition: the strongest mode (hang over fail) between the two services, in both directions;</li>
 *   <li>load spike: the product of the factors on the source's rate;</li>
 *   <li>crash: {@code count} ready replicas crash at its start, and the service's health checks find and replace
 *       them (detection, then start-up: the replica events tell it). A crash is an instant: it has a start and no
 *       end, and nothing combines.</li>
 * </ul>
 * At one tick, the faults that end do first, then those that start, each by id. <b>Single-threaded</b>: the control
 * plane's (the orchestrator's thread).
 */
final class FaultSchedule {
    private static final int PENDING = 0;
    private static final int ACTIVE = 1;
    private static final int ENDED = 2;
    private static final long NEVER = Long.MAX_VALUE;

    private final long tickLengthNs;
    private final List<Fault> faults = new ArrayList<>();
    private final String[] serviceNames;
    private final String[] sourceNames;
    // The service's own failure rate (the diagram's, as live-edited): what an ended error fault restores.
    private final double[] baseFailureRate;
    // What the kernel was last told, per target; NaN / 1 / 0: never told (the diagram's).
    private final long[] latencyFactor;
    private final long[] latencyAddedNs;
    private final long[] failureRate;
    private final long[] loadFactor;
    private final Map<Long, Long> partitionMode = new HashMap<>();
    private long nextChangeTick = NEVER;
    private final List<Fault> changed = new ArrayList<>();

    FaultSchedule(final Diagram diagram) {
        tickLengthNs = diagram.tickLengthNs();
        final int n = diagram.services().size();
        serviceNames = new String[n];
        baseFailureRate = new double[n];
        latencyFactor = new long[n];
        latencyAddedNs = new long[n];
        failureRate = new long[n];
        Arrays.fill(latencyFactor, KernelAction.ONE);
        Arrays.fill(failureRate, -1);
        for (int s = 0; s < n; s++) {
            serviceNames[s] = diagram.service(s).name();
            baseFailureRate[s] = diagram.service(s).failureRate();
        }
        sourceNames = new String[diagram.load().size()];
        loadFactor = new long[sourceNames.length];
        Arrays.fill(loadFactor, KernelAction.ONE);
        for (int l = 0; l < sourceNames.length; l++) {
            sourceNames[l] = diagram.load().get(l).name();
        }
        for (final FaultSpec f : diagram.faults()) {
            add(f, false, 0);
        }
    }

    /**
     * Schedule a fault; one whose start has passed starts at {@code earliestTick}.
     *
     * @return its id.
     */
    int add(final FaultSpec spec, final boolean live, final long earliestTick) {
        final int id = faults.size();
        final long start = Math.max(earliestTick, ceilTicks(spec.atNs()));
        final long end = spec.endless() || spec.kind() == FaultSpec.Kind.CRASH ? NEVER
            : Math.max(start + 1, ceilTicks(spec.atNs() + spec.durationNs()));
        faults.add(new Fault(id, spec, live, start, end));
        nextChangeTick = Math.min(nextChangeTick, start);
        return id;
    }

    /** The id the next {@link #add} gives. */
    int nextId() {
        return faults.size();
    }

    /** End fault {@code id} at {@code tick} (now) if it is active; cancel it if it has not started. */
    void end(final int id, final long tick) {
        if (id < 0 || id >= faults.size()) {
            return;
        }
        final Fault f = faults.get(id);
        if (f.state == PENDING) {
            f.state = ENDED; // never started: nothing to undo, nothing to report
        } else if (f.state == ACTIVE && f.endTick > tick) {
            f.endTick = tick;
            nextChangeTick = Math.min(nextChangeTick, tick);
        }
    }

    boolean exists(final int id) {
        return id >= 0 && id < faults.size();
    }

    /** A live edit changed a service's own failure rate: the kernel is told now unless an error fault overrides. */
    void setBaseFailureRate(final int service, final double rate, final KernelActions into) {
        baseFailureRate[service] = rate;
        pushFailureRate(service, into, true);
    }

    /** The faults that end or start at {@code tick}: their events, then the kernel actions for what changed. */
    void step(final long tick, final KernelActions into, final ControlEvents events) {
        if (tick < nextChangeTick) {
            return;
        }
        final long simTimeNs = tick * tickLengthNs;
        changed.clear();
        long next = NEVER;
        for (final Fault f : faults) {
            if (f.state == ACTIVE && f.endTick <= tick) {
                f.state = ENDED;
                changed.add(f);
                events.faultEvent(tick, simTimeNs, f.id, false, f.live, f.spec, describe(f.spec));
            }
        }
        for (final Fault f : faults) {
            if (f.state == PENDING && f.startTick <= tick) {
                // A crash happens and is over: it is not active after its start (nothing to end).
                f.state = f.spec.kind() == FaultSpec.Kind.CRASH ? ENDED : ACTIVE;
                changed.add(f);
                events.faultEvent(tick, simTimeNs, f.id, true, f.live, f.spec, describe(f.spec));
            }
            if (f.state == PENDING) {
                next = Math.min(next, f.startTick);
            } else if (f.state == ACTIVE) {
                next = Math.min(next, f.endTick);
            }
        }
        nextChangeTick = next;
        for (final Fault f : changed) {
            final FaultSpec s = f.spec;
            switch (s.kind()) {
                case CRASH -> into.add(KernelAction.CRASH_REPLICAS, s.service(), s.count(), 0);
                case LATENCY, DATABASE_SLOW -> pushLatency(s.service(), into);
                case ERRORS, DATABASE_DOWN -> pushFailureRate(s.service(), into, false);
                case PARTITION -> pushPartition(s.service(), s.peerService(), into);
                case LOAD_SPIKE -> pushLoad(s.source(), into);
            }
        }
    }

    private void pushLatency(final int service, final KernelActions into) {
        double factor = 1;
        long added = 0;
        for (final Fault f : faults) {
            if (f.state == ACTIVE && f.spec.service() == service
                && (f.spec.kind() == FaultSpec.Kind.LATENCY || f.spec.kind() == FaultSpec.Kind.DATABASE_SLOW)) {
                factor *= f.spec.factor();
                added += f.spec.addedNs();
            }
        }
        final long fixed = Math.round(factor * KernelAction.ONE);
        if (fixed != latencyFactor[service] || added != latencyAddedNs[service]) {
            latencyFactor[service] = fixed;
            latencyAddedNs[service] = added;
            into.add(KernelAction.LATENCY_FACTOR, service, fixed, added);
        }
    }

    private void pushFailureRate(final int service, final KernelActions into, final boolean baseChanged) {
        double rate = -1;
        for (final Fault f : faults) {
            if (f.state == ACTIVE && f.spec.service() == service
                && (f.spec.kind() == FaultSpec.Kind.ERRORS || f.spec.kind() == FaultSpec.Kind.DATABASE_DOWN)) {
                rate = Math.max(rate, f.spec.rate());
            }
        }
        if (rate < 0) {
            rate = baseFailureRate[service];
            if (failureRate[service] < 0 && !baseChanged) {
                return; // never overridden: the kernel has it
            }
        }
        final long fixed = Math.round(rate * 1e9);
        if (fixed != failureRate[service]) {
            failureRate[service] = fixed;
            into.add(KernelAction.FAILURE_RATE, service, fixed, 0);
        }
    }

    private void pushPartition(final int a, final int b, final KernelActions into) {
        long mode = KernelAction.HEALED;
        for (final Fault f : faults) {
            if (f.state == ACTIVE && f.spec.kind() == FaultSpec.Kind.PARTITION
                && ((f.spec.service() == a && f.spec.peerService() == b)
                || (f.spec.service() == b && f.spec.peerService() == a))) {
                mode = Math.max(mode, f.spec.mode() == FaultSpec.PARTITION_TIMEOUT ? KernelAction.HANG
                    : KernelAction.FAIL);
            }
        }
        final long key = Math.min(a, b) * 65_536L + Math.max(a, b);
        final long was = partitionMode.getOrDefault(key, KernelAction.HEALED);
        if (mode != was) {
            partitionMode.put(key, mode);
            into.add(KernelAction.PARTITION, a, b, mode);
            into.add(KernelAction.PARTITION, b, a, mode);
        }
    }

    private void pushLoad(final int source, final KernelActions into) {
        double factor = 1;
        for (final Fault f : faults) {
            if (f.state == ACTIVE && f.spec.kind() == FaultSpec.Kind.LOAD_SPIKE && f.spec.source() == source) {
                factor *= f.spec.factor();
            }
        }
        final long fixed = Math.round(factor * KernelAction.ONE);
        if (fixed != loadFactor[source]) {
            loadFactor[source] = fixed;
            into.add(KernelAction.LOAD_FACTOR, source, fixed, 0);
        }
    }

    /** In words, for the event: {@code latency x3 +20ms on payments}. */
    String describe(final FaultSpec f) {
        final String forText = f.endless() ? "" : " for " + Units.formatNs(f.durationNs());
        return switch (f.kind()) {
            case CRASH -> "crash " + f.count() + " replica" + (f.count() == 1 ? "" : "s") + " of "
                + serviceNames[f.service()];
            case LATENCY -> "latency" + factorText(f) + " on " + serviceNames[f.service()] + forText;
            case ERRORS -> "errors " + f.rate() + " on " + serviceNames[f.service()] + forText;
            case PARTITION -> "partition " + serviceNames[f.service()] + " <-> " + serviceNames[f.peerService()]
                + (f.mode() == FaultSpec.PARTITION_TIMEOUT ? " (calls hang until their timeout)"
                : " (calls fail)") + forText;
            case LOAD_SPIKE -> "load spike x" + number(f.factor()) + " on " + sourceNames[f.source()] + forText;
            case DATABASE_SLOW -> "database " + serviceNames[f.service()] + " slow" + factorText(f) + forText;
            case DATABASE_DOWN -> "database " + serviceNames[f.service()] + " down" + forText;
        };
    }

    private static String factorText(final FaultSpec f) {
        return (f.factor() != 1 ? " x" + number(f.factor()) : "") + (f.addedNs() > 0 ? " +"
            + Units.formatNs(f.addedNs()) : "");
    }

    private static String number(final double v) {
        return v == Math.rint(v) ? Long.toString((long)v) : Double.toString(v);
    }

    private long ceilTicks(final long ns) {
        return ns <= 0 ? 0 : (ns - 1) / tickLengthNs + 1;
    }

    private static final class Fault {
        final int id;
        final FaultSpec spec;
        final boolean live;
        final long startTick;
        long endTick;
        int state = PENDING;

        Fault(final int id, final FaultSpec spec, final boolean live, final long startTick, final long endTick) {
            this.id = id;
            this.spec = spec;
            this.live = live;
            this.startTick = startTick;
            this.endTick = endTick;
        }
    }
}
