package io.tickwire.engine.sim;

import java.util.Arrays;

/**
 * A tick's {@link KernelAction}s, in the order they apply: four primitive arrays, preallocated and reused (grown
 * when a tick carries more than ever before). Written by one thread (the orchestrator, into a command slot) before
 * publication, then only read.
 */
public final class KernelActions {
    private int count;
    private int[] kinds = new int[8];
    private int[] targets = new int[8];
    private long[] args1 = new long[8];
    private long[] args2 = new long[8];

    public void clear() {
        count = 0;
    }

    public KernelActions add(final int kind, final int target, final long arg1, final long arg2) {
        if (count == kinds.length) {
            final int capacity = count << 1;
            kinds = Arrays.copyOf(kinds, capacity);
            targets = Arrays.copyOf(targets, capacity);
            args1 = Arrays.copyOf(args1, capacity);
            args2 = Arrays.copyOf(args2, capacity);
        }
        kinds[count] = kind;
        targets[count] = target;
        args1[count] = arg1;
        args2[count] = arg2;
        count++;
        return this;
    }

    /** Append every action of {@code other}, in order. */
    public KernelActions addAll(final KernelActions other) {
        for (int i = 0; i < other.count; i++) {
            add(other.kinds[i], other.targets[i], other.args1[i], other.args2[i]);
        }
        return this;
    }

    public int count() {
        return count;
    }

    public int kind(final int i) {
        return kinds[i];
    }

    public int target(final int i) {
        return targets[i];
    }

    public long arg1(final int i) {
        return args1[i];
    }

    public long arg2(final int i) {
        return args2[i];
    }

    @Override
    public String toString() {
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            b.append(i == 0 ? "" : ", ").append(KernelAction.name(kinds[i])).append('(').append(targets[i])
                .append(", ").append(args1[i]).append(", ").append(args2[i]).append(')');
        }
        return b.append(']').toString();
    }
}
