package io.tickwire.journal.format;

import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Exports a journal's ticks as CSV: one row per (tick, service), in tick order then service id order (the order of
 * a {@code TickSummary}'s services group, which the engine writes by id). Service names come from the catalog.
 * <p>
 * Times are exact decimal renderings of the journal's integer nanoseconds, never passed through a double:
 * {@code *_ms} with 6 decimals (5000123 ns is {@code 5.000123}), {@code sim_time_s} with 9; {@code mean_ms} is
 * {@code latencySumNs / completed} in whole nanoseconds (0 when nothing completed). Lines end with {@code \n}.
 */
public final class CsvExporter {
    public static final String HEADER = "tick,service,arrivals,completed,errors,rejected,mean_ms,p50_ms,p90_ms,p99_ms,"
        + "max_ms,queue_depth,busy,servers,p999_ms,utilization,mean_queue,cost,timeouts,retries,storage_bytes,"
        + "replicas,ready_replicas,rate_limited,bulkhead_refused,breaker_refused,sim_time_s,wall_time_ns";
    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final byte[] HEADER_BYTES = (HEADER + '\n').getBytes(StandardCharsets.US_ASCII);
    /**
     * An observed run's header: the values of its series before the times — {@code value} (the tick's latest
     * sample; a counter's raw value), {@code value_min}, {@code value_max}, {@code value_sum} (a counter's increase)
     * and {@code late} (samples dropped for coming after their tick closed); empty where a tick had no sample.
     */
    public static final String OBSERVED_HEADER = HEADER.replace(",sim_time_s,",
        ",value,value_min,value_max,value_sum,late,sim_time_s,");
    private static final int FLUSH_BYTES = 64 * 1024;

    private CsvExporter() {
    }

    /**
     * Write the header, then a row per service of every tick from the reader's position to the end of the journal
     * (the whole journal for a fresh reader; {@link JournalReader#seek} first to start later). Flushes {@code out},
     * does not close it.
     *
     * @return the number of rows written, the header excluded.
     * @throws IOException if the journal has no catalog, or on a write failure.
     */
    public static long export(final JournalReader reader, final Writer out) throws IOException {
        return export(reader, out, Long.MAX_VALUE, null);
    }

    /**
     * As {@link #export(JournalReader, Writer)}, up to tick {@code toTick} (inclusive) and only the services whose
     * id is true in {@code include} (null: all). Streams: memory does not grow with the journal.
     */
    public static long export(final JournalReader reader, final Writer out, final long toTick,
                              final boolean[] include) throws IOException {
        final CatalogInfo catalog = TickRange.catalog(reader);
        final Rows rows = new Rows(serviceNames(catalog), include, catalog.observed());
        out.write(catalog.observed() ? OBSERVED_HEADER : HEADER);
        out.write('\n');
        write(reader, toTick, rows, () -> rows.drainTo(out));
        out.flush();
        return rows.count;
    }

    /**
     * As {@link #export(JournalReader, Writer, long, boolean[])}, in UTF-8 bytes: the rows are formatted as ASCII
     * straight into a byte buffer (names pre-encoded), with no chars or encoder between them and {@code out}.
     * Flushes {@code out}, does not close it.
     */
    public static long export(final JournalReader reader, final OutputStream out, final long toTick,
                              final boolean[] include) throws IOException {
        final CatalogInfo catalog = TickRange.catalog(reader);
        final Rows rows = new Rows(serviceNames(catalog), include, catalog.observed());
        out.write(catalog.observed() ? (OBSERVED_HEADER + '\n').getBytes(StandardCharsets.US_ASCII) : HEADER_BYTES);
        write(reader, toTick, rows, () -> rows.drainTo(out));
        out.flush();
        return rows.count;
    }

