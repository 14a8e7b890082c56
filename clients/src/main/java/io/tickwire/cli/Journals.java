package io.tickwire.cli;

import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a journal named on the command line, turning every way it can be unusable into a {@link BadInputException}. */
final class Journals {
    private Journals() {
    }

    /**
     * Open {@code dir} for reading and check that its run started (it has a catalog) and closed a tick. A journal
     * that ends early at an excerpt that is not ours is read up to it, and {@code err} is told so.
     *
     * @return an open reader; the caller closes it.
     */
    static JournalReader openWithTicks(final Path dir, final PrintWriter err) throws BadInputException {
        final JournalReader reader = openWithCatalog(dir, err);
        try {
            if (reader.lastTick() < 0) {
                throw new BadInputException("journal " + dir + " has no ticks");
            }
            return reader;
        } catch (final BadInputException | RuntimeException ex) {
            reader.close();
            throw ex;
        }
    }

    /**
     * Open {@code dir} for reading and check that its run started (it has a catalog); it may have no tick yet. A
     * damaged tail is said once on {@code err}.
     *
     * @return an open reader; the caller closes it.
     */
    static JournalReader openWithCatalog(final Path dir, final PrintWriter err) throws BadInputException {
        if (!Files.exists(dir)) {
            throw new BadInputException("no such journal: " + dir);
        }
        if (!JournalLayout.isJournal(dir)) {
            throw new BadInputException("not a journal: " + dir + " (a journal directory holds "
                + JournalLayout.RUN_FILE + " and " + JournalLayout.QUEUE_DIR + "/)");
        }
        final JournalReader reader;
        try {
            reader = JournalReader.open(dir);
        } catch (final IOException ex) {
            throw new BadInputException("cannot read journal: " + ex.getMessage(), ex);
        }
        try {
            if (reader.catalog() == null) {
                throw new BadInputException("journal " + dir + " has no catalog: its run never started");
            }
            reader.lastTick(); // looks at its tail: a damaged one is known from here on
            if (reader.damage() != null) {
                err.println("tickwire: " + reader.damage());
                err.flush();
            }
            return reader;
        } catch (final BadInputException | RuntimeException ex) {
            reader.close();
            throw ex;
        }
    }
}
