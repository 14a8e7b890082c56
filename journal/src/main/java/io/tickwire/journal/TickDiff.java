package io.tickwire.journal;

import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Compares a journaled message with a re-simulated one and names the first difference, ignoring the wall-clock
 * stamps, which no two runs share: a {@code TickSummary}'s {@code wallTimeNs}, a {@code Catalog}'s
 * {@code startWallTimeNs} and {@code workers} (the same run gives the same ticks with any number of workers).
 * <p>
 * Ticks are compared byte for byte first (the wall clock masked), which is all an identical tick costs; only when the
 * bytes differ are both decoded, field by field in schema order, to say which field of which service (or entry
 * point) differs: {@code services[checkout].p99Ns journal=23040000 simulated=22990000},
 * {@code entries[shoppers].maxNs journal=... simulated=...}. When every field agrees but the bytes do
 * not, the first differing byte is named instead, by its offset in the message ({@code byte 57 journal=0x1f
 * simulated=0x00}): unless the two messages are of different schema versions, where agreeing fields are what
 * "identical" means (readers accept older versions).
 * <p>
 * <b>Not thread safe</b>: one instance per thread. Allocates only to describe a difference.
 */
public final class TickDiff {
    private static final int WALL_TIME_OFFSET =
        MessageHeaderDecoder.ENCODED_LENGTH + TickSummaryDecoder.wallTimeNsEncodingOffset();
    private static final int WALL_TIME_LENGTH = TickSummaryDecoder.wallTimeNsEncodingLength();