    /** Format the rows of the range, draining them to the output every {@value #FLUSH_BYTES} bytes and at the end. */
    private static void write(final JournalReader reader, final long toTick, final Rows rows, final Drain drain)
        throws IOException {
        final TickRange range = new TickRange(toTick, rows);
        while (!range.done() && reader.next(range)) {
            if (rows.text.length() >= FLUSH_BYTES) {
                drain.run();
            }
        }
        drain.run();
    }

    /** Service names by id, quoted for CSV where needed. */
    static String[] serviceNames(final CatalogInfo catalog) {
        final String[] names = new String[catalog.serviceCount()];
        for (int id = 0; id < names.length; id++) {
            names[id] = csvField(catalog.name(id));
        }
        return names;
    }

    /** RFC 4180: quote a field holding a comma, a quote or a line break, doubling its quotes. */
    static String csvField(final String value) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                return '"' + value.replace("\"", "\"\"") + '"';
            }
        }
        return value;
    }

    /** Append {@code nanos} in milliseconds with exactly 6 decimals. */
    static StringBuilder appendMillis(final StringBuilder sb, final long nanos) {
        return appendDecimal(sb, nanos, NANOS_PER_MILLI);
    }

    /** Append {@code value / unit} exactly, with as many decimals as {@code unit} (a power of ten) has zeros. */
    static StringBuilder appendDecimal(final StringBuilder sb, final long value, final long unit) {
        long whole = value / unit;
        long fraction = value % unit;
        if (value < 0) {
            sb.append('-');
            whole = -whole;
            fraction = -fraction;
        }
        sb.append(whole).append('.');
        // Leading zeros of the fraction, then its digits in one append: one division per zero, not per digit.
        for (long digit = unit / 10; digit > fraction && digit > 1; digit /= 10) {
            sb.append('0');
        }
        return sb.append(fraction);
    }

    /** Moves the formatted rows to the output (a writer or a stream). */
    @FunctionalInterface
    private interface Drain {
        void run() throws IOException;
    }

    /** Formats each tick's rows into a reused byte buffer; the caller drains it to the output (checked I/O out). */
    private static final class Rows implements JournalReader.TickHandler {
        private final byte[][] names;
        private final boolean asciiNames;
        private final AsciiBuilder text = new AsciiBuilder(FLUSH_BYTES + 4096);
        private final AsciiBuilder tickTail = new AsciiBuilder(48); // "sim_time_s,wall_time_ns\n", once a tick
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final TickSummaryDecoder summary = new TickSummaryDecoder();
        private final boolean[] include;
        private final boolean observed;
        private char[] chars = new char[0];
        private long count;

        Rows(final String[] names, final boolean[] include, final boolean observed) {
            this.observed = observed;
            this.names = new byte[names.length][];
            boolean ascii = true;
            for (int id = 0; id < names.length; id++) {
                final String name = names[id] == null ? Integer.toString(id) : names[id];
                this.names[id] = name.getBytes(StandardCharsets.UTF_8);
                ascii &= AsciiBuilder.isAscii(this.names[id]);
            }
            this.asciiNames = ascii;
            this.include = include;
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            header.wrap(buffer, offset);
            summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final long simTimeNs = summary.simTimeNs();
            final long tickLengthNs = summary.tickLengthNs();
            final long wallTimeNs = summary.wallTimeNs();
            final AsciiBuilder b = text;
            tickTail.clear();
            tickTail.putDecimal(simTimeNs, NANOS_PER_SECOND).put(',').putLong(wallTimeNs).put('\n');
            for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                final int id = s.serviceId();
                if (include != null && (id >= include.length || !include[id])) {
                    s.skipHistogram();
                    continue;
                }
                final long completed = s.completed();
                b.putLong(tick).put(',');
                if (id < names.length) {
                    b.put(names[id]);
                } else {
                    b.putLong(id);
                }
                b.put(',').putLong(s.arrivals())
                    .put(',').putLong(completed)
                    .put(',').putLong(s.errors())
                    .put(',').putLong(s.rejected())
                    .put(',');
                b.putDecimal(Figures.meanWholeNs(s.latencySumNs(), completed), NANOS_PER_MILLI).put(',');
                b.putDecimal(s.p50Ns(), NANOS_PER_MILLI).put(',');
                b.putDecimal(s.p90Ns(), NANOS_PER_MILLI).put(',');
                b.putDecimal(s.p99Ns(), NANOS_PER_MILLI).put(',');
                b.putDecimal(s.maxNs(), NANOS_PER_MILLI).put(',');
                final int servers = s.servers();
                b.putLong(s.queueDepth())
                    .put(',').putLong(s.busyServers())
                    .put(',').putLong(servers)
                    .put(',');
                b.putDecimal(s.p999Ns(), NANOS_PER_MILLI).put(',');
                // Time averages over the tick (a fold of one tick), from the exact integrals; empty before them (v1).
                final long busyTimeNs = s.busyTimeNs();
                final long queueTimeNs = s.queueTimeNs();
                if (TickFields.integralsKnown(busyTimeNs, queueTimeNs)) {
                    b.putDecimal(Figures.micro(Figures.utilization(busyTimeNs, servers * tickLengthNs)),
                        Figures.MICRO_UNIT).put(',');
                    b.putDecimal(Figures.micro(Figures.timeAverage(queueTimeNs, tickLengthNs)),
                        Figures.MICRO_UNIT).put(',');
                } else {
                    b.put(',').put(',');
                }
                // Cost in the diagram's currency unit, exact to the billionth; empty for journals before it.
                final long costNanos = s.costNanos();
                if (TickFields.costKnown(costNanos)) {
                    b.putDecimal(costNanos, NANOS_PER_SECOND);
                }
                b.put(',');
                // Schema version 3 on; older ticks had none of these, so they are 0 there.
                b.putLong(TickFields.timeouts(s))
                    .put(',').putLong(TickFields.retries(s))
                    .put(',').putLong(TickFields.storageBytes(s))
                    .put(',');
                // Schema version 4 on: provisioned and ready replicas at tick end; empty before (unknown).
                if (TickFields.version4(s)) {
                    b.putLong(s.replicas()).put(',').putLong(s.readyReplicas()).put(',');
                } else {
                    b.put(',').put(',');
                }
                // Resilience (schema version 4 on): 0 before.
                b.putLong(TickFields.rateLimited(s))
                    .put(',').putLong(TickFields.bulkheadRefused(s))
                    .put(',').putLong(TickFields.breakerRefused(s))
                    .put(',');
                if (observed) {
                    putValue(b, s.value());
                    putValue(b, s.valueMin());
                    putValue(b, s.valueMax());
                    putValue(b, TickFields.valueSum(s));
                    b.putLong(TickFields.late(s)).put(',');
                }
                b.put(tickTail);
                s.skipHistogram();
                count++;
            }
        }

        /** A value as Java prints a double (shortest exact form), then a comma; empty for none (NaN). */
        private static void putValue(final AsciiBuilder b, final double v) {
            if (!Double.isNaN(v)) {
                b.put(Double.toString(v).getBytes(StandardCharsets.US_ASCII));
            }
            b.put(',');
        }

        void drainTo(final OutputStream out) throws IOException {
            out.write(text.bytes(), 0, text.length());
            text.clear();
        }

        void drainTo(final Writer out) throws IOException {
            final int length = text.length();
            if (asciiNames) {
                // Every byte is ASCII: widening is decoding.
                if (chars.length < length) {
                    chars = new char[Math.max(length, FLUSH_BYTES + 4096)];
                }
                final byte[] bytes = text.bytes();
                for (int i = 0; i < length; i++) {
                    chars[i] = (char)bytes[i];
                }
                out.write(chars, 0, length);
            } else {
                out.write(text.toString());
            }
            text.clear();
        }
    }
}
