package io.tickwire.engine.diagram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a diagram asks of the engine, estimated before anything runs and checked against {@link DiagramLimits}:
 * <ul>
 *   <li><b>visits per simulated second</b>, from the traffic equations: each service's arrival rate λ is its external
 *       load plus what its callers send it, λ(callee) = e + Σ λ(caller) × (1 − failureRate(caller)) × probability
 *       (× the expected tries of a sync call, 1 + q + … + q^attempts with q the callee's failure rate). The open
 *       loads are taken at their peak (the highest rate of their schedule, times 1 + the diurnal amplitude); a closed
 *       load's throughput at its asymptotic bound, min(users / (think + D), servers / demand of the bottleneck).
 *       Forward calls may form cycles (a retry loop, Jackson feedback): the equations are solved one strongly
 *       connected group of services at a time, in call order (Gaussian elimination, or Gauss–Seidel for a large
 *       group).</li>
 *   <li><b>events pending at once</b>, from Little's law: closed users, requests in service (λ × mean service time,
 *       at most the servers), requests and answers travelling on calls (λ × delay), and the timeouts sync calls
 *       leave in the event queue until they fire (λ × timeout). Queues that grow without bound (ρ ≥ 1 with an
 *       unbounded queue) are not predicted here: the run's own bound stops them.</li>
 * </ul>
 * A diagram above either budget is refused at the field that contributes most, with the estimate.
 */
final class WorkEstimate {
    /** Groups up to this size are solved exactly; larger ones iteratively. */
    private static final int DENSE_LIMIT = 300;
    /** Gauss–Seidel stops after about this many edge visits, converged or not (then it underestimates). */
    private static final long ITERATION_BUDGET = 20_000_000L;
    private static final double CONVERGED = 1e-10;

    private final List<ServiceSpec> services;
    private final int n;
    /** Per service: where its requests go, and how many arrive there per request it serves (forward and sync). */
    private final int[][] target;
    private final double[][] weight;
    /** Per service: its calls' paths, parallel to {@link ServiceSpec#calls()}; its own path. */
    private final String[][] callPath;
    private final String[] servicePath;
    /** Strongly connected groups of services, in call order (a group only calls groups after it). */
    private final List<int[]> groups;
    /** {@link #visitsPerRequest} by entry service: loads share their targets. */
    private final Map<Integer, double[]> visitsByEntry = new HashMap<>();

    private WorkEstimate(final List<ServiceSpec> services) {
        this.services = services;
        this.n = services.size();
        target = new int[n][];
        weight = new double[n][];
        callPath = new String[n][];
        servicePath = new String[n];
        final Map<Integer, String> databasePath = new HashMap<>();
        for (final ServiceSpec s : services) {
            servicePath[s.id()] = "services[" + s.id() + "]";
        }
        for (final ServiceSpec s : services) {
            final List<CallSpec> calls = s.calls();
            target[s.id()] = new int[calls.size()];
            weight[s.id()] = new double[calls.size()];
            callPath[s.id()] = new String[calls.size()];
            final double served = 1 - s.failureRate();
            for (int c = 0; c < calls.size(); c++) {
                final CallSpec call = calls.get(c);
                target[s.id()][c] = call.target();
                weight[s.id()][c] = served * call.probability() * (call.isSync() ? tries(call) : 1);
                if (c < s.databaseCalls()) {
                    callPath[s.id()][c] = servicePath[s.id()] + ".database";
                    databasePath.put(call.target(), servicePath[s.id()] + ".database");
                } else {
                    callPath[s.id()][c] = servicePath[s.id()] + ".calls[" + (c - s.databaseCalls()) + "]";
                }
            }
        }
        databasePath.forEach((id, path) -> servicePath[id] = path);
        groups = groupsInCallOrder();
    }

    static void check(final List<ServiceSpec> services, final List<LoadSpec> load, final DiagramLimits limits,
                      final Problems problems) throws DiagramException {
        final WorkEstimate estimate = new WorkEstimate(services);
        final double[] lambda = estimate.arrivalRates(load);
        estimate.checkVisits(load, lambda, limits, problems);
        problems.throwIfAny();
        estimate.checkPending(load, lambda, limits, problems);
        problems.throwIfAny();
    }

    /** The expected tries of a sync call: the first, and a retry after each failure up to its attempts. */
    private double tries(final CallSpec call) {
        final double q = services.get(call.target()).failureRate();
        double tries = 1;
        double p = 1;
        for (int k = 0; k < call.retry().attempts(); k++) {
            p *= q;
            tries += p;
        }
        return tries;
    }

