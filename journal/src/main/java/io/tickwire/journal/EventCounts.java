package io.tickwire.journal;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.TreeMap;

/**
 * How many events a journal holds in a window of ticks, by type ({@code scale}, {@code fault}, {@code edit},
 * {@code replica}) and kind within the type, and per service: what {@code tickwire report} adds to its figures.
 */
public final class EventCounts {
    private final Map<String, Map<String, Long>> byType = new TreeMap<>();
    private final Map<String, Long> byService = new TreeMap<>();
    private long total;

    private EventCounts() {
    }

    /**
     * Count the events of ticks {@code fromTick} on, reading {@code reader} from that tick (it is left at the end).
     *
     * @param names the journal's catalog, to name services.
     */
    public static EventCounts count(final JournalReader reader, final long fromTick, final CatalogInfo names) {
        final EventCounts counts = new EventCounts();
        if (!reader.seek(Math.max(fromTick, Math.max(0, reader.firstTick())))) {
            return counts;
        }
        reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
            final JournalEvent e = JournalEvent.decode(buffer, offset, names);
            if (e != null && tick >= fromTick) {
                counts.add(e, names);
            }
        });
        return counts;
    }

    private void add(final JournalEvent e, final CatalogInfo names) {
        total++;
        byType.computeIfAbsent(e.type(), t -> new TreeMap<>()).merge(e.kind(), 1L, Long::sum);
        if (e.serviceId() >= 0 && e.serviceId() < names.serviceCount()) {
            byService.merge(names.name(e.serviceId()), 1L, Long::sum);
        }
    }

    public long total() {
        return total;
    }

    /** Events of {@code type} ({@code scale}, {@code fault}, {@code edit}, {@code replica}). */
    public long of(final String type) {
        final Map<String, Long> kinds = byType.get(type);
        return kinds == null ? 0 : kinds.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Events of {@code type} of {@code kind} (e.g. {@code replica}, {@code crashed}). */
    public long of(final String type, final String kind) {
        final Map<String, Long> kinds = byType.get(type);
        return kinds == null ? 0 : kinds.getOrDefault(kind, 0L);
    }

    /** A table: one line per type, its count and its kinds; nothing when there is no event. */
    public void appendText(final StringBuilder sb) {
        if (total == 0) {
            return;
        }
        sb.append('\n').append("events  ").append(total).append('\n');
        int width = 0;
        for (final String type : byType.keySet()) {
            width = Math.max(width, type.length());
        }
        for (final Map.Entry<String, Map<String, Long>> t : byType.entrySet()) {
            final StringBuilder kinds = new StringBuilder();
            for (final Map.Entry<String, Long> k : t.getValue().entrySet()) {
                kinds.append(kinds.length() == 0 ? "" : ", ").append(k.getKey()).append(' ').append(k.getValue());
            }
            sb.append("  ").append(t.getKey()).append(" ".repeat(width - t.getKey().length()))
                .append(String.format("%8d", of(t.getKey()))).append("  ").append(kinds).append('\n');
        }
        if (!byService.isEmpty()) {
            sb.append("  by service: ");
            boolean first = true;
            for (final Map.Entry<String, Long> s : byService.entrySet()) {
                sb.append(first ? "" : ", ").append(s.getKey()).append(' ').append(s.getValue());
                first = false;
            }
            sb.append('\n');
        }
    }

    /** {@code "events": {"total": n, "<type>": {"total": n, "<kind>": n, ...}, ..., "byService": {...}}}. */
    public void putJson(final ObjectNode root) {
        final ObjectNode events = root.putObject("events");
        events.put("total", total);
        for (final Map.Entry<String, Map<String, Long>> t : byType.entrySet()) {
            final ObjectNode type = events.putObject(t.getKey());
            type.put("total", of(t.getKey()));
            t.getValue().forEach(type::put);
        }
        final ObjectNode services = events.putObject("byService");
        byService.forEach(services::put);
    }
}
