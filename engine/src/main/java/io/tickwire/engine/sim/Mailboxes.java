package io.tickwire.engine.sim;

import java.util.Arrays;

/**
 * Messages between partitions: one mailbox per ordered pair of partitions that a call joins, each a pair of
 * preallocated buffers of fixed-size records ({@link #WORDS} longs) used by window parity. A message sent during
 * window {@code w} goes into buffer {@code w & 1} and is drained at the start of window {@code w + 1}, while the
 * sender already writes window {@code w + 1}'s messages into the other buffer.
 * <p>
 * <b>One producer and one consumer per mailbox</b> (the workers running the two partitions, possibly the same one),
 * never at once on the same buffer: the window barrier between the send and the drain orders them (its volatile
 * write and read give the happens-before), so the buffers themselves need no fences. A buffer grows by doubling when
 * a window sends more than ever before; the steady state allocates nothing.
 */
public final class Mailboxes {
    /** Longs per message. */
    public static final int WORDS = 5;

    private final int partitions;
    /** [from × partitions + to][parity]; null for pairs that no call joins. */
    private final long[][][] buffers;
    private final int[][] counts;

    Mailboxes(final int partitions, final boolean[][] joined) {
        this.partitions = partitions;
        buffers = new long[partitions * partitions][][];
        counts = new int[partitions * partitions][];
        for (int from = 0; from < partitions; from++) {
            for (int to = 0; to < partitions; to++) {
                if (joined[from][to]) {
                    final int pair = from * partitions + to;
                    buffers[pair] = new long[][] {new long[64 * WORDS], new long[64 * WORDS]};
                    counts[pair] = new int[2];
                }
            }
        }
    }

    void send(final int from, final int to, final int parity, final long w0, final long w1, final long w2,
              final long w3, final long w4) {
        final int pair = from * partitions + to;
        final long[][] both = buffers[pair];
        if (both == null) {
            throw new IllegalStateException("no mailbox from partition " + from + " to " + to);
        }
        final int n = counts[pair][parity];
        long[] b = both[parity];
        final int at = n * WORDS;
        if (at + WORDS > b.length) {
            both[parity] = b = Arrays.copyOf(b, b.length << 1);
        }
        b[at] = w0;
        b[at + 1] = w1;
        b[at + 2] = w2;
        b[at + 3] = w3;
        b[at + 4] = w4;
        counts[pair][parity] = n + 1;
    }

    boolean joined(final int from, final int to) {
        return buffers[from * partitions + to] != null;
    }

    int count(final int from, final int to, final int parity) {
        return counts[from * partitions + to][parity];
    }

    long[] buffer(final int from, final int to, final int parity) {
        return buffers[from * partitions + to][parity];
    }

    void clear(final int from, final int to, final int parity) {
        counts[from * partitions + to][parity] = 0;
    }
}
