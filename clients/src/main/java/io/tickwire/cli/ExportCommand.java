package io.tickwire.cli;

import io.tickwire.client.TickFormatter;
import io.tickwire.journal.CsvExporter;
import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Export a journal's ticks: csv (one row per tick and service, with a header) or jsonl (one JSON "
        + "line per tick, as tail prints them)."})
final class ExportCommand extends CliCommand {
    private static final int BUFFER_CHARS = 1 << 16;

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A journal directory.")
    Path journal;

    @Option(names = "--format", paramLabel = "csv|jsonl", defaultValue = "csv",
        description = "csv or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of stdout.")
    Path outFile;

    @Override
    protected int execute() throws Exception {
        final String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("csv") && !fmt.equals("jsonl")) {
            throw new BadInputException("unknown format '" + format + "' (csv, jsonl)");
        }
        if (!Files.exists(journal)) {
            throw new BadInputException("no such journal: " + journal);
        }
        if (!JournalLayout.isJournal(journal)) {
            throw new BadInputException("not a journal: " + journal + " (a journal directory holds "
                + JournalLayout.RUN_FILE + " and " + JournalLayout.QUEUE_DIR + "/)");
        }
        final JournalReader reader;
        try {
            reader = JournalReader.open(journal);
        } catch (final IOException ex) {
            throw new BadInputException("cannot read journal: " + ex.getMessage(), ex);
        }
        try (reader) {
            if (reader.catalog() == null) {
                throw new BadInputException("journal " + journal + " has no catalog: its run never started");
            }
            final long rows;
            if (outFile == null) {
                // stdout is unbuffered per line under PrintWriter's autoflush: write through a large buffer instead.
                final Writer out = new BufferedWriter(out(), BUFFER_CHARS);
                rows = write(fmt, reader, out);
                out.flush();
            } else {
                try (Writer out = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) {
                    rows = write(fmt, reader, out);
                } catch (final IOException ex) {
                    throw new BadInputException("cannot write " + outFile + ": " + ex.getMessage(), ex);
                }
                err().println("exported " + rows + (fmt.equals("csv") ? " rows" : " ticks") + " to " + outFile);
                err().flush();
            }
        }
        return OK;
    }

    private static long write(final String fmt, final JournalReader reader, final Writer out) throws IOException {
        return fmt.equals("csv") ? CsvExporter.export(reader, out) : exportJsonLines(reader, out);
    }

    /** One {@link TickFormatter} line per tick. */
    static long exportJsonLines(final JournalReader reader, final Writer out) throws IOException {
        final byte[] catalog = reader.catalog();
        final TickFormatter formatter = new TickFormatter().catalog(new UnsafeBuffer(catalog), 0, catalog.length);
        final StringBuilder text = new StringBuilder(BUFFER_CHARS + 4096);
        final JournalReader.TickHandler line =
            (buffer, offset, length, tick) -> formatter.format(buffer, offset, length, text).append('\n');
        long ticks = 0;
        while (reader.next(line)) {
            ticks++;
            if (text.length() >= BUFFER_CHARS) {
                out.append(text);
                text.setLength(0);
            }
        }
        out.append(text);
        out.flush();
        return ticks;
    }
}
