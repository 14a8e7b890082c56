package io.tickwire.journal.format;

import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;

import java.io.IOException;
import java.io.Writer;

/**
 * Exports a journal rolled up into windows of simulated time ({@link WindowRollup}): CSV, one row per window and
 * service, or JSON lines, one object per window. Streams: memory does not grow with the journal.
 * <p>
 * CSV columns ({@link #CSV_HEADER}), in order:
 * <pre>
 *  window_start_s, window_end_s  simulated seconds, 9 decimals: the start of the window's first tick, the end of its
 *                                last (start + window, except for a partial window)
 *  first_tick, last_tick, ticks  the ticks it holds
 *  partial                       true if it holds fewer ticks than a window (the range ended inside it), else false
 *  service                       the catalog's name (RFC 4180 quoting)
 *  arrivals ... retries          sums over the window
 *  throughput_per_s              completed / window length, 3 decimals
 *  error_rate                    errors / completed, 6 decimals (0 when nothing completed)
 *                                (these and the time averages below: {@link Figures}, as every format has them)
 *  mean_ms                       Σ latency / completed, in whole ns, 6 decimals
 *  p50_ms ... p999_ms, max_ms    from the window's merged histogram (never averaged), capped at the exact max
 *  utilization, mean_queue       time averages from the integrals, 6 decimals; empty before schema version 2
 *  queue_depth, servers          at the end of the window's last tick
 *  cost                          summed, exact, 9 decimals; empty before schema version 2
 *  storage_bytes                 at the end of the window's last tick
 *  wall_time_ns                  epoch time at which the window's last tick closed
 * </pre>
 * JSON lines: per window {@code {"windowStartS":..,"windowEndS":..,"firstTick":..,"lastTick":..,"ticks":..,
 * "partial":..,"services":[{"name":..,"arrivals":..,...,"p99Ms":..,...}]}}, the same figures under camel-case names;
 * unknown figures are {@code null}.
 */
public final class WindowExporter {
    public static final String CSV_HEADER = "window_start_s,window_end_s,first_tick,last_tick,ticks,partial,service,"
        + "arrivals,completed,errors,rejected,timeouts,retries,throughput_per_s,error_rate,mean_ms,p50_ms,p90_ms,p99_ms,"
        + "p999_ms,max_ms,utilization,mean_queue,queue_depth,servers,cost,storage_bytes,wall_time_ns";
    private static final int FLUSH_CHARS = 64 * 1024;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MILLI_UNITS = 1_000L;

    /** The output format. */
    public enum Format {
        CSV,
        JSONL
    }

    private WindowExporter() {
    }

    /**
     * Write the windows of the ticks from the reader's position to {@code toTick} (inclusive; the journal's end if
     * sooner), of the services true in {@code include} (null: all). Flushes {@code out}, does not close it.
     *
     * @return the number of rows (CSV) or lines (JSON lines) written, a CSV header excluded.
     * @throws IOException              if the journal has no catalog, or on a write failure.
     * @throws IllegalArgumentException if {@code windowNs} is not a positive multiple of the journal's tick.
     */
    public static long export(final JournalReader reader, final Writer out, final Format format, final long windowNs,
                              final long toTick, final boolean[] include) throws IOException {
        final CatalogInfo catalog = TickRange.catalog(reader);
        final Lines lines = format == Format.CSV ? new CsvLines(catalog) : new JsonLines();
        if (format == Format.CSV) {
            out.write(CSV_HEADER);
            out.write('\n');
        }
        try (WindowRollup rollup = new WindowRollup(catalog, reader.tickLengthNs(), windowNs, include, lines)) {
            final TickRange range = new TickRange(toTick, rollup);
            while (!range.done() && reader.next(range)) {
                if (lines.text.length() >= FLUSH_CHARS) {
                    lines.drainTo(out);
                }
            }
            rollup.finish();
        }
        lines.drainTo(out);
        out.flush();
        return lines.count;
    }

    /** Formats windows into a reused builder; the exporter drains it to the writer (checked I/O stays out). */
    private abstract static class Lines implements WindowRollup.WindowHandler {
        final StringBuilder text = new StringBuilder(FLUSH_CHARS + 4096);
        private char[] chars = new char[0];
        long count;

        final void drainTo(final Writer out) throws IOException {
            final int length = text.length();
            if (chars.length < length) {
                chars = new char[Math.max(length, FLUSH_CHARS + 4096)];
            }
            text.getChars(0, length, chars, 0);
            out.write(chars, 0, length);
            text.setLength(0);
        }
    }

    private static final class CsvLines extends Lines {
        private final String[] names;

        CsvLines(final CatalogInfo catalog) {
            names = CsvExporter.serviceNames(catalog);
        }