    // The fields compared, in schema order: a figure added to the schema is one line here.
    private static final List<Field<CatalogDecoder>> CATALOG_FIELDS = List.of(
        new Field<>("simulationId", CatalogDecoder::simulationId),
        new Field<>("tickLengthNs", CatalogDecoder::tickLengthNs),
        new Field<>("seed", CatalogDecoder::seed));
    private static final RowDiff<CatalogDecoder.ServicesDecoder> CATALOG_SERVICE_ROW = catalogRow("services",
        new Field<>("servers", CatalogDecoder.ServicesDecoder::servers), CatalogDecoder.ServicesDecoder::name);
    private static final RowDiff<CatalogDecoder.SourcesDecoder> CATALOG_SOURCE_ROW = catalogRow("sources",
        new Field<>("targetServiceId", CatalogDecoder.SourcesDecoder::targetServiceId),
        CatalogDecoder.SourcesDecoder::name);
    private static final List<Field<TickSummaryDecoder>> TICK_FIELDS = List.of(
        new Field<>("simulationId", TickSummaryDecoder::simulationId),
        new Field<>("tick", TickSummaryDecoder::tick),
        new Field<>("simTimeNs", TickSummaryDecoder::simTimeNs),
        new Field<>("tickLengthNs", TickSummaryDecoder::tickLengthNs));
    private static final List<Field<TickSummaryDecoder.ServicesDecoder>> SERVICE_FIELDS = List.of(
        new Field<>("servers", TickSummaryDecoder.ServicesDecoder::servers),
        new Field<>("queueDepth", TickSummaryDecoder.ServicesDecoder::queueDepth),
        new Field<>("busyServers", TickSummaryDecoder.ServicesDecoder::busyServers),
        new Field<>("arrivals", TickSummaryDecoder.ServicesDecoder::arrivals),
        new Field<>("completed", TickSummaryDecoder.ServicesDecoder::completed),
        new Field<>("errors", TickSummaryDecoder.ServicesDecoder::errors),
        new Field<>("rejected", TickSummaryDecoder.ServicesDecoder::rejected),
        new Field<>("latencySumNs", TickSummaryDecoder.ServicesDecoder::latencySumNs),
        new Field<>("meanNs", TickSummaryDecoder.ServicesDecoder::meanNs),
        new Field<>("p50Ns", TickSummaryDecoder.ServicesDecoder::p50Ns),
        new Field<>("p90Ns", TickSummaryDecoder.ServicesDecoder::p90Ns),
        new Field<>("p99Ns", TickSummaryDecoder.ServicesDecoder::p99Ns),
        new Field<>("p999Ns", TickSummaryDecoder.ServicesDecoder::p999Ns),
        new Field<>("maxNs", TickSummaryDecoder.ServicesDecoder::maxNs),
        new Field<>("busyTimeNs", TickSummaryDecoder.ServicesDecoder::busyTimeNs),
        new Field<>("queueTimeNs", TickSummaryDecoder.ServicesDecoder::queueTimeNs),
        new Field<>("costNanos", TickSummaryDecoder.ServicesDecoder::costNanos),
        new Field<>("timeouts", TickSummaryDecoder.ServicesDecoder::timeouts),
        new Field<>("retries", TickSummaryDecoder.ServicesDecoder::retries),
        new Field<>("storageBytes", TickSummaryDecoder.ServicesDecoder::storageBytes));
    /** Schema version 4 on. */
    private static final List<Field<TickSummaryDecoder.ServicesDecoder>> REPLICA_FIELDS = List.of(
        new Field<>("replicas", TickSummaryDecoder.ServicesDecoder::replicas),
        new Field<>("readyReplicas", TickSummaryDecoder.ServicesDecoder::readyReplicas),
        new Field<>("replicaTimeNs", TickSummaryDecoder.ServicesDecoder::replicaTimeNs),
        new Field<>("readyTimeNs", TickSummaryDecoder.ServicesDecoder::readyTimeNs));
    /** In a service's block once it carries the resilience counts. */
    private static final List<Field<TickSummaryDecoder.ServicesDecoder>> RESILIENCE_FIELDS = List.of(
        new Field<>("rateLimited", TickSummaryDecoder.ServicesDecoder::rateLimited),
        new Field<>("bulkheadRefused", TickSummaryDecoder.ServicesDecoder::bulkheadRefused),
        new Field<>("breakerRefused", TickSummaryDecoder.ServicesDecoder::breakerRefused));
    private static final List<Field<TickSummaryDecoder.EntriesDecoder>> ENTRY_FIELDS = List.of(
        new Field<>("completed", TickSummaryDecoder.EntriesDecoder::completed),
        new Field<>("errors", TickSummaryDecoder.EntriesDecoder::errors),
        new Field<>("rejected", TickSummaryDecoder.EntriesDecoder::rejected),
        new Field<>("latencySumNs", TickSummaryDecoder.EntriesDecoder::latencySumNs),
        new Field<>("p50Ns", TickSummaryDecoder.EntriesDecoder::p50Ns),
        new Field<>("p90Ns", TickSummaryDecoder.EntriesDecoder::p90Ns),
        new Field<>("p99Ns", TickSummaryDecoder.EntriesDecoder::p99Ns),
        new Field<>("p999Ns", TickSummaryDecoder.EntriesDecoder::p999Ns),
        new Field<>("maxNs", TickSummaryDecoder.EntriesDecoder::maxNs),
        new Field<>("timeouts", TickSummaryDecoder.EntriesDecoder::timeouts));

    private final CatalogInfo names;
    private final MessageHeaderDecoder journalHeader = new MessageHeaderDecoder();
    private final MessageHeaderDecoder simulatedHeader = new MessageHeaderDecoder();
    private final TickSummaryDecoder journalTick = new TickSummaryDecoder();
    private final TickSummaryDecoder simulatedTick = new TickSummaryDecoder();
    private final UnsafeBuffer journalHistogram = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer simulatedHistogram = new UnsafeBuffer(0, 0);
    private final RowDiff<TickSummaryDecoder.ServicesDecoder> serviceRow = this::compareService;
    private final RowDiff<TickSummaryDecoder.EntriesDecoder> entryRow = this::compareEntry;

    /** @param names the journal's catalog, to name services in the differences. */
    public TickDiff(final CatalogInfo names) {
        this.names = names;
    }

