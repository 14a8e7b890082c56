package io.tickwire.journal;

import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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

    private final CatalogInfo names;
    private final MessageHeaderDecoder journalHeader = new MessageHeaderDecoder();
    private final MessageHeaderDecoder simulatedHeader = new MessageHeaderDecoder();
    private final TickSummaryDecoder journalTick = new TickSummaryDecoder();
    private final TickSummaryDecoder simulatedTick = new TickSummaryDecoder();
    private final UnsafeBuffer journalHistogram = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer simulatedHistogram = new UnsafeBuffer(0, 0);

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
        if (jc.simulationId() != sc.simulationId()) {
            return differs("simulationId", jc.simulationId(), sc.simulationId());
        }
        if (jc.tickLengthNs() != sc.tickLengthNs()) {
            return differs("tickLengthNs", jc.tickLengthNs(), sc.tickLengthNs());
        }
        if (jc.seed() != sc.seed()) {
            return differs("seed", jc.seed(), sc.seed());
        }
        // Not schemaVersion: a newer build re-simulates an older journal at its own version (ticks then compare by
        // the fields both versions have).
        final CatalogDecoder.ServicesDecoder js = jc.services();
        final CatalogDecoder.ServicesDecoder ss = sc.services();
        if (js.count() != ss.count()) {
            return differs("services.count", js.count(), ss.count());
        }
        for (int i = 0; js.hasNext(); i++) {
            js.next();
            ss.next();
            if (js.serviceId() != ss.serviceId()) {
                return differs("services[" + i + "].serviceId", js.serviceId(), ss.serviceId());
            }
            final String name = js.name();
            final String simulatedName = ss.name();
            final String at = "services[" + name + "].";
            if (js.servers() != ss.servers()) {
                return differs(at + "servers", js.servers(), ss.servers());
            }
            if (!name.equals(simulatedName)) {
                return differs("services[" + i + "].name", name, simulatedName);
            }
        }
        final CatalogDecoder.SourcesDecoder jl = jc.sources();
        final CatalogDecoder.SourcesDecoder sl = sc.sources();
        if (jl.count() != sl.count()) {
            return differs("sources.count", jl.count(), sl.count());
        }
        for (int i = 0; jl.hasNext(); i++) {
            jl.next();
            sl.next();
            if (jl.sourceId() != sl.sourceId()) {
                return differs("sources[" + i + "].sourceId", jl.sourceId(), sl.sourceId());
            }
            final int jt = jl.targetServiceId();
            final int st = sl.targetServiceId();
            final String name = jl.name();
            final String simulatedName = sl.name();
            if (jt != st) {
                return differs("sources[" + name + "].targetServiceId", jt, st);
            }
            if (!name.equals(simulatedName)) {
                return differs("sources[" + i + "].name", name, simulatedName);
            }
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
        if (j.simulationId() != s.simulationId()) {
            return differs("simulationId", j.simulationId(), s.simulationId());
        }
        if (j.tick() != s.tick()) {
            return differs("tick", j.tick(), s.tick());
        }
        if (j.simTimeNs() != s.simTimeNs()) {
            return differs("simTimeNs", j.simTimeNs(), s.simTimeNs());
        }
        if (j.tickLengthNs() != s.tickLengthNs()) {
            return differs("tickLengthNs", j.tickLengthNs(), s.tickLengthNs());
        }
        final TickSummaryDecoder.ServicesDecoder js = j.services();
        final TickSummaryDecoder.ServicesDecoder ss = s.services();
        if (js.count() != ss.count()) {
            return differs("services.count", js.count(), ss.count());
        }
        for (int i = 0; js.hasNext(); i++) {
            js.next();
            ss.next();
            if (js.serviceId() != ss.serviceId()) {
                return differs("services[" + i + "].serviceId", js.serviceId(), ss.serviceId());
            }
            final String field = compareService(js, ss);
            if (field != null) {
                return "services[" + names.name(js.serviceId()) + "]." + field;
            }
        }
        // Then the entries (every service's histogram has been read past: SBE reads in order).
        final TickSummaryDecoder.EntriesDecoder je = j.entries();
        final TickSummaryDecoder.EntriesDecoder se = s.entries();
        if (je.count() != se.count()) {
            return differs("entries.count", je.count(), se.count());
        }
        for (int i = 0; je.hasNext(); i++) {
            je.next();
            se.next();
            if (je.sourceId() != se.sourceId()) {
                return differs("entries[" + i + "].sourceId", je.sourceId(), se.sourceId());
            }
            final String field = compareEntry(je, se);
            if (field != null) {
                return "entries[" + names.sourceName(je.sourceId()) + "]." + field;
            }
        }
        return null;
    }

    private String compareEntry(final TickSummaryDecoder.EntriesDecoder j, final TickSummaryDecoder.EntriesDecoder s) {
        if (j.completed() != s.completed()) {
            return differs("completed", j.completed(), s.completed());
        }
        if (j.errors() != s.errors()) {
            return differs("errors", j.errors(), s.errors());
        }
        if (j.rejected() != s.rejected()) {
            return differs("rejected", j.rejected(), s.rejected());
        }
        if (j.latencySumNs() != s.latencySumNs()) {
            return differs("latencySumNs", j.latencySumNs(), s.latencySumNs());
        }
        if (j.p50Ns() != s.p50Ns()) {
            return differs("p50Ns", j.p50Ns(), s.p50Ns());
        }
        if (j.p90Ns() != s.p90Ns()) {
            return differs("p90Ns", j.p90Ns(), s.p90Ns());
        }
        if (j.p99Ns() != s.p99Ns()) {
            return differs("p99Ns", j.p99Ns(), s.p99Ns());
        }
        if (j.p999Ns() != s.p999Ns()) {
            return differs("p999Ns", j.p999Ns(), s.p999Ns());
        }
        if (j.maxNs() != s.maxNs()) {
            return differs("maxNs", j.maxNs(), s.maxNs());
        }
        if (j.timeouts() != s.timeouts()) {
            return differs("timeouts", j.timeouts(), s.timeouts());
        }
        j.wrapHistogram(journalHistogram);
        s.wrapHistogram(simulatedHistogram);
        return compareHistograms();
    }

    private String compareService(final TickSummaryDecoder.ServicesDecoder j,
                                  final TickSummaryDecoder.ServicesDecoder s) {
        if (j.servers() != s.servers()) {
            return differs("servers", j.servers(), s.servers());
        }
        if (j.queueDepth() != s.queueDepth()) {
            return differs("queueDepth", j.queueDepth(), s.queueDepth());
        }
        if (j.busyServers() != s.busyServers()) {
            return differs("busyServers", j.busyServers(), s.busyServers());
        }
        if (j.arrivals() != s.arrivals()) {
            return differs("arrivals", j.arrivals(), s.arrivals());
        }
        if (j.completed() != s.completed()) {
            return differs("completed", j.completed(), s.completed());
        }
        if (j.errors() != s.errors()) {
            return differs("errors", j.errors(), s.errors());
        }
        if (j.rejected() != s.rejected()) {
            return differs("rejected", j.rejected(), s.rejected());
        }
        if (j.latencySumNs() != s.latencySumNs()) {
            return differs("latencySumNs", j.latencySumNs(), s.latencySumNs());
        }
        if (j.meanNs() != s.meanNs()) {
            return differs("meanNs", j.meanNs(), s.meanNs());
        }
        if (j.p50Ns() != s.p50Ns()) {
            return differs("p50Ns", j.p50Ns(), s.p50Ns());
        }
        if (j.p90Ns() != s.p90Ns()) {
            return differs("p90Ns", j.p90Ns(), s.p90Ns());
        }
        if (j.p99Ns() != s.p99Ns()) {
            return differs("p99Ns", j.p99Ns(), s.p99Ns());
        }
        if (j.p999Ns() != s.p999Ns()) {
            return differs("p999Ns", j.p999Ns(), s.p999Ns());
        }
        if (j.maxNs() != s.maxNs()) {
            return differs("maxNs", j.maxNs(), s.maxNs());
        }
        if (j.busyTimeNs() != s.busyTimeNs()) {
            return differs("busyTimeNs", j.busyTimeNs(), s.busyTimeNs());
        }
        if (j.queueTimeNs() != s.queueTimeNs()) {
            return differs("queueTimeNs", j.queueTimeNs(), s.queueTimeNs());
        }
        if (j.costNanos() != s.costNanos()) {
            return differs("costNanos", j.costNanos(), s.costNanos());
        }
        if (j.timeouts() != s.timeouts()) {
            return differs("timeouts", j.timeouts(), s.timeouts());
        }
        if (j.retries() != s.retries()) {
            return differs("retries", j.retries(), s.retries());
        }
        if (j.storageBytes() != s.storageBytes()) {
            return differs("storageBytes", j.storageBytes(), s.storageBytes());
        }
        if (journalHeader.version() >= 4 && simulatedHeader.version() >= 4) {
            if (j.replicas() != s.replicas()) {
                return differs("replicas", j.replicas(), s.replicas());
            }
            if (j.readyReplicas() != s.readyReplicas()) {
                return differs("readyReplicas", j.readyReplicas(), s.readyReplicas());
            }
            if (j.replicaTimeNs() != s.replicaTimeNs()) {
                return differs("replicaTimeNs", j.replicaTimeNs(), s.replicaTimeNs());
            }
            if (j.readyTimeNs() != s.readyTimeNs()) {
                return differs("readyTimeNs", j.readyTimeNs(), s.readyTimeNs());
            }
        }
        j.wrapHistogram(journalHistogram);
        s.wrapHistogram(simulatedHistogram);
        return compareHistograms();
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
}
