package io.tickwire.cli;

import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.TickLocator;
import io.tickwire.journal.format.CsvExporter;
import io.tickwire.journal.format.TickFormatter;
import io.tickwire.journal.format.WindowExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Export a journal's ticks: csv (one row per tick and service, with a header) or jsonl (one JSON "
        + "line per tick, as tail prints them); or, with --window, rolled up into windows of simulated time whose "
        + "percentiles come from the merged histograms (one row per window and service, or one line per window).",
        "The range is whole ticks: from the first tick starting at or after --from-time (or closed at or after "
            + "--from-wall) to the last tick ending at or before --to-time (or closed at or before --to-wall)."})
final class ExportCommand extends CliCommand {
    private static final int BUFFER_CHARS = 1 << 16;

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A journal directory.")
    Path journal;

    @Option(names = "--format", paramLabel = "csv|jsonl", defaultValue = "csv",
        description = "csv or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of stdout.")
    Path outFile;

    @Option(names = "--services", paramLabel = "a,b", split = ",",
        description = "Only these services (by name); default all.")
    List<String> services;

    @Option(names = "--window", paramLabel = "TIME",
        description = "Roll ticks up into windows of TIME simulated (a whole number of ticks), e.g. 10s.")
    String window;

    @Option(names = "--from-tick", paramLabel = "N", description = "Start at tick N.")
    Long fromTick;

    @Option(names = "--from-time", paramLabel = "TIME", description = "Start at simulated time TIME, e.g. 30s.")
    String fromTime;

    @Option(names = "--from-wall", paramLabel = "INSTANT",
        description = "Start at the first tick closed at or after INSTANT (ISO-8601, e.g. 2026-11-23T03:00:00Z).")
    String fromWall;

    @Option(names = "--to-tick", paramLabel = "M", description = "End at tick M (inclusive).")
    Long toTick;

    @Option(names = "--to-time", paramLabel = "TIME", description = "End at simulated time TIME, e.g. 90s.")
    String toTime;

    @Option(names = "--to-wall", paramLabel = "INSTANT",
        description = "End at the last tick closed at or before INSTANT (ISO-8601).")
    String toWall;

    @Override
    protected int execute() throws Exception {
        final String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("csv") && !fmt.equals("jsonl")) {
            throw new BadInputException("unknown format '" + format + "' (csv, jsonl)");
        }
        exclusive("--from-tick", fromTick, "--from-time", fromTime, "--from-wall", fromWall);
        exclusive("--to-tick", toTick, "--to-time", toTime, "--to-wall", toWall);
        final long windowNs = window == null ? 0 : duration("--window", window);
        final long fromTimeNs = fromTime == null ? 0 : duration("--from-time", fromTime);
        final long toTimeNs = toTime == null ? 0 : duration("--to-time", toTime);
        final long fromWallNs = fromWall == null ? 0 : instant("--from-wall", fromWall);
        final long toWallNs = toWall == null ? 0 : instant("--to-wall", toWall);

