package io.tickwire.transport;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a server's feed connections that no single connection or run owns: feed connections the server
 * closed, by reason (the close code). Written by the event loops when they close a connection (rare), read by
 * {@code GET /metrics}.
 */
final class FeedCounters {
    private final Map<Integer, LongAdder> disconnects = new ConcurrentHashMap<>();

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