    // ---------------------------------------------------------------- visits

    /** Every service's arrival rate with the open loads at their peak and the closed ones at their bound. */
    private double[] arrivalRates(final List<LoadSpec> load) {
        final double[] external = new double[n];
        for (final LoadSpec l : load) {
            if (l.arrivals() != LoadSpec.Arrivals.CLOSED) {
                external[l.target()] += peakRate(l);
            }
        }
        final double[] lambda = solve(external);
        for (final LoadSpec l : load) {
            if (l.arrivals() == LoadSpec.Arrivals.CLOSED) {
                final double[] visits = visitsPerRequest(l.target());
                final double throughput = closedThroughput(l, visits);
                for (int s = 0; s < n; s++) {
                    lambda[s] += throughput * visits[s];
                }
            }
        }
        return lambda;
    }

    private void checkVisits(final List<LoadSpec> load, final double[] lambda, final DiagramLimits limits,
                             final Problems problems) {
        final double total = sum(lambda);
        if (total <= limits.maxVisitsPerSecond()) {
            return;
        }
        // Name the load that asks for most.
        int worst = 0;
        double worstVisits = -1;
        for (int i = 0; i < load.size(); i++) {
            final LoadSpec l = load.get(i);
            final double[] visits = visitsPerRequest(l.target());
            final double rate = l.arrivals() == LoadSpec.Arrivals.CLOSED ? closedThroughput(l, visits) : peakRate(l);
            final double v = rate * sum(visits);
            if (!(v <= worstVisits)) {
                worst = i;
                worstVisits = v;
            }
        }
        final LoadSpec l = load.get(worst);
        final String field = l.arrivals() == LoadSpec.Arrivals.CLOSED ? "users" : peakField(l);
        problems.add("load[" + worst + "]." + field, "the diagram asks for about " + number(total)
            + " service visits per simulated second (by the traffic equations, each load at its peak; this one "
            + number(worstVisits) + "), more than the limit of " + number(limits.maxVisitsPerSecond())
            + " (maxVisitsPerSecond)");
    }

    /** An open load's highest rate: its base or a change of its schedule, times its diurnal peak. */
    private static double peakRate(final LoadSpec l) {
        double peak = l.ratePerSec();
        for (final LoadSpec.Change change : l.schedule()) {
            peak = Math.max(peak, change.ratePerSec());
        }
        return peak * (1 + l.diurnal().amplitude());
    }

    private static String peakField(final LoadSpec l) {
        double peak = l.ratePerSec();
        String field = "rate";
        for (int c = 0; c < l.schedule().size(); c++) {
            final LoadSpec.Change change = l.schedule().get(c);
            if (change.ratePerSec() > peak) {
                peak = change.ratePerSec();
                field = "schedule[" + c + "]." + change.shape().name().toLowerCase(Locale.ROOT);
            }
        }
        return field;
    }

    /** Visits to each service per request entering at {@code entry}. */
    private double[] visitsPerRequest(final int entry) {
        return visitsByEntry.computeIfAbsent(entry, e -> {
            final double[] external = new double[n];
            external[e] = 1;
            return solve(external);
        });
    }

    /**
     * Asymptotic bound analysis: N users, each thinking Z between requests that need at least D of service, send at
     * most N / (Z + D) a second, and no faster than the busiest service can serve them.
     */
    private double closedThroughput(final LoadSpec l, final double[] visits) {
        double demandNs = 0;
        double bound = Double.POSITIVE_INFINITY;
        for (int s = 0; s < n; s++) {
            final double serviceNs = visits[s] * services.get(s).latency().mean();
            demandNs += serviceNs;
            if (serviceNs > 0) {
                bound = Math.min(bound, services.get(s).servers() * 1e9 / serviceNs);
            }
        }
        final double cycleNs = l.thinkNs() + demandNs;
        return Math.min(bound, cycleNs > 0 ? l.users() * 1e9 / cycleNs : Double.POSITIVE_INFINITY);
    }

    // ---------------------------------------------------------------- pending events