    /**
     * Compare two {@code TickSummary} messages, headers included.
     *
     * @return null if they are the same but for {@code wallTimeNs}; else the first difference,
     *         {@code <field> journal=<a> simulated=<b>}.
     */
    public String compareTicks(final DirectBuffer journal, final int journalOffset, final int journalLength,
                               final DirectBuffer simulated, final int simulatedOffset, final int simulatedLength) {
        if (journalLength == simulatedLength
            && firstDifference(journal, journalOffset, simulated, simulatedOffset, 0, WALL_TIME_OFFSET) < 0
            && firstDifference(journal, journalOffset, simulated, simulatedOffset, WALL_TIME_OFFSET + WALL_TIME_LENGTH,
            journalLength) < 0) {
            return null;
        }
        final String header = compareHeaders(journal, journalOffset, simulated, simulatedOffset);
        if (header != null) {
            return header;
        }
        journalTick.wrap(journal, journalOffset + MessageHeaderDecoder.ENCODED_LENGTH, journalHeader.blockLength(),
            journalHeader.version());
        simulatedTick.wrap(simulated, simulatedOffset + MessageHeaderDecoder.ENCODED_LENGTH,
            simulatedHeader.blockLength(), simulatedHeader.version());
        final String field = compareTickFields();
        if (field != null) {
            return field;
        }
        if (journalHeader.version() != simulatedHeader.version()
            || journalHeader.blockLength() != simulatedHeader.blockLength()) {
            return null;
        }
        return describeByte(journal, journalOffset, journalLength, simulated, simulatedOffset, simulatedLength);
    }

    /**
     * Compare two {@code Catalog} messages, headers included, ignoring {@code startWallTimeNs}, {@code workers} and
     * {@code schemaVersion}.
     *
     * @return null if they agree; else the first difference, {@code <field> journal=<a> simulated=<b>}.
     */
    public static String compareCatalogs(final byte[] journal, final byte[] simulated) {
        final UnsafeBuffer j = new UnsafeBuffer(journal);
        final UnsafeBuffer s = new UnsafeBuffer(simulated);
        final MessageHeaderDecoder jh = new MessageHeaderDecoder();
        final MessageHeaderDecoder sh = new MessageHeaderDecoder();
        final int headerLength = MessageHeaderDecoder.ENCODED_LENGTH;
        if (journal.length < headerLength || simulated.length < headerLength) {
            return differs("length", journal.length, simulated.length);
        }
        jh.wrap(j, 0);
        sh.wrap(s, 0);
        if (jh.templateId() != CatalogDecoder.TEMPLATE_ID || sh.templateId() != CatalogDecoder.TEMPLATE_ID) {
            return differs("templateId", jh.templateId(), sh.templateId());
        }
        final CatalogDecoder jc = new CatalogDecoder()
            .wrap(j, MessageHeaderDecoder.ENCODED_LENGTH, jh.blockLength(), jh.version());
        final CatalogDecoder sc = new CatalogDecoder()
            .wrap(s, MessageHeaderDecoder.ENCODED_LENGTH, sh.blockLength(), sh.version());
        // Not schemaVersion: a newer build re-simulates an older journal at its own version (ticks then compare by
        // the fields both versions have).
        String d = compareFields(CATALOG_FIELDS, jc, sc);
        if (d == null) {
            final CatalogDecoder.ServicesDecoder js = jc.services();
            final CatalogDecoder.ServicesDecoder ss = sc.services();
            d = compareRows("services", "serviceId", js, ss, js.count(), ss.count(),
                CatalogDecoder.ServicesDecoder::serviceId, CATALOG_SERVICE_ROW);
        }
        if (d == null) {
            final CatalogDecoder.SourcesDecoder jl = jc.sources();
            final CatalogDecoder.SourcesDecoder sl = sc.sources();
            d = compareRows("sources", "sourceId", jl, sl, jl.count(), sl.count(),
                CatalogDecoder.SourcesDecoder::sourceId, CATALOG_SOURCE_ROW);
        }
        if (d != null) {
            return d;
        }
        final String jn = jc.simulationName();
        final String sn = sc.simulationName();
        return jn.equals(sn) ? null : differs("simulationName", jn, sn);
    }

