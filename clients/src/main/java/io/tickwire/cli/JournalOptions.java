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
    @Option(names = "--roll-cycle", paramLabel = "CYCLE",
        description = "Journal file cycle: MINUTELY, FIVE_MINUTELY, TEN_MINUTELY, HALF_HOURLY, FAST_HOURLY, HOURLY, "
            + "FAST_DAILY, DAILY, ... (default journal.rollCycle: " + JournalRetention.DEFAULT_ROLL_CYCLE + ").")
    String rollCycle;

    @Option(names = "--retain", paramLabel = "AGE|SIZE",
        description = "Delete whole journal cycles older than AGE (7d, 12h) or beyond SIZE (10GB) while running; "
            + "default keep all.")
    String retain;

    @Option(names = "--min-free", paramLabel = "SIZE",
        description = "Space to leave free on the journal's filesystem: below it the journal ends and the run stops "
            + "(exit 1), before the disk is full (default journal.minFree: 64MB).")
    String minFree;

    /** The roll cycle's name, checked; journal.rollCycle if not given. */
    String rollCycle(final TickwireConfig cfg) throws BadInputException {
        return rollCycle != null ? rollCycle() : cfg.text(ConfigKey.JOURNAL_ROLL_CYCLE);
    }

    /** {@code --retain}, checked; journal.retain if not given. */
    JournalRetention.Policy retention(final TickwireConfig cfg) throws BadInputException {
        return retain != null ? retention() : cfg.retention();
    }

    /** {@code --min-free}, else journal.minFree: checked against the writer's own bound. */
    long minFreeBytes(final TickwireConfig cfg) throws BadInputException {
        final String source = minFree != null ? "--min-free" : ConfigKey.JOURNAL_MIN_FREE.key + " ("
            + cfg.origin(ConfigKey.JOURNAL_MIN_FREE) + ")";
        try {
            final long bytes = minFree != null ? Units.parseBytes(minFree) : cfg.bytes(ConfigKey.JOURNAL_MIN_FREE);
            new JournalWriter.Context().minFreeBytes(bytes);
            return bytes;
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException(source + ": " + ex.getMessage(), ex);
        }
    }

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
