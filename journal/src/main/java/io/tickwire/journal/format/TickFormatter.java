package io.tickwire.journal.format;

import io.tickwire.codec.Schema;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.TickSummaryFilter;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;

/**
 * Turns a {@code TickSummary} into one line of JSON, naming services from the last {@code Catalog} seen:
 * <pre>
 * {"sim":1,"tick":7,"simTimeNs":400000000,"wallTimeNs":1763856000123456789,"services":[{"name":"gateway",
 *  "arrivals":21,"completed":20,"errors":0,"rejected":0,"queue":0,"busy":1,"servers":16,"meanMs":2.031,
 *  "p50Ms":1.8,"p90Ms":3.2,"p99Ms":5.1,"p999Ms":5.1,"maxMs":5.1,"utilization":0.12,"meanQueue":0,"cost":0.0000053,
 *  "timeouts":0,"retries":0,"storageBytes":0,"replicas":2,"readyReplicas":2}],
 *  "entries":[{"name":"web","completed":20,"errors":0,"rejected":0,"timeouts":0,"meanMs":9.2,"p50Ms":7.1,...}]}
 * </pre>
 * {@code entries} (end-to-end latency per load source) and the time integrals and cost appear for schema version 2
 * on; {@code timeouts}, {@code retries} and {@code storageBytes} per service (and {@code timeouts} per entry) for
 * version 3 on; {@code replicas} and {@code readyReplicas} (at tick end) for version 4 on: a field the message's
 * version does not have is left out, not printed as zero.
 * Numbers are plain decimals (milliseconds are exact: nanoseconds with the point moved, trailing zeros dropped).
 * Utilisation and mean queue are the tick's time averages from its integrals ({@link Figures}: a tick is a fold of
 * one tick), rounded to 6 decimals. Written by hand into a caller's {@link StringBuilder}: no JSON library, no
 * garbage beyond the builder's growth. The lines of {@code tickwire tail} (from the feed) and of
 * {@code tickwire export --format jsonl} ({@link #export}, from a journal).
 * <b>Not thread safe</b>: one instance per thread.
 */
public final class TickFormatter {
    private static final int FLUSH_CHARS = 64 * 1024;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final CatalogDecoder catalog = new CatalogDecoder();
    private final TickSummaryDecoder tick = new TickSummaryDecoder();
    private String[] names = new String[0];
    private String[] sourceNames = new String[0];

    /** Learn the service names of a {@code Catalog} message (header included). */
    public TickFormatter catalog(final DirectBuffer buffer, final int offset, final int length) {
        wrapHeader(buffer, offset, length, CatalogDecoder.TEMPLATE_ID);
        catalog.wrap(buffer, offset + header.encodedLength(), header.blockLength(), header.version());
        final CatalogDecoder.ServicesDecoder services = catalog.services();
        String[] byId = new String[services.count()];
        for (final CatalogDecoder.ServicesDecoder s : services) {
            final int id = s.serviceId();
            if (id >= byId.length) {
                byId = Arrays.copyOf(byId, id + 1);
            }
            byId[id] = s.name();
        }
        names = byId;
        // Since schema version 2: the load sources (entry points).
        final CatalogDecoder.SourcesDecoder sources = catalog.sources();
        String[] sourcesById = new String[sources.count()];
        for (final CatalogDecoder.SourcesDecoder l : sources) {
            final int id = l.sourceId();
            if (id >= sourcesById.length) {
                sourcesById = Arrays.copyOf(sourcesById, id + 1);
            }
            sourcesById[id] = l.name();
        }
        sourceNames = sourcesById;
        return this;
    }

    /**
     * Write one line per tick from the reader's position to {@code toTick} (inclusive; the journal's end if sooner),
     * with only the services true in {@code include} (null: all). Streams: memory does not grow with the journal.
     * Flushes {@code out}, does not close it.
     *
     * @return the number of lines written.
     * @throws IOException if the journal has no catalog, or on a write failure.
     */
    public static long export(final JournalReader reader, final Writer out, final long toTick,
                              final boolean[] include) throws IOException {
        final byte[] catalog = TickRange.catalogBytes(reader);
        final TickFormatter formatter = new TickFormatter().catalog(new UnsafeBuffer(catalog), 0, catalog.length);
        final Lines lines = new Lines(formatter, include == null ? null : new TickSummaryFilter(include));
        final TickRange range = new TickRange(toTick, lines);
        while (!range.done() && reader.next(range)) {
            if (lines.text.length() >= FLUSH_CHARS) {
                out.append(lines.text);
                lines.text.setLength(0);
            }
        }
        out.append(lines.text);
        out.flush();
        return lines.count;
    }

