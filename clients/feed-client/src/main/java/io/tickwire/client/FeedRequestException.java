package io.tickwire.client;

import io.tickwire.sbe.ErrorCode;

/** A request the server answered with an {@code Error}: its code (the schema's ErrorCode) and text. */
public final class FeedRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long requestId;
    private final int code;

    public FeedRequestException(final long requestId, final int code, final String message) {
        super(message);
        this.requestId = requestId;
        this.code = code;
    }

    public long requestId() {
        return requestId;
    }

    /** The raw ErrorCode value. */
    public int code() {
        return code;
    }

    /** The ErrorCode, or {@link ErrorCode#NULL_VAL} for a value this client does not know. */
    public ErrorCode errorCode() {
        for (final ErrorCode c : ErrorCode.values()) {
            if (c.value() == code && c != ErrorCode.NULL_VAL) {
                return c;
            }
        }
        return ErrorCode.NULL_VAL;
    }
}
