package io.tickwire.cli;

import java.util.Arrays;
import java.util.BitSet;
import java.util.StringJoiner;

/** A set of CPUs as Linux writes them ({@code 0-3,8,10-11}): parsed, listed, and written back. */
record CpuSet(int[] cpus) {
    static final CpuSet EMPTY = new CpuSet(new int[0]);

    /** @throws IllegalArgumentException saying what is wrong with {@code text}. */
    static CpuSet parse(final String text) {
        final BitSet set = new BitSet();
        if (text.isBlank()) {
            return EMPTY;
        }
        for (final String part : text.trim().split(",")) {
            final String p = part.trim();
            final int dash = p.indexOf('-');
            try {
                final int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                final int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                if (from < 0 || to < from || to > 4095) {
                    throw new IllegalArgumentException("bad CPU range '" + p + "' in '" + text + "'");
                }
                set.set(from, to + 1);
            } catch (final NumberFormatException ex) {
                throw new IllegalArgumentException("must be CPU numbers and ranges, e.g. 2,4-7, got '" + text + "'",
                    ex);
            }
        }
        return new CpuSet(set.stream().toArray());
    }

    static CpuSet of(final int... cpus) {
        final int[] sorted = cpus.clone();
        Arrays.sort(sorted);
        return new CpuSet(sorted);
    }

    boolean isEmpty() {
        return cpus.length == 0;
    }

    BitSet bits() {
        final BitSet b = new BitSet();
        for (final int c : cpus) {
            b.set(c);
        }
        return b;
    }

    /** {@code 0-3,8}: ranges where consecutive. */
    @Override
    public String toString() {
        final StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < cpus.length; ) {
            int k = i;
            while (k + 1 < cpus.length && cpus[k + 1] == cpus[k] + 1) {
                k++;
            }
            j.add(k == i ? Integer.toString(cpus[i]) : cpus[i] + "-" + cpus[k]);
            i = k + 1;
        }
        return j.toString();
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof CpuSet other && Arrays.equals(cpus, other.cpus);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(cpus);
    }
}