    /** The name of a load source in the last catalog, or {@code #id} if it has none. */
    public String sourceName(final int sourceId) {
        return sourceId < sourceNames.length && sourceNames[sourceId] != null ? sourceNames[sourceId] : "#" + sourceId;
    }

    /** The name of a service in the last catalog, or {@code #id} if it has none. */
    public String serviceName(final int serviceId) {
        return serviceId < names.length && names[serviceId] != null ? names[serviceId] : "#" + serviceId;
    }

    /** One line of JSON for a {@code TickSummary} message (header included), without a newline. */
    public String format(final DirectBuffer buffer, final int offset, final int length) {
        return format(buffer, offset, length, new StringBuilder(256)).toString();
    }

    /** Append one JSON object for a {@code TickSummary} message (header included) to {@code out}; no newline. */
    public StringBuilder format(final DirectBuffer buffer, final int offset, final int length,
                                final StringBuilder out) {
        wrapHeader(buffer, offset, length, TickSummaryDecoder.TEMPLATE_ID);
        final TickSummaryDecoder t = tick.wrap(
            buffer, offset + header.encodedLength(), header.blockLength(), header.version());
        out.append("{\"sim\":").append(t.simulationId())
            .append(",\"tick\":").append(t.tick())
            .append(",\"simTimeNs\":").append(t.simTimeNs())
            .append(",\"wallTimeNs\":").append(t.wallTimeNs())
            .append(",\"services\":[");
        boolean first = true;
        for (final TickSummaryDecoder.ServicesDecoder s : t.services()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append("{\"name\":");
            appendString(out, serviceName(s.serviceId()));
            out.append(",\"arrivals\":").append(s.arrivals())
                .append(",\"completed\":").append(s.completed())
                .append(",\"errors\":").append(s.errors())
                .append(",\"rejected\":").append(s.rejected())
                .append(",\"queue\":").append(s.queueDepth())
                .append(",\"busy\":").append(s.busyServers())
                .append(",\"servers\":").append(s.servers());
            appendMillis(out.append(",\"meanMs\":"), s.meanNs());
            appendMillis(out.append(",\"p50Ms\":"), s.p50Ns());
            appendMillis(out.append(",\"p90Ms\":"), s.p90Ns());
            appendMillis(out.append(",\"p99Ms\":"), s.p99Ns());
            appendMillis(out.append(",\"p999Ms\":"), s.p999Ns());
            appendMillis(out.append(",\"maxMs\":"), s.maxNs());
            // Time averages over the tick, from the exact integrals; rounded to 6 decimals.
            final long tickLengthNs = t.tickLengthNs();
            final long busyTimeNs = s.busyTimeNs();
            final long queueTimeNs = s.queueTimeNs();
            if (TickFields.integralsKnown(busyTimeNs, queueTimeNs)) { // absent before v2
                out.append(",\"utilization\":")
                    .append(round6(Figures.utilization(busyTimeNs, s.servers() * tickLengthNs)))
                    .append(",\"meanQueue\":").append(round6(Figures.timeAverage(queueTimeNs, tickLengthNs)));
                appendDecimal(out.append(",\"cost\":"), s.costNanos(), 9); // currency units, exact
            }
            if (TickFields.version3(s)) { // absent before v3
                out.append(",\"timeouts\":").append(s.timeouts())
                    .append(",\"retries\":").append(s.retries())
                    .append(",\"storageBytes\":").append(s.storageBytes());
            }
            if (TickFields.version4(s)) { // absent before v4
                out.append(",\"replicas\":").append(s.replicas())
                    .append(",\"readyReplicas\":").append(s.readyReplicas());
            }
            final double value = s.value();
            final long late = TickFields.late(s);
            if (!Double.isNaN(value) || late > 0) { // an observed series (v4): its values, when it had any
                if (!Double.isNaN(value)) {
                    out.append(",\"value\":").append(value)
                        .append(",\"min\":").append(s.valueMin())
                        .append(",\"max\":").append(s.valueMax());
                }
                out.append(",\"sum\":").append(TickFields.valueSum(s)).append(",\"late\":").append(late);
            }
            if (TickFields.resilience(s)) { // absent before v4's resilience counts
                out.append(",\"rateLimited\":").append(s.rateLimited())
                    .append(",\"bulkheadRefused\":").append(s.bulkheadRefused())
                    .append(",\"breakerRefused\":").append(s.breakerRefused());
            }
            out.append('}');
            s.skipHistogram(); // var data must be stepped over to reach the next entry
        }
        out.append(']');
        // End-to-end latency per entry point (schema version 2 on).
        final TickSummaryDecoder.EntriesDecoder entries = t.entries();
        if (entries.count() > 0) {
            out.append(",\"entries\":[");
            first = true;
            for (final TickSummaryDecoder.EntriesDecoder e : entries) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append("{\"name\":");
                appendString(out, sourceName(e.sourceId()));
                out.append(",\"completed\":").append(e.completed())
                    .append(",\"errors\":").append(e.errors())
                    .append(",\"rejected\":").append(e.rejected());
                if (TickFields.version3(e)) { // absent before v3
                    out.append(",\"timeouts\":").append(e.timeouts());
                }
                appendMillis(out.append(",\"meanMs\":"), Figures.meanWholeNs(e.latencySumNs(), e.completed()));
                appendMillis(out.append(",\"p50Ms\":"), e.p50Ns());
                appendMillis(out.append(",\"p90Ms\":"), e.p90Ns());
                appendMillis(out.append(",\"p99Ms\":"), e.p99Ns());
                appendMillis(out.append(",\"p999Ms\":"), e.p999Ns());
                appendMillis(out.append(",\"maxMs\":"), e.maxNs());
                out.append('}');
                e.skipHistogram();
            }
            out.append(']');
        }
        return out.append('}');
    }

    /** A ratio rounded to 6 decimals, 0 if it does not exist (no servers). */
    private static double round6(final double ratio) {
        return (double)Figures.micro(ratio) / Figures.MICRO_UNIT;
    }

    /** Nanoseconds as milliseconds, exactly: {@code 3086419} → {@code 3.086419}, {@code 5000000} → {@code 5}. */
    static StringBuilder appendMillis(final StringBuilder out, final long ns) {
        if (ns == TickSummaryDecoder.ServicesDecoder.meanNsNullValue()) {
            return out.append("null");
        }
        return appendDecimal(out, ns, 6);
    }

    /** {@code value / 10^decimals}, exactly, trailing zeros dropped: {@code (3086419, 6)} → {@code 3.086419}. */
    static StringBuilder appendDecimal(final StringBuilder out, final long value, final int decimals) {
        long unit = 1;
        for (int i = 0; i < decimals; i++) {
            unit *= 10;
        }
        long abs = value;
        if (value < 0) {
            out.append('-');
            abs = -value;
        }
        out.append(abs / unit);
        long frac = abs % unit;
        if (frac != 0) {
            int digits = decimals;
            while (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            out.append('.');
            for (int pad = digits - Long.toString(frac).length(); pad > 0; pad--) {
                out.append('0');
            }
            out.append(frac);
        }
        return out;
    }

    /** A JSON string literal, for every JSON format (tick lines, windows). */
    static StringBuilder appendString(final StringBuilder out, final String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16))
                            .append(Character.forDigit(c & 0xF, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    private void wrapHeader(final DirectBuffer buffer, final int offset, final int length, final int templateId) {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            throw new IllegalArgumentException("message of " + length + " bytes is shorter than the SBE header");
        }
        header.wrap(buffer, offset);
        if (header.schemaId() != Schema.ID) {
            throw new IllegalArgumentException(
                "wrong schema id " + header.schemaId() + " (expected " + Schema.ID + ")");
        }
        if (header.templateId() != templateId) {
            throw new IllegalArgumentException("expected template " + templateId + ", got " + header.templateId());
        }
    }

    /** Formats each tick of a journal into a reused builder, through a service filter if one is given. */
    private static final class Lines implements JournalReader.TickHandler {
        private final StringBuilder text = new StringBuilder(FLUSH_CHARS + 4096);
        private final TickFormatter formatter;
        private final TickSummaryFilter filter;
        private long count;

        Lines(final TickFormatter formatter, final TickSummaryFilter filter) {
            this.formatter = formatter;
            this.filter = filter;
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            if (filter == null) {
                formatter.format(buffer, offset, length, text).append('\n');
            } else {
                formatter.format(filter.buffer(), 0, filter.filter(buffer, offset, length), text).append('\n');
            }
            count++;
        }
    }
}