    private void checkPending(final List<LoadSpec> load, final double[] lambda, final DiagramLimits limits,
                              final Problems problems) {
        double total = 0;
        double worst = -1;
        String worstPath = null;
        String worstWhat = null;
        for (int i = 0; i < load.size(); i++) {
            final LoadSpec l = load.get(i);
            final double events = l.arrivals() == LoadSpec.Arrivals.CLOSED ? l.users() : 1;
            total += events;
            if (events > worst) {
                worst = events;
                worstPath = "load[" + i + "]." + (l.arrivals() == LoadSpec.Arrivals.CLOSED ? "users" : "rate");
                worstWhat = "its users, each an event or a request";
            }
        }
        for (final ServiceSpec s : services) {
            final int i = s.id();
            final double inService = Math.min(lambda[i] * s.latency().mean() / 1e9, s.servers());
            total += inService;
            if (inService > worst) {
                worst = inService;
                worstPath = servicePath[i] + ".latency";
                worstWhat = "requests in service (arrival rate × mean service time)";
            }
            for (int c = 0; c < s.calls().size(); c++) {
                final CallSpec call = s.calls().get(c);
                final double sent = lambda[i] * weight[i][c];
                final double travelling = sent * call.delayNs() / 1e9 * (call.isSync() ? 2 : 1);
                total += travelling;
                if (travelling > worst) {
                    worst = travelling;
                    worstPath = callPath[i][c] + ".delay";
                    worstWhat = "requests travelling on the call (calls a second × delay)";
                }
                if (call.isSync() && call.timeoutNs() != CallSpec.NO_TIMEOUT) {
                    // A timeout stays in the event queue until it fires, answered or not.
                    final double timeouts = sent * call.timeoutNs() / 1e9;
                    total += timeouts;
                    if (timeouts > worst) {
                        worst = timeouts;
                        worstPath = callPath[i][c] + ".timeout";
                        worstWhat = "timeouts waiting to fire (calls a second × timeout)";
                    }
                }
            }
        }
        if (total > limits.maxPendingEvents()) {
            problems.add(worstPath, "the diagram keeps about " + number(total) + " requests and events pending at "
                + "once (by Little's law; " + number(worst) + " of them " + worstWhat + "), more than the limit of "
                + limits.maxPendingEvents() + " (maxPendingEvents)");
        }
    }

    // ---------------------------------------------------------------- the traffic equations

    /**
     * λ = e + Wᵀ λ: the arrival rate of every service for external arrivals {@code external}, one group of services
     * at a time in call order. A rate that does not settle (it cannot, the graph checks having passed) is infinite.
     */
    private double[] solve(final double[] external) {
        final double[] inflow = external.clone();
        final double[] lambda = new double[n];
        final int[] local = new int[n];
        Arrays.fill(local, -1);
        for (final int[] group : groups) {
            for (int x = 0; x < group.length; x++) {
                local[group[x]] = x;
            }
            if (group.length == 1) {
                final int s = group[0];
                double self = 0;
                for (int c = 0; c < target[s].length; c++) {
                    if (target[s][c] == s) {
                        self += weight[s][c];
                    }
                }
                lambda[s] = self < 1 ? inflow[s] / (1 - self) : inflow[s] > 0 ? Double.POSITIVE_INFINITY : 0;
            } else if (group.length <= DENSE_LIMIT) {
                solveDense(group, local, inflow, lambda);
            } else {
                solveIteratively(group, local, inflow, lambda);
            }
            for (final int s : group) {
                if (!(lambda[s] >= 0)) {
                    lambda[s] = Double.POSITIVE_INFINITY;
                }
                for (int c = 0; c < target[s].length; c++) {
                    if (local[target[s][c]] < 0) {
                        inflow[target[s][c]] += lambda[s] * weight[s][c];
                    }
                }
            }
            for (final int s : group) {
                local[s] = -1;
            }
        }
        return lambda;
    }

