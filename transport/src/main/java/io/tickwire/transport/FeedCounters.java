package io.tickwire.transport;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a server's connections that no single connection or run owns: feed and ingest connections the server
 * closed, by reason (the close code), and ingest samples accepted and refused by protocol. Written by the event
 * loops, read by {@code GET /metrics}.
 */
final class FeedCounters {
    /** The ingest protocols, for the per-protocol counters of {@code GET /metrics}. */
    enum IngestProtocol {
        REMOTE_WRITE, LINE_PROTOCOL, JSON, WEBSOCKET_SBE, WEBSOCKET_JSON;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final Map<Integer, LongAdder> disconnects = new ConcurrentHashMap<>();
    private final LongAdder[] ingestAccepted = adders();
    private final LongAdder[] ingestRejected = adders();

    private static LongAdder[] adders() {
        final LongAdder[] a = new LongAdder[IngestProtocol.values().length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Samples taken into an observed run's ring, by protocol. Any event loop. */
    void ingestAccepted(final IngestProtocol protocol, final long samples) {
        ingestAccepted[protocol.ordinal()].add(samples);
    }

    /** Samples refused (a malformed or oversized request counts 1), by protocol. Any event loop. */
    void ingestRejected(final IngestProtocol protocol, final long samples) {
        ingestRejected[protocol.ordinal()].add(samples);
    }

    long ingestAccepted(final IngestProtocol protocol) {
        return ingestAccepted[protocol.ordinal()].sum();
    }

    long ingestRejected(final IngestProtocol protocol) {
        return ingestRejected[protocol.ordinal()].sum();
    }

    void countDisconnect(final WebSocketCloseStatus status) {
        disconnects.computeIfAbsent(status.code(), code -> new LongAdder()).increment();
    }

    /** Disconnects so far by reason ({@code policy_violation}, {@code message_too_big}, ...), ordered by name. */
    Map<String, Long> disconnectsByReason() {
        final Map<String, Long> byReason = new TreeMap<>();
        disconnects.forEach((code, n) -> byReason.merge(reason(code), n.sum(), Long::sum));
        return byReason;
    }

    static String reason(final int code) {
        return switch (code) {
            case 1000 -> "normal";
            case 1001 -> "going_away";
            case 1002 -> "protocol_error";
            case 1003 -> "unsupported_data";
            case 1007 -> "invalid_payload";
            case 1008 -> "policy_violation";
            case 1009 -> "message_too_big";
            case 1011 -> "internal_error";
            default -> "code_" + code;
        };
    }
}
