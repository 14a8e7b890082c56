package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Splits a diagram into partitions — the connected components of its call graph, so that no request ever crosses
 * one — and deals them to workers. Both steps depend only on the diagram: a partition simulates identically on any
 * worker, which is what makes results independent of the number of workers.
 */
public final class Partitioner {
    private Partitioner() {
    }

    /** @return the partitions, each the sorted global ids of its services, ordered by their lowest id. */
    public static List<int[]> partitions(final Diagram diagram) {
        final int n = diagram.services().size();
        final int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        for (int i = 0; i < n; i++) {
            for (final CallSpec call : diagram.service(i).calls()) {
                union(parent, i, call.target());
            }
        }
        final List<int[]> result = new ArrayList<>();
        final int[] partitionOfRoot = new int[n];
        Arrays.fill(partitionOfRoot, -1);
        final int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[find(parent, i)]++;
        }
        for (int i = 0; i < n; i++) {
            final int root = find(parent, i);
            if (partitionOfRoot[root] < 0) {
                partitionOfRoot[root] = result.size();
                result.add(new int[sizes[root]]);
                sizes[root] = 0;
            }
            result.get(partitionOfRoot[root])[sizes[root]++] = i;
        }
        return result;
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

    private static void union(final int[] parent, final int a, final int b) {
        final int ra = find(parent, a);
        final int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
