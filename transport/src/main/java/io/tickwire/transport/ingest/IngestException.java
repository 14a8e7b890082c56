package io.tickwire.transport.ingest;

/**
 * A body that cannot be taken: malformed, with the line (line protocol) or field (JSON) or offset (remote-write) at
 * fault in the message. Nothing of the request is taken then.
 */
public final class IngestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean tooLarge;

    public IngestException(final String message) {
        this(message, false);
    }

    /** @param tooLarge the body decodes to more than the server takes (413 rather than 400). */
    public IngestException(final String message, final boolean tooLarge) {
        super(message, null, false, false);
        this.tooLarge = tooLarge;
    }

    public boolean tooLarge() {
        return tooLarge;
    }
}
