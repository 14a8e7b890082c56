package io.tickwire.journal.format;

import io.tickwire.sbe.TickSummaryDecoder;

/**
 * A tick's fields that older schema versions lack, read the one way every format and the fold read them. A field
 * newer than the message reads as its null value (SBE's acting-version decoding): the time integrals and cost
 * (version 2 on) are then unknown, never 0; timeouts, retries and storage (version 3 on) are 0, as they were when
 * the engine had none.
 */
final class TickFields {
    private TickFields() {
    }

    /** True if the tick carries the busy and queue time integrals (schema version 2 on). */
    static boolean integralsKnown(final TickSummaryDecoder.ServicesDecoder s) {
        return s.busyTimeNs() != TickSummaryDecoder.ServicesDecoder.busyTimeNsNullValue()
            && s.queueTimeNs() != TickSummaryDecoder.ServicesDecoder.queueTimeNsNullValue();
    }

    /** True if the tick carries its cost (schema version 2 on). */
    static boolean costKnown(final TickSummaryDecoder.ServicesDecoder s) {
        return s.costNanos() != TickSummaryDecoder.ServicesDecoder.costNanosNullValue();
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
