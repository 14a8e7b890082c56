package io.tickwire.journal.format;

import io.tickwire.sbe.TickSummaryDecoder;

/**
 * A tick's fields that older schema versions lack, read the one way every format and the fold read them. A field
 * newer than the message reads as its null value (SBE's acting-version decoding): the time integrals and cost
 * (version 2 on) are then unknown, never 0; timeouts, retries and storage (version 3 on) are 0, as they were when
 * the engine had none; replicas and ready replicas (version 4 on) are unknown: the formats leave them out.
 */
final class TickFields {
    private TickFields() {
    }

    /**
     * True if a tick's {@code busyTimeNs} and {@code queueTimeNs}, as read, are the integrals (schema version 2 on)
     * and not their null values. (Values, not the decoder: a hot reader reads each field once.)
     */
    static boolean integralsKnown(final long busyTimeNs, final long queueTimeNs) {
        return busyTimeNs != TickSummaryDecoder.ServicesDecoder.busyTimeNsNullValue()
            && queueTimeNs != TickSummaryDecoder.ServicesDecoder.queueTimeNsNullValue();
    }

    /** True if a tick's {@code costNanos}, as read, is its cost (schema version 2 on), not the null value. */
    static boolean costKnown(final long costNanos) {
        return costNanos != TickSummaryDecoder.ServicesDecoder.costNanosNullValue();
    }

    /** True if the tick carries timeouts, retries and storage (schema version 3 on). */
    static boolean version3(final TickSummaryDecoder.ServicesDecoder s) {
        return s.timeouts() != TickSummaryDecoder.ServicesDecoder.timeoutsNullValue();
    }

    static long timeouts(final TickSummaryDecoder.ServicesDecoder s) {
        return orZero(s.timeouts(), TickSummaryDecoder.ServicesDecoder.timeoutsNullValue());
    }

    static long retries(final TickSummaryDecoder.ServicesDecoder s) {
        return orZero(s.retries(), TickSummaryDecoder.ServicesDecoder.retriesNullValue());
    }

    static long storageBytes(final TickSummaryDecoder.ServicesDecoder s) {
        return orZero(s.storageBytes(), TickSummaryDecoder.ServicesDecoder.storageBytesNullValue());
    }

    /**
     * True if the tick carries the resilience counts (rateLimited, bulkheadRefused, breakerRefused): schema version 4
     * from the build that added them on. Told by the row's length, since version-4 journals of the builds before them
     * exist (a field past the row's end would read the next bytes).
     */
    static boolean resilience(final TickSummaryDecoder.ServicesDecoder s) {
        return s.actingVersion() >= 4 && s.actingBlockLength()
            >= TickSummaryDecoder.ServicesDecoder.breakerRefusedEncodingOffset() + Long.BYTES;
    }

    /** Requests rate limiters refused at the service; 0 for ticks before the field. */
    static long rateLimited(final TickSummaryDecoder.ServicesDecoder s) {
        return resilience(s) ? s.rateLimited() : 0;
    }

    /** Calls of the service that bulkheads refused; 0 for ticks before the field. */
    static long bulkheadRefused(final TickSummaryDecoder.ServicesDecoder s) {
        return resilience(s) ? s.bulkheadRefused() : 0;
    }

    /** Calls of the service that circuit breakers did not permit; 0 for ticks before the field. */
    static long breakerRefused(final TickSummaryDecoder.ServicesDecoder s) {
        return resilience(s) ? s.breakerRefused() : 0;
    }

    /** An observed row's sum of values (a counter's increase); 0 before schema version 4 (a double's null, NaN). */
    static double valueSum(final TickSummaryDecoder.ServicesDecoder s) {
        final double v = s.valueSum();
        return Double.isNaN(v) ? 0 : v;
    }

    /** An observed row's late samples; 0 before schema version 4. */
    static long late(final TickSummaryDecoder.ServicesDecoder s) {
        return orZero(s.late(), TickSummaryDecoder.ServicesDecoder.lateNullValue());
    }

    /** True if the tick carries its replicas (schema version 4 on). */
    static boolean version4(final TickSummaryDecoder.ServicesDecoder s) {
        return s.replicas() != TickSummaryDecoder.ServicesDecoder.replicasNullValue();
    }

    /** True if the entry point carries its timeouts (schema version 3 on). */
    static boolean version3(final TickSummaryDecoder.EntriesDecoder e) {
        return e.timeouts() != TickSummaryDecoder.EntriesDecoder.timeoutsNullValue();
    }

    static long timeouts(final TickSummaryDecoder.EntriesDecoder e) {
        return orZero(e.timeouts(), TickSummaryDecoder.EntriesDecoder.timeoutsNullValue());
    }

    private static long orZero(final long value, final long nullValue) {
        return value == nullValue ? 0 : value;
    }
}
