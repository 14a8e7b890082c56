package io.tickwire.engine.diagram;

/**
 * What one diagram may ask of the engine, checked by {@link DiagramLoader} before anything runs (documented in
 * {@code docs/diagram.md}, "Limits"). Three budgets are configurable — a server or a CLI sets them from its
 * configuration — and the fixed bounds below are the format's own: each count and rate is refused above them, with
 * its field path, so that no field can ask for unbounded memory or work by itself.
 *
 * @param maxBytes           largest diagram, in bytes of UTF-8: checked before it is parsed (a file's size, an HTTP
 *                           body's length).
 * @param maxVisitsPerSecond largest number of service visits per simulated second the diagram may ask for, as the
 *                           traffic equations estimate it from its load at its peak.
 * @param maxPendingEvents   largest number of requests, calls and events the diagram may keep pending at once, as
 *                           Little's law estimates it; also the run's bound at run time (see
 *                           {@code Simulation.Context#maxPendingEvents}).
 */
public record DiagramLimits(long maxBytes, double maxVisitsPerSecond, long maxPendingEvents) {
    public static final long DEFAULT_MAX_BYTES = 1L << 20;
    public static final double DEFAULT_MAX_VISITS_PER_SECOND = 1e8;
    /** About 100 bytes each at most (a request's state, its event, a queue slot): some 200 MiB of heap. */
    public static final long DEFAULT_MAX_PENDING_EVENTS = 1L << 21;
    public static final DiagramLimits DEFAULT =
        new DiagramLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_VISITS_PER_SECOND, DEFAULT_MAX_PENDING_EVENTS);
    /** No bound but the format's own: for what was accepted once already (a journal's edits, re-applied by verify). */
    public static final DiagramLimits UNBOUNDED = new DiagramLimits(Long.MAX_VALUE, Double.MAX_VALUE, Long.MAX_VALUE);

    // The format's own bounds, one per kind of count or rate.
    /** A load's rate, a schedule's step, ramp or spike: one arrival a nanosecond (sources advance by >= 1 ns). */
    public static final double MAX_RATE_PER_SECOND = 1e9;
    /** Closed users of one load: each is an event (and a request) of its own. */
    public static final int MAX_USERS = 1_000_000;
    public static final int MAX_REPLICAS = 1_000_000;
    public static final int MAX_CONCURRENCY = 1_000_000;
    /** A database's connection pool. */
    public static final int MAX_CONNECTIONS = 1_000_000;
    public static final int MAX_LOAD_SOURCES = 4096;
    public static final int MAX_CALLS_PER_SERVICE = 1024;
    public static final int MAX_SCHEDULE_CHANGES = 1000;
    /** Values echoed in messages are cut to this many characters. */
    public static final int ECHO_CHARS = 80;

    public DiagramLimits {
        if (maxBytes < 1 || !(maxVisitsPerSecond > 0) || maxPendingEvents < 1) {
            throw new IllegalArgumentException("diagram limits must be > 0, got maxBytes " + maxBytes
                + ", maxVisitsPerSecond " + maxVisitsPerSecond + ", maxPendingEvents " + maxPendingEvents);
        }
    }

    public DiagramLimits withMaxBytes(final long bytes) {
        return new DiagramLimits(bytes, maxVisitsPerSecond, maxPendingEvents);
    }

    public DiagramLimits withMaxVisitsPerSecond(final double visits) {
        return new DiagramLimits(maxBytes, visits, maxPendingEvents);
    }

    public DiagramLimits withMaxPendingEvents(final long events) {
        return new DiagramLimits(maxBytes, maxVisitsPerSecond, events);
    }

    /**
     * {@code value} as a message may echo it: whole when short, else its first {@value #ECHO_CHARS} characters and
     * its size, {@code abcd…(10485760 bytes)}, so that a huge value never makes a huge message.
     */
    public static String shown(final Object value) {
        final String text = String.valueOf(value);
        if (text.length() <= ECHO_CHARS) {
            return text;
        }
        int end = ECHO_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "…(" + utf8Length(text) + " bytes)";
    }

    /** The length of {@code text} in UTF-8, without encoding it. */
    public static long utf8Length(final CharSequence text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
