package io.tickwire.engine.diagram;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The checks across sections, on a diagram whose sections each read without a problem: they follow calls from
 * service to service (sync-call rules and cycles, a way out for every request, closed users that could retry at
 * one instant for ever). The sync-call rules come first: the others assume them.
 */
final class GraphChecks {
    private final List<ServiceSpec> services;
    private final List<LoadSpec> load;
    private final Problems problems;

    private GraphChecks(final List<ServiceSpec> services, final List<LoadSpec> load, final Problems problems) {
        this.services = services;
        this.load = load;
        this.problems = problems;
    }

    static void check(final List<ServiceSpec> services, final List<LoadSpec> load, final Problems problems)
        throws DiagramException {
        final GraphChecks checks = new GraphChecks(services, load, problems);
        checks.syncCalls();
        problems.throwIfAny();
        checks.everyRequestCanLeave();
        checks.closedLoadsCanBeRefused();
        problems.throwIfAny();
    }

    /**
     * A service reached by a sync call answers its caller when done, so it may not also send the request on (no
     * forward calls); and sync calls may not form a cycle (a caller would wait, server held, on itself).
     */
    private void syncCalls() {
        final int n = services.size();
        final String[] syncCaller = new String[n];
        for (final ServiceSpec s : services) {
            for (final CallSpec c : s.calls()) {
                if (c.isSync() && syncCaller[c.target()] == null) {
                    syncCaller[c.target()] = s.name();
                }
            }
        }
        for (final ServiceSpec s : services) {
            if (syncCaller[s.id()] == null) {
                continue;
            }
            for (int c = 0; c < s.calls().size(); c++) {
                if (!s.calls().get(c).isSync()) {
                    problems.add(pathOfCall(s, c) + ".mode", "'" + s.name() + "' answers sync calls (from '"
                        + syncCaller[s.id()] + "'), so it cannot forward the request: make this call sync");
                    break;
                }
            }
        }
        // Depth-first over sync calls; a call to a service on the current path closes a cycle.
        final int[] state = new int[n]; // 0 new, 1 on the path, 2 done
        final int[] via = new int[n];
        for (int root = 0; root < n; root++) {
            if (state[root] == 0 && syncCycle(root, state, via)) {
                return;
            }
        }
    }

    private boolean syncCycle(final int s, final int[] state, final int[] via) {
        state[s] = 1;
        final List<CallSpec> calls = services.get(s).calls();
        for (int c = 0; c < calls.size(); c++) {
            final CallSpec call = calls.get(c);
            if (!call.isSync()) {
                continue;
            }
            final int t = call.target();
            if (state[t] == 1) {
                final List<String> cycle = new ArrayList<>();
                cycle.add(services.get(t).name());
                for (int u = s; u != t; u = via[u]) {
                    cycle.add(1, services.get(u).name());
                }
                cycle.add(services.get(t).name());
                problems.add(pathOfCall(services.get(s), c), "sync calls form a cycle: " + String.join(" -> ", cycle)
                    + " (each caller would wait on itself)");
                return true;
            }
            if (state[t] == 0) {
                via[t] = s;
                if (syncCycle(t, state, via)) {
                    return true;
                }
            }
        }
        state[s] = 2;
        return false;
    }

    /** The field path of a service's call {@code c} (a database's implicit calls are its owner's database). */
    private static String pathOfCall(final ServiceSpec s, final int c) {
        if (c < s.databaseCalls()) {
            return "services[" + s.id() + "].database";
        }
        return "services[" + s.id() + "].calls[" + (c - s.databaseCalls()) + "]";
    }

    /**
     * A request leaves the system when a service's calls leave it probability to go nowhere, or when it fails. A
     * service from which no chain of calls reaches such an exit sends every request round a cycle for ever (the
     * routing matrix has spectral radius 1): refuse it, naming the first such service that load reaches.
     */
    private void everyRequestCanLeave() {
        final int n = services.size();
        final boolean[] canLeave = new boolean[n];
        final ArrayDeque<Integer> work = new ArrayDeque<>();
        for (final ServiceSpec s : services) {
            double sum = 0;
            for (final CallSpec c : s.forwardCalls()) {
                sum += c.probability();
            }
            if (sum < 1.0 - 1e-9 || s.failureRate() > 0) {
                canLeave[s.id()] = true;
                work.add(s.id());
            }
        }
        // Backwards along calls: a service that may call one that can leave can leave too.
        while (!work.isEmpty()) {
            final int exit = work.poll();
            for (final ServiceSpec s : services) {
                if (!canLeave[s.id()]) {
                    for (final CallSpec c : s.forwardCalls()) {
                        if (c.target() == exit) {
                            canLeave[s.id()] = true;
                            work.add(s.id());
                            break;
                        }
                    }
                }
            }
        }
        final int trapped = firstReached(load.stream().map(LoadSpec::target).toList(), true, s -> !canLeave[s]);
        if (trapped >= 0) {
            problems.add("services[" + trapped + "].calls", "every request reaching '" + services.get(trapped).name()
                + "' cycles through calls for ever: no call chain from it ends (add probability to leave, "
                + "calls summing below 1, or a failureRate)");
        }
    }

    /**
     * A closed user whose request is rejected thinks, then sends again: with no think time that is a new request at
     * the same instant, rejected again, for ever (simulated time would stop). Refuse a closed load with
     * {@code think: 0} that can reach a bounded queue.
     */
    private void closedLoadsCanBeRefused() {
        for (int i = 0; i < load.size(); i++) {
            final LoadSpec l = load.get(i);
            if (l.arrivals() != LoadSpec.Arrivals.CLOSED || l.thinkNs() > 0) {
                continue;
            }
            final int bounded = firstReached(List.of(l.target()), false,
                s -> services.get(s).queueCapacity() != ServiceSpec.UNBOUNDED);
            if (bounded >= 0) {
                problems.add("load[" + i + "].think", "must be > 0: '" + services.get(bounded).name() + "' has a "
                    + "bounded queue, and a user rejected there would retry at the same instant for ever");
            }
        }
    }

    /**
     * @return the first service, breadth first from {@code from} along calls (only forward calls if
     *         {@code forwardOnly}), that {@code wanted} accepts; -1 when none is reached.
     */
    private int firstReached(final List<Integer> from, final boolean forwardOnly, final IntPredicate wanted) {
        final boolean[] reached = new boolean[services.size()];
        final ArrayDeque<Integer> work = new ArrayDeque<>(from);
        while (!work.isEmpty()) {
            final int s = work.poll();
            if (reached[s]) {
                continue;
            }
            reached[s] = true;
            if (wanted.test(s)) {
                return s;
            }
            for (final CallSpec c : forwardOnly ? services.get(s).forwardCalls() : services.get(s).calls()) {
                work.add(c.target());
            }
        }
        return -1;
    }
}
