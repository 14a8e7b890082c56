package io.tickwire.cli;

import io.tickwire.journal.JournalRetention;
import picocli.CommandLine.Option;

/** {@code --roll-cycle} and {@code --retain}: how a run's journal rolls and what it keeps (run, demo). */
final class JournalOptions {
    @Option(names = "--roll-cycle", paramLabel = "CYCLE",
        description = "Journal file cycle: MINUTELY, FIVE_MINUTELY, TEN_MINUTELY, HALF_HOURLY, FAST_HOURLY, HOURLY, "
            + "FAST_DAILY, DAILY, ... (default journal.rollCycle: " + JournalRetention.DEFAULT_ROLL_CYCLE + ").")
    String rollCycle;

    @Option(names = "--retain", paramLabel = "AGE|SIZE",
        description = "Delete whole journal cycles older than AGE (7d, 12h) or beyond SIZE (10GB) while running; "
            + "default keep all.")
    String retain;

    /** The roll cycle's name, checked; the default one if not given. */
    String rollCycle() throws BadInputException {
        if (rollCycle == null) {
            return JournalRetention.DEFAULT_ROLL_CYCLE;
        }
        try {
            JournalRetention.rollCycle(rollCycle);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--roll-cycle: " + ex.getMessage(), ex);
        }
        return rollCycle;
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