    /** (I − W_Gᵀ) λ_G = inflow_G by Gaussian elimination with partial pivoting. */
    private void solveDense(final int[] group, final int[] local, final double[] inflow, final double[] lambda) {
        final int m = group.length;
        final double[][] a = new double[m][m + 1];
        for (int x = 0; x < m; x++) {
            a[x][x] = 1;
            a[x][m] = inflow[group[x]];
        }
        for (int y = 0; y < m; y++) {
            final int s = group[y];
            for (int c = 0; c < target[s].length; c++) {
                final int x = local[target[s][c]];
                if (x >= 0) {
                    a[x][y] -= weight[s][c];
                }
            }
        }
        for (int col = 0; col < m; col++) {
            int pivot = col;
            for (int row = col + 1; row < m; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            final double[] swap = a[col];
            a[col] = a[pivot];
            a[pivot] = swap;
            final double p = a[col][col];
            if (Math.abs(p) < 1e-300) {
                Arrays.fill(lambda, Double.POSITIVE_INFINITY);
                return;
            }
            for (int row = col + 1; row < m; row++) {
                final double f = a[row][col] / p;
                if (f != 0) {
                    for (int k = col; k <= m; k++) {
                        a[row][k] -= f * a[col][k];
                    }
                }
            }
        }
        for (int row = m - 1; row >= 0; row--) {
            double v = a[row][m];
            for (int k = row + 1; k < m; k++) {
                v -= a[row][k] * lambda[group[k]];
            }
            lambda[group[row]] = v / a[row][row];
        }
    }

    /** Gauss–Seidel sweeps over a large group, until settled or the iteration budget is spent. */
    private void solveIteratively(final int[] group, final int[] local, final double[] inflow, final double[] lambda) {
        // Incoming edges within the group, per member.
        final List<List<double[]>> incoming = new ArrayList<>();
        long edges = 0;
        for (int x = 0; x < group.length; x++) {
            incoming.add(new ArrayList<>());
        }
        for (final int s : group) {
            for (int c = 0; c < target[s].length; c++) {
                final int x = local[target[s][c]];
                if (x >= 0) {
                    incoming.get(x).add(new double[] {s, weight[s][c]});
                    edges++;
                }
            }
        }
        final long sweeps = Math.max(10, ITERATION_BUDGET / Math.max(1, edges + group.length));
        for (long sweep = 0; sweep < sweeps; sweep++) {
            double change = 0;
            for (int x = 0; x < group.length; x++) {
                double self = 0;
                double in = inflow[group[x]];
                for (final double[] edge : incoming.get(x)) {
                    if ((int)edge[0] == group[x]) {
                        self += edge[1];
                    } else {
                        in += lambda[(int)edge[0]] * edge[1];
                    }
                }
                final double next = self < 1 ? in / (1 - self) : Double.POSITIVE_INFINITY;
                change = Math.max(change, Math.abs(next - lambda[group[x]]) / Math.max(1e-300, Math.abs(next)));
                lambda[group[x]] = next;
            }
            if (change < CONVERGED || Double.isInfinite(change)) {
                return;
            }
        }
    }

    /** Tarjan's strongly connected components, iterative; emitted callees first, so reversed for call order. */
    private List<int[]> groupsInCallOrder() {
        final int[] index = new int[n];
        final int[] low = new int[n];
        final boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        final int[] stack = new int[n];
        int stackSize = 0;
        final int[] callStack = new int[n];
        final int[] edgeAt = new int[n];
        int counter = 0;
        final List<int[]> emitted = new ArrayList<>();
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            int depth = 0;
            callStack[depth] = root;
            edgeAt[root] = 0;
            index[root] = low[root] = counter++;
            stack[stackSize++] = root;
            onStack[root] = true;
            while (depth >= 0) {
                final int v = callStack[depth];
                if (edgeAt[v] < target[v].length) {
                    final int w = target[v][edgeAt[v]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        stack[stackSize++] = w;
                        onStack[w] = true;
                        edgeAt[w] = 0;
                        callStack[++depth] = w;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                if (low[v] == index[v]) {
                    int size = 0;
                    while (stack[stackSize - 1 - size] != v) {
                        size++;
                    }
                    size++;
                    final int[] group = Arrays.copyOfRange(stack, stackSize - size, stackSize);
                    stackSize -= size;
                    for (final int s : group) {
                        onStack[s] = false;
                    }
                    emitted.add(group);
                }
                depth--;
                if (depth >= 0) {
                    final int parent = callStack[depth];
                    low[parent] = Math.min(low[parent], low[v]);
                }
            }
        }
        final List<int[]> ordered = new ArrayList<>(emitted.size());
        for (int i = emitted.size() - 1; i >= 0; i--) {
            ordered.add(emitted.get(i));
        }
        return ordered;
    }

    private static double sum(final double[] values) {
        double total = 0;
        for (final double v : values) {
            total += v;
        }
        return total;
    }

    /** 1234, 5.6e+07: the precision an estimate deserves. */
    private static String number(final double value) {
        if (Double.isInfinite(value)) {
            return "an unbounded number of";
        }
        return value < 1e6 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.2g", value);
    }
}
