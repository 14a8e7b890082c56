package io.tickwire.codec;

import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;

/**
 * Identity of the wire and journal contract ({@code tickwire-schema.xml}), for checks at the edges.
 */
public final class Schema {
    public static final int ID = TickSummaryDecoder.SCHEMA_ID;
    public static final int VERSION = TickSummaryDecoder.SCHEMA_VERSION;
    public static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;

    private Schema() {
    }
}
