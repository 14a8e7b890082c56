package io.tickwire.transport.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.tickwire.engine.observe.SeriesRegistry;
import io.tickwire.sbe.MetricKind;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code POST /metrics} and the WebSocket's JSON text frames: one object, or an array of objects,
 * <pre>
 *   {"source": "web-1", "metric": "http_latency_seconds", "value": 0.012,
 *    "timestamp": 1733222400123 | "2026-12-03T10:00:00.123Z",   optional: epoch milliseconds or RFC 3339
 *    "labels": {"route": "/checkout"},                          optional
 *    "kind": "gauge|counter|latency", "unit": "s|ms|us|ns|..."} optional: else the naming rules
 * </pre>
 * A problem names the element and field: {@code [3].value: must be a number}. Streams with Jackson's parser; the
 * series' keys are cached per decoder (one per connection).
 */
public final class JsonSamplesDecoder {
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_TEXT = 256;

    private final Map<String, int[]> inputs = new HashMap<>();
    private SeriesRegistry registry;

    /** Decode {@code body} into {@code batch}. @throws IngestException naming the element and field at fault. */
    public void decode(final ByteBuf body, final IngestBatch batch) throws IngestException {
        if (registry != batch.registry()) {
            registry = batch.registry();
            inputs.clear();
        }
        try (JsonParser p = JSON.createParser((java.io.InputStream)new ByteBufInputStream(body.duplicate()))) {
            final JsonToken first = p.nextToken();
            if (first == JsonToken.START_ARRAY) {
                int index = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    sample(p, "[" + index++ + "]", batch);
                }
            } else if (first == JsonToken.START_OBJECT) {
                sample(p, "", batch);
            } else {
                throw new IngestException("the body must be a JSON object or an array of objects");
            }
            if (p.nextToken() != null) {
                throw new IngestException("unexpected content after the JSON value");
            }
        } catch (final IOException ex) {
            throw new IngestException("not valid JSON: " + ex.getMessage().replaceAll("\\s+", " "));
        }
    }

    /** Parse a text frame's JSON (a String), as {@link #decode(ByteBuf, IngestBatch)}. */
    public void decode(final String text, final IngestBatch batch) throws IngestException {
        decode(io.netty.buffer.Unpooled.wrappedBuffer(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), batch);
    }

    private void sample(final JsonParser p, final String at, final IngestBatch batch)
        throws IOException, IngestException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new IngestException(where(at, "") + "must be an object");
        }
        String source = null;
        String metric = null;
        String kind = null;
        String unit = null;
        double value = Double.NaN;
        boolean hasValue = false;
        long timestampNs = 0;
        TreeMap<String, String> labels = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            final JsonToken t = p.nextToken();
            switch (field) {
                case "source" -> source = text(p, t, at, field);
                case "metric" -> metric = text(p, t, at, field);
                case "kind" -> kind = text(p, t, at, field).toLowerCase(Locale.ROOT);
                case "unit" -> unit = text(p, t, at, field);
                case "value" -> {
                    if (!t.isNumeric()) {
                        throw new IngestException(where(at, field) + "must be a number");
                    }
                    value = p.getDoubleValue();
                    hasValue = true;
                }
                case "timestamp" -> timestampNs = timestamp(p, t, at);
                case "labels" -> labels = labels(p, t, at);
                default -> throw new IngestException(where(at, field) + "unknown field (source, metric, value, "
                    + "timestamp, labels, kind, unit)");
            }
        }
        if (source == null || metric == null || !hasValue) {
            throw new IngestException(where(at, source == null ? "source" : metric == null ? "metric" : "value")
                + "is required");
        }
        if (!Double.isFinite(value)) {
            throw new IngestException(where(at, "value") + "must be finite");
        }
        final MetricKind declared = kind == null ? null : switch (kind) {
            case "gauge" -> MetricKind.GAUGE;
            case "counter" -> MetricKind.COUNTER;
            case "latency" -> MetricKind.LATENCY;
            default -> throw new IngestException(where(at, "kind") + "must be gauge, counter or latency (got '"
                + kind + "')");
        };
        final String key = source + '\u0000' + metric + '\u0000' + (labels == null ? "" : labels.toString())
            + '\u0000' + kind + '\u0000' + unit;
        int[] known = inputs.get(key);
        if (known == null) {
            final int input = registry.input(source, metric, labels == null ? new TreeMap<>() : labels, declared,
                unit, SeriesRegistry.Protocol.EVENTS);
            known = new int[] {input, batch.sourceIndex(source)};
            inputs.put(key, known);
        }
        if (known[0] < 0) {
            batch.refuse(known[0], known[1]);
            return;
        }
        batch.add(known[0], known[1], timestampNs != 0 ? timestampNs : batch.nowNs(), value);
    }

    private static String text(final JsonParser p, final JsonToken t, final String at, final String field)
        throws IOException, IngestException {
        if (t != JsonToken.VALUE_STRING || p.getText().isEmpty() || p.getText().length() > MAX_TEXT) {
            throw new IngestException(where(at, field) + "must be text of 1 to " + MAX_TEXT + " characters");
        }
        return p.getText();
    }

    private static long timestamp(final JsonParser p, final JsonToken t, final String at)
        throws IOException, IngestException {
        if (t.isNumeric()) {
            return Math.round(p.getDoubleValue() * 1e6); // epoch milliseconds
        }
        if (t == JsonToken.VALUE_STRING) {
            try {
                final Instant i = Instant.parse(p.getText());
                return i.getEpochSecond() * 1_000_000_000L + i.getNano();
            } catch (final DateTimeParseException ex) {
                throw new IngestException(where(at, "timestamp") + "must be epoch milliseconds or RFC 3339 (got '"
                    + p.getText() + "')");
            }
        }
        throw new IngestException(where(at, "timestamp") + "must be epoch milliseconds or RFC 3339");
    }

    private static TreeMap<String, String> labels(final JsonParser p, final JsonToken t, final String at)
        throws IOException, IngestException {
        if (t != JsonToken.START_OBJECT) {
            throw new IngestException(where(at, "labels") + "must be an object of text values");
        }
        final TreeMap<String, String> labels = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken v = p.nextToken();
            labels.put(name, text(p, v, at, "labels." + name));
        }
        return labels;
    }

    private static String where(final String at, final String field) {
        if (at.isEmpty()) {
            return field.isEmpty() ? "" : field + ": ";
        }
        return at + (field.isEmpty() ? "" : "." + field) + ": ";
    }
}