    private String compareHeaders(final DirectBuffer journal, final int journalOffset, final DirectBuffer simulated,
                                  final int simulatedOffset) {
        journalHeader.wrap(journal, journalOffset);
        simulatedHeader.wrap(simulated, simulatedOffset);
        if (journalHeader.schemaId() != simulatedHeader.schemaId()) {
            return differs("schemaId", journalHeader.schemaId(), simulatedHeader.schemaId());
        }
        if (journalHeader.templateId() != simulatedHeader.templateId()
            || journalHeader.templateId() != TickSummaryDecoder.TEMPLATE_ID) {
            return differs("templateId", journalHeader.templateId(), simulatedHeader.templateId());
        }
        return journalHeader.schemaId() == Schema.ID ? null : differs("schemaId", journalHeader.schemaId(), Schema.ID);
    }

    /** The decoders' fields in schema order; wallTimeNs excluded. */
    private String compareTickFields() {
        final TickSummaryDecoder j = journalTick;
        final TickSummaryDecoder s = simulatedTick;
        final String field = compareFields(TICK_FIELDS, j, s);
        if (field != null) {
            return field;
        }
        final TickSummaryDecoder.ServicesDecoder js = j.services();
        final TickSummaryDecoder.ServicesDecoder ss = s.services();
        final String service = compareRows("services", "serviceId", js, ss, js.count(), ss.count(),
            TickSummaryDecoder.ServicesDecoder::serviceId, serviceRow);
        if (service != null) {
            return service;
        }
        // Then the entries (every service's histogram has been read past: SBE reads in order).
        final TickSummaryDecoder.EntriesDecoder je = j.entries();
        final TickSummaryDecoder.EntriesDecoder se = s.entries();
        return compareRows("entries", "sourceId", je, se, je.count(), se.count(),
            TickSummaryDecoder.EntriesDecoder::sourceId, entryRow);
    }

    private String compareEntry(final TickSummaryDecoder.EntriesDecoder j, final TickSummaryDecoder.EntriesDecoder s,
                                final int index) {
        final String field = compareFields(ENTRY_FIELDS, j, s);
        if (field != null) {
            return "entries[" + names.sourceName(j.sourceId()) + "]." + field;
        }
        j.wrapHistogram(journalHistogram);
        s.wrapHistogram(simulatedHistogram);
        final String histogram = compareHistograms();
        return histogram == null ? null : "entries[" + names.sourceName(j.sourceId()) + "]." + histogram;
    }

    private String compareService(final TickSummaryDecoder.ServicesDecoder j,
                                  final TickSummaryDecoder.ServicesDecoder s, final int index) {
        String field = compareFields(SERVICE_FIELDS, j, s);
        if (field == null && journalHeader.version() >= 4 && simulatedHeader.version() >= 4) {
            field = compareFields(REPLICA_FIELDS, j, s);
            if (field == null && j.actingBlockLength() == s.actingBlockLength()) { // both with resilience, or neither
                field = compareFields(RESILIENCE_FIELDS, j, s);
            }
        }
        if (field == null) {
            j.wrapHistogram(journalHistogram);
            s.wrapHistogram(simulatedHistogram);
            field = compareHistograms();
        }
        return field == null ? null : "services[" + names.name(j.serviceId()) + "]." + field;
    }

    /** The first of {@code fields} on which the two differ, as {@code <field> journal=<a> simulated=<b>}; or null. */
    private static <D> String compareFields(final List<Field<D>> fields, final D journal, final D simulated) {
        for (int i = 0; i < fields.size(); i++) {
            final Field<D> f = fields.get(i);
            final long a = f.value.applyAsLong(journal);
            final long b = f.value.applyAsLong(simulated);
            if (a != b) {
                return differs(f.name, a, b);
            }
        }
        return null;
    }

