package io.tickwire.cli;

import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournalWriter;
import picocli.CommandLine.Option;

/**
 * {@code --roll-cycle}, {@code --retain} and {@code --min-free}: how a run's journal rolls, what it keeps, and the
 * space it leaves on its disk (run, demo).
 */
final class JournalOptions {
    @Option(names = "--roll-cycle", paramLabel = "CYCLE", defaultValue = JournalRetention.DEFAULT_ROLL_CYCLE,
        description = "Journal file cycle: MINUTELY, FIVE_MINUTELY, TEN_MINUTELY, HALF_HOURLY, FAST_HOURLY, HOURLY, "
            + "FAST_DAILY, DAILY, ... (default ${DEFAULT-VALUE}).")
    String rollCycle = JournalRetention.DEFAULT_ROLL_CYCLE;

    @Option(names = "--retain", paramLabel = "AGE|SIZE",
        description = "Delete whole journal cycles older than AGE (7d, 12h) or beyond SIZE (10GB) while running; "
            + "default keep all.")
    String retain;

    @Option(names = "--min-free", paramLabel = "SIZE", defaultValue = "64MB",
        description = "Space to leave free on the journal's filesystem: below it the journal ends and the run stops "
            + "(exit 1), before the disk is full (default ${DEFAULT-VALUE}).")
    String minFree = "64MB";

    /** The roll cycle's name, checked. */
    String rollCycle() throws BadInputException {
        try {
            JournalRetention.rollCycle(rollCycle);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--roll-cycle: " + ex.getMessage(), ex);
        }
        return rollCycle;
    }

    long minFreeBytes() throws BadInputException {
        try {
            final long bytes = Units.parseBytes(minFree);
            new JournalWriter.Context().minFreeBytes(bytes); // its own bound
            return bytes;
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--min-free: " + ex.getMessage(), ex);
        }
    }

    JournalRetention.Policy retention() throws BadInputException {
        if (retain == null) {
            return JournalRetention.Policy.KEEP_ALL;
        }
        try {
            return JournalRetention.Policy.parse(retain);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--retain: " + ex.getMessage(), ex);
        }
    }
}