        // A journal whose run started but closed no tick exports as a header alone.
        try (JournalReader reader = Journals.openWithCatalog(journal, err())) {
            final long tickLengthNs = reader.tickLengthNs();
            if (window != null && (windowNs <= 0 || windowNs % tickLengthNs != 0)) {
                throw new BadInputException("--window " + window + " is not a whole number of ticks (the tick is "
                    + Units.formatNs(tickLengthNs) + ")");
            }
            final boolean[] include = services == null ? null : include(CatalogInfo.decode(reader.catalog()));
            final TickLocator locator = new TickLocator(reader);
            final long first = reader.firstTick();
            final long last = reader.lastTick();
            if (last < 0 && (fromTick != null || fromTime != null || fromWall != null)) {
                throw new BadInputException("journal " + journal + " has no ticks");
            }
            final long from;
            if (fromTick != null) {
                from = fromTick;
                if (from < first || from > last) {
                    throw new BadInputException("--from-tick " + from + " is not in the journal (ticks " + first
                        + " to " + last + ")");
                }
            } else if (fromTime != null) {
                from = locator.firstTickStartingAtOrAfter(fromTimeNs);
                if (from < 0) {
                    throw new BadInputException("--from-time " + fromTime + " is after the start of the last tick ("
                        + String.format(Locale.ROOT, "%.3f s", last * tickLengthNs / 1e9) + ")");
                }
            } else if (fromWall != null) {
                from = locator.firstTickClosedAtOrAfter(fromWallNs);
                if (from < 0) {
                    throw new BadInputException("--from-wall " + fromWall + ": every tick closed before it");
                }
            } else {
                from = first;
            }
            final long to;
            if (toTick != null) {
                to = Math.min(toTick, last);
            } else if (toTime != null) {
                to = locator.lastTickEndingAtOrBefore(toTimeNs);
            } else if (toWall != null) {
                to = locator.lastTickClosedAtOrBefore(toWallNs);
            } else {
                to = last;
            }
            if (to < from && last >= 0) {
                throw new BadInputException("the range is empty: it ends (tick " + to + ") before it starts (tick "
                    + from + ")");
            }
            if (last >= 0 && !reader.seek(from)) {
                throw new IllegalStateException("journal " + journal + " has no tick " + from);
            }
            final long rows;
            if (outFile == null) {
                // stdout is unbuffered per line under PrintWriter's autoflush: write through a large buffer instead.
                final Writer out = new BufferedWriter(out(), BUFFER_CHARS);
                rows = write(fmt, reader, out, windowNs, to, include);
                out.flush();
            } else {
                try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(outFile), BUFFER_CHARS);
                     Writer out = new OutputStreamWriter(file, StandardCharsets.UTF_8)) {
                    // Per-tick CSV goes to the file as bytes (formatted as ASCII, no encoder); the rest through out.
                    rows = fmt.equals("csv") && windowNs == 0 ? CsvExporter.export(reader, file, to, include)
                        : write(fmt, reader, out, windowNs, to, include);
                } catch (final IOException ex) {
                    throw new BadInputException("cannot write " + outFile + ": " + ex.getMessage(), ex);
                }
                final String unit = fmt.equals("csv") ? " rows" : windowNs > 0 ? " windows" : " ticks";
                err().println("exported " + rows + unit + " to " + outFile);
                err().flush();
            }
        }
        return OK;
    }

    private static long write(final String fmt, final JournalReader reader, final Writer out, final long windowNs,
                              final long toTick, final boolean[] include) throws IOException {
        if (windowNs > 0) {
            return WindowExporter.export(reader, out,
                fmt.equals("csv") ? WindowExporter.Format.CSV : WindowExporter.Format.JSONL, windowNs, toTick,
                include);
        }
        return fmt.equals("csv") ? CsvExporter.export(reader, out, toTick, include)
            : TickFormatter.export(reader, out, toTick, include);
    }

    /** Service ids of {@code --services}, refusing names the journal does not have. */
    private boolean[] include(final CatalogInfo catalog) throws BadInputException {
        final boolean[] include = new boolean[catalog.serviceCount()];
        final List<String> known = new ArrayList<>();
        for (int id = 0; id < catalog.serviceCount(); id++) {
            known.add(catalog.name(id));
        }
        for (final String name : services) {
            final int id = known.indexOf(name.trim());
            if (id < 0) {
                throw new BadInputException("--services: no service '" + name.trim() + "' in the journal ("
                    + String.join(", ", known) + ")");
            }
            include[id] = true;
        }
        return include;
    }

    private static void exclusive(final String a, final Object va, final String b, final Object vb, final String c,
                                  final Object vc) throws BadInputException {
        final int given = (va != null ? 1 : 0) + (vb != null ? 1 : 0) + (vc != null ? 1 : 0);
        if (given > 1) {
            throw new BadInputException("give at most one of " + a + ", " + b + " and " + c);
        }
    }

    private static long duration(final String option, final String text) throws BadInputException {
        final long ns;
        try {
            ns = Units.parseDurationNs(text);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException(option + ": " + ex.getMessage(), ex);
        }
        if (ns < 0) {
            throw new BadInputException(option + " must be >= 0, got " + text);
        }
        return ns;
    }

    private static long instant(final String option, final String text) throws BadInputException {
        try {
            final Instant at = Instant.parse(text);
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
        } catch (final DateTimeParseException | ArithmeticException ex) {
            throw new BadInputException(option + ": not an ISO-8601 instant such as 2026-11-23T03:00:00Z: " + text,
                ex);
        }
    }
}