    /** A repeating group, row by row: the count, then each row's id, then the rest of the row ({@code row}). */
    private static <G extends Iterator<G>> String compareRows(final String group, final String idName,
                                                             final G journal, final G simulated,
                                                             final int journalCount, final int simulatedCount,
                                                             final ToLongFunction<G> id, final RowDiff<G> row) {
        if (journalCount != simulatedCount) {
            return differs(group + ".count", journalCount, simulatedCount);
        }
        for (int i = 0; journal.hasNext(); i++) {
            journal.next();
            simulated.next();
            final long a = id.applyAsLong(journal);
            final long b = id.applyAsLong(simulated);
            if (a != b) {
                return differs(group + "[" + i + "]." + idName, a, b);
            }
            final String d = row.compare(journal, simulated, i);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /** A catalog row: one figure named by the journal's name of the row, then the name itself, by index. */
    private static <G> RowDiff<G> catalogRow(final String group, final Field<G> figure,
                                             final Function<G, String> name) {
        return (j, s, i) -> {
            final String journalName = name.apply(j);
            final String simulatedName = name.apply(s);
            final long a = figure.value.applyAsLong(j);
            final long b = figure.value.applyAsLong(s);
            if (a != b) {
                return differs(group + "[" + journalName + "]." + figure.name, a, b);
            }
            return journalName.equals(simulatedName) ? null
                : differs(group + "[" + i + "].name", journalName, simulatedName);
        };
    }

    /** The histograms wrapped by {@link #journalHistogram} and {@link #simulatedHistogram}, byte for byte. */
    private String compareHistograms() {
        final int jl = journalHistogram.capacity();
        final int sl = simulatedHistogram.capacity();
        if (jl != sl) {
            return "histogram journal=<" + jl + " bytes> simulated=<" + sl + " bytes>";
        }
        final int at = firstDifference(journalHistogram, 0, simulatedHistogram, 0, 0, jl);
        return at < 0 ? null : differs("histogram[" + at + "]", hex(journalHistogram.getByte(at)),
            hex(simulatedHistogram.getByte(at)));
    }

    private static String describeByte(final DirectBuffer journal, final int journalOffset, final int journalLength,
                                       final DirectBuffer simulated, final int simulatedOffset,
                                       final int simulatedLength) {
        final int common = Math.min(journalLength, simulatedLength);
        int at = firstDifference(journal, journalOffset, simulated, simulatedOffset, 0, Math.min(common,
            WALL_TIME_OFFSET));
        if (at < 0 && common > WALL_TIME_OFFSET + WALL_TIME_LENGTH) {
            at = firstDifference(journal, journalOffset, simulated, simulatedOffset,
                WALL_TIME_OFFSET + WALL_TIME_LENGTH, common);
        }
        if (at < 0) {
            return differs("length", journalLength, simulatedLength);
        }
        return differs("byte " + at, hex(journal.getByte(journalOffset + at)),
            hex(simulated.getByte(simulatedOffset + at)));
    }

    /** The first offset in [from, to) (relative to each message) where the two differ, or -1. */
    static int firstDifference(final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset,
                               final int from, final int to) {
        int i = from;
        // Eight bytes at a time: a 100-service tick is some kilobytes, compared once per tick.
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i)) {
                break;
            }
        }
        for (; i < to; i++) {
            if (a.getByte(aOffset + i) != b.getByte(bOffset + i)) {
                return i;
            }
        }
        return -1;
    }

    private static String hex(final byte b) {
        return String.format("0x%02x", b & 0xff);
    }

    private static String differs(final String field, final Object journal, final Object simulated) {
        return field + " journal=" + journal + " simulated=" + simulated;
    }

    /** A figure of a decoder {@code D}, by name. */
    private record Field<D>(String name, ToLongFunction<D> value) {
    }

    /** The rest of a group's row once its ids agree: the first difference, with its path; or null. */
    @FunctionalInterface
    private interface RowDiff<G> {
        String compare(G journal, G simulated, int index);
    }
}