        @Override
        public void onWindow(final TickFold w, final boolean partial) {
            final StringBuilder sb = text;
            for (int i = 0; i < w.serviceCount(); i++) {
                final ServiceFigures s = w.service(i);
                CsvExporter.appendDecimal(sb, w.startNs(), NANOS_PER_SECOND).append(',');
                CsvExporter.appendDecimal(sb, w.endNs(), NANOS_PER_SECOND).append(',');
                sb.append(w.firstTick()).append(',').append(w.lastTick()).append(',').append(w.ticks()).append(',')
                    .append(partial).append(',');
                sb.append(s.id() < names.length ? names[s.id()] : CsvExporter.csvField(s.name()));
                sb.append(',').append(s.arrivals())
                    .append(',').append(s.completed())
                    .append(',').append(s.errors())
                    .append(',').append(s.rejected())
                    .append(',').append(s.timeouts())
                    .append(',').append(s.retries())
                    .append(',');
                CsvExporter.appendDecimal(sb, Figures.perSecondMilli(s.completed(), w.lengthNs()), MILLI_UNITS)
                    .append(',');
                CsvExporter.appendDecimal(sb, Figures.micro(s.errorRatio()), Figures.MICRO_UNIT).append(',');
                CsvExporter.appendMillis(sb, s.meanWholeNs()).append(',');
                CsvExporter.appendMillis(sb, s.p50Ns()).append(',');
                CsvExporter.appendMillis(sb, s.p90Ns()).append(',');
                CsvExporter.appendMillis(sb, s.p99Ns()).append(',');
                CsvExporter.appendMillis(sb, s.p999Ns()).append(',');
                CsvExporter.appendMillis(sb, s.maxNs()).append(',');
                if (s.integralsKnown()) {
                    CsvExporter.appendDecimal(sb, Figures.micro(s.utilization()), Figures.MICRO_UNIT).append(',');
                    CsvExporter.appendDecimal(sb, Figures.micro(s.meanQueue()), Figures.MICRO_UNIT).append(',');
                } else {
                    sb.append(",,");
                }
                sb.append(s.queueDepth()).append(',').append(s.servers()).append(',');
                if (s.costKnown()) {
                    CsvExporter.appendDecimal(sb, s.costNanos(), NANOS_PER_SECOND);
                }
                sb.append(',').append(s.storageBytes())
                    .append(',').append(w.wallTimeNs())
                    .append('\n');
                count++;
            }
        }
    }

    private static final class JsonLines extends Lines {
        @Override
        public void onWindow(final TickFold w, final boolean partial) {
            final StringBuilder sb = text;
            CsvExporter.appendDecimal(sb.append("{\"windowStartS\":"), w.startNs(), NANOS_PER_SECOND);
            CsvExporter.appendDecimal(sb.append(",\"windowEndS\":"), w.endNs(), NANOS_PER_SECOND);
            sb.append(",\"firstTick\":").append(w.firstTick())
                .append(",\"lastTick\":").append(w.lastTick())
                .append(",\"ticks\":").append(w.ticks())
                .append(",\"partial\":").append(partial)
                .append(",\"wallTimeNs\":").append(w.wallTimeNs())
                .append(",\"services\":[");
            for (int i = 0; i < w.serviceCount(); i++) {
                final ServiceFigures s = w.service(i);
                if (i > 0) {
                    sb.append(',');
                }
                TickFormatter.appendString(sb.append("{\"name\":"), s.name());
                sb.append(",\"arrivals\":").append(s.arrivals())
                    .append(",\"completed\":").append(s.completed())
                    .append(",\"errors\":").append(s.errors())
                    .append(",\"rejected\":").append(s.rejected())
                    .append(",\"timeouts\":").append(s.timeouts())
                    .append(",\"retries\":").append(s.retries());
                CsvExporter.appendDecimal(sb.append(",\"throughputPerS\":"),
                    Figures.perSecondMilli(s.completed(), w.lengthNs()), MILLI_UNITS);
                CsvExporter.appendDecimal(sb.append(",\"errorRate\":"), Figures.micro(s.errorRatio()),
                    Figures.MICRO_UNIT);
                CsvExporter.appendMillis(sb.append(",\"meanMs\":"), s.meanWholeNs());
                CsvExporter.appendMillis(sb.append(",\"p50Ms\":"), s.p50Ns());
                CsvExporter.appendMillis(sb.append(",\"p90Ms\":"), s.p90Ns());
                CsvExporter.appendMillis(sb.append(",\"p99Ms\":"), s.p99Ns());
                CsvExporter.appendMillis(sb.append(",\"p999Ms\":"), s.p999Ns());
                CsvExporter.appendMillis(sb.append(",\"maxMs\":"), s.maxNs());
                if (s.integralsKnown()) {
                    CsvExporter.appendDecimal(sb.append(",\"utilization\":"), Figures.micro(s.utilization()),
                        Figures.MICRO_UNIT);
                    CsvExporter.appendDecimal(sb.append(",\"meanQueue\":"), Figures.micro(s.meanQueue()),
                        Figures.MICRO_UNIT);
                } else {
                    sb.append(",\"utilization\":null,\"meanQueue\":null");
                }
                sb.append(",\"queueDepth\":").append(s.queueDepth())
                    .append(",\"servers\":").append(s.servers());
                if (s.costKnown()) {
                    CsvExporter.appendDecimal(sb.append(",\"cost\":"), s.costNanos(), NANOS_PER_SECOND);
                } else {
                    sb.append(",\"cost\":null");
                }
                sb.append(",\"storageBytes\":").append(s.storageBytes()).append('}');
            }
            sb.append("]}\n");
            count++;
        }
    }
}
