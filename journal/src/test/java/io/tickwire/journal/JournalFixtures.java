package io.tickwire.journal;

import io.tickwire.engine.diagram.Diagram;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * This package's journal fixtures ({@link Messages}, {@link SimulatedJournals}) for the tests of its sub-packages
 * (the formats' tests live in {@code io.tickwire.journal.format}, beside the package-private code they test).
 */
public final class JournalFixtures {
    public static final long SIMULATION_ID = Messages.SIMULATION_ID;
    public static final long SEED = Messages.SEED;
    public static final long TICK_NS = Messages.TICK_NS;
    public static final String[] SERVICES = Messages.SERVICES;
    /** {@link SimulatedJournals#TWO_SYSTEMS}. */
    public static final String TWO_SYSTEMS = SimulatedJournals.TWO_SYSTEMS;

    private JournalFixtures() {
    }

    /** A journal of a real simulation: {@link SimulatedJournals#run}. */
    public static void run(final Path dir, final String yaml, final long seed, final long ticks, final int workers)
        throws Exception {
        SimulatedJournals.run(dir, yaml, seed, ticks, workers);
    }

    /** {@link Messages#diagram()}. */
    public static Diagram diagram() {
        return Messages.diagram();
    }

    /** {@link Messages#catalog()}. */
    public static UnsafeBuffer catalog() {
        return Messages.catalog();
    }

    /** {@link Messages#tickBytes(long)}. */
    public static byte[] tickBytes(final long tick) {
        return Messages.tickBytes(tick);
    }

    /** {@link Messages#writeTicks(JournalWriter, long)}. */
    public static void writeTicks(final JournalWriter writer, final long count) {
        Messages.writeTicks(writer, count);
    }

    /** {@link Messages#appendTicks(JournalWriter, long, long)}. */
    public static void appendTicks(final JournalWriter writer, final long from, final long to) {
        Messages.appendTicks(writer, from, to);
    }
}
