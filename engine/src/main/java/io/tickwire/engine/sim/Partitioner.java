package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Splits a diagram into partitions and deals them to workers. The split depends on the diagram only — never on the
 * worker count — so each partition runs the same events whichever worker runs it and however many there are.
 * <ol>
 *   <li>Services joined by a call without delay stay together (a message must arrive in a later window, which needs
 *       a delay), and so does everything a closed load reaches (its users come back to the entry at once). So do
 *       services joined by a call shorter than {@code tick / }{@value #MAX_WINDOWS_PER_TICK}: cutting it would cost
 *       more barriers per tick than that, and keeping services together is always exact.</li>
 *   <li>The remaining calls, by ascending delay (then caller, then callee), join their two groups, Kruskal-like,
 *       while there are more groups than the diagram's {@code partitions} target and the merged group stays within a
 *       size cap, so that the calls left cut are the ones with the largest delays.</li>
 *   <li>Groups no call joins are partitions of their own (they exchange nothing).</li>
 * </ol>
 * The smallest delay of a cut call bounds the window of conservative synchronisation.
 */
public final class Partitioner {
    /** The most windows per tick a cut may cause; shorter calls are never cut. */
    public static final int MAX_WINDOWS_PER_TICK = 1000;

    private Partitioner() {
    }

    /** @return the partitions, each the sorted global ids of its services, ordered by their lowest id. */
    public static List<int[]> partitions(final Diagram diagram) {
        return plan(diagram).partitions();
    }

    /** Decide the partitions of {@code diagram}. */
    public static Plan plan(final Diagram diagram) {
        final int n = diagram.services().size();
        final int[] parent = new int[n];
        final int[] size = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
            size[i] = 1;
        }
        final List<long[]> delayed = new ArrayList<>();
        final long shortest = Math.max(1, diagram.tickLengthNs() / MAX_WINDOWS_PER_TICK);
        for (int i = 0; i < n; i++) {
            for (final CallSpec call : diagram.service(i).calls()) {
                if (call.delayNs() < shortest) {
                    union(parent, size, i, call.target());
                } else {
                    delayed.add(new long[] {call.delayNs(), i, call.target()});
                }
            }
        }
        for (final LoadSpec load : diagram.load()) {
            if (load.arrivals() == LoadSpec.Arrivals.CLOSED) {
                final boolean[] seen = new boolean[n];
                final ArrayDeque<Integer> work = new ArrayDeque<>();
                work.add(load.target());
                while (!work.isEmpty()) {
                    final int s = work.poll();
                    if (!seen[s]) {
                        seen[s] = true;
                        union(parent, size, load.target(), s);
                        diagram.service(s).calls().forEach(c -> work.add(c.target()));
                    }
                }
            }
        }
        int groups = 0;
        int largest = 0;
        for (int i = 0; i < n; i++) {
            if (find(parent, i) == i) {
                groups++;
                largest = Math.max(largest, size[i]);
            }
        }
        final int target = Math.max(1, Math.min(diagram.partitions(), n));
        final int cap = Math.max(largest, (n + target - 1) / target);
        delayed.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])
            .thenComparingLong(e -> e[2]));
        // Balanced first, then whatever it takes to reach the target.
        for (final int limit : new int[] {cap, n}) {
            for (final long[] e : delayed) {
                if (groups <= target) {
                    break;
                }
                final int a = find(parent, (int)e[1]);
                final int b = find(parent, (int)e[2]);
                if (a != b && size[a] + size[b] <= limit) {
                    union(parent, size, a, b);
                    groups--;
                }
            }
        }

        final List<int[]> partitions = new ArrayList<>();
        final int[] partitionOfRoot = new int[n];
        Arrays.fill(partitionOfRoot, -1);
        final int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            counts[find(parent, i)]++;
        }
        final int[] partitionOf = new int[n];
        final int[] localOf = new int[n];
        for (int i = 0; i < n; i++) {
            final int root = find(parent, i);
            if (partitionOfRoot[root] < 0) {
                partitionOfRoot[root] = partitions.size();
                partitions.add(new int[counts[root]]);
                counts[root] = 0;
            }
            partitionOf[i] = partitionOfRoot[root];
            localOf[i] = counts[root];
            partitions.get(partitionOf[i])[counts[root]++] = i;
        }
        final int p = partitions.size();
        final boolean[][] joined = new boolean[p][p];
        long windowNs = Long.MAX_VALUE;
        for (final ServiceSpec s : diagram.services()) {
            for (final CallSpec call : s.calls()) {
                final int from = partitionOf[s.id()];
                final int to = partitionOf[call.target()];
                if (from != to) {
                    joined[from][to] = true;
                    if (call.isSync()) {
                        joined[to][from] = true; // the answer comes back
                    }
                    windowNs = Math.min(windowNs, call.delayNs());
                }
            }
        }
        return new Plan(partitions, partitionOf, localOf, joined, windowNs);
    }

    /**
     * Deal partitions to at most {@code workers} workers, largest first onto the least loaded (by service count).
     *
     * @return per worker, the indexes of its partitions; never more lists than partitions.
     */
    public static List<List<Integer>> assign(final List<int[]> partitions, final int workers) {
        final int used = Math.max(1, Math.min(workers, partitions.size()));
        final List<List<Integer>> result = new ArrayList<>();
        final long[] load = new long[used];
        for (int w = 0; w < used; w++) {
            result.add(new ArrayList<>());
        }
        final Integer[] order = new Integer[partitions.size()];
        for (int p = 0; p < order.length; p++) {
            order[p] = p;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(p -> -partitions.get(p).length).thenComparingInt(p -> p));
        for (final int p : order) {
            int least = 0;
            for (int w = 1; w < used; w++) {
                if (load[w] < load[least]) {
                    least = w;
                }
            }
            result.get(least).add(p);
            load[least] += partitions.get(p).length;
        }
        for (final List<Integer> mine : result) {
            mine.sort(null);
        }
        return result;
    }

    private static int find(final int[] parent, final int i) {
        int root = i;
        while (parent[root] != root) {
            root = parent[root];
        }
        for (int j = i; parent[j] != root; ) {
            final int next = parent[j];
            parent[j] = root;
            j = next;
        }
        return root;
    }

    private static void union(final int[] parent, final int[] size, final int a, final int b) {
        final int ra = find(parent, a);
        final int rb = find(parent, b);
        if (ra != rb) {
            final int root = Math.min(ra, rb);
            final int other = Math.max(ra, rb);
            parent[other] = root;
            size[root] += size[other];
        }
    }

    /**
     * The partitions of a diagram and how they talk.
     *
     * @param partitions  per partition, the sorted global ids of its services.
     * @param partitionOf per global service id, its partition.
     * @param localOf     per global service id, its index within its partition.
     * @param joined      {@code joined[a][b]}: partition {@code a} may send messages to {@code b}.
     * @param windowNs    the smallest delay of a call between partitions: the longest window in which no message
     *                    sent can also arrive; {@link Long#MAX_VALUE} when no call crosses.
     */
    public record Plan(List<int[]> partitions, int[] partitionOf, int[] localOf, boolean[][] joined, long windowNs) {
        public int count() {
            return partitions.size();
        }

        public Mailboxes newMailboxes() {
            return new Mailboxes(partitions.size(), joined);
        }

        /** Windows per tick: the tick cut every {@code windowNs}, the last window ending at the tick's end. */
        public int windowsPerTick(final long tickLengthNs) {
            return windowNs >= tickLengthNs ? 1 : (int)((tickLengthNs + windowNs - 1) / windowNs);
        }

        /** Exclusive end of window {@code k} of the tick starting at {@code tickStartNs}. */
        public long windowEndNs(final long tickStartNs, final long tickLengthNs, final int k) {
            return k == windowsPerTick(tickLengthNs) - 1 ? tickStartNs + tickLengthNs : tickStartNs + (k + 1) * windowNs;
        }
    }
}
