package io.tickwire.transport.alerting;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two JSON bodies the notifier posts, as their receivers define them:
 * <ul>
 *   <li>Alertmanager API v2 {@code POST /api/v2/alerts}: an array of
 *       {@code {labels, annotations, startsAt, endsAt, generatorURL}} (what Prometheus' notifier sends);</li>
 *   <li>a webhook: Alertmanager's own webhook notification, version 4 ({@code version, groupKey, truncatedAlerts,
 *       status, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts[]}), one alert each, so
 *       that receivers written for Alertmanager understand it. A firing alert's {@code endsAt} is the zero time
 *       {@code 0001-01-01T00:00:00Z}, as Alertmanager writes it.</li>
 * </ul>
 * Times are RFC 3339 in UTC with nanoseconds. Sender thread only (the generator factory is thread-safe anyway).
 */
final class AlertPayloads {
    static final String ALERTNAME = "alertname";
    static final String RECEIVER = "tickwire";
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    private static final JsonFactory JSON = new JsonFactory();

    private AlertPayloads() {
    }

    /** The body of {@code POST /api/v2/alerts} for {@code alerts}. */
    static byte[] alertmanager(final List<AlertSnapshot> alerts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256 * alerts.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (final AlertSnapshot a : alerts) {
                g.writeStartObject();
                map(g, "labels", a.labels());
                map(g, "annotations", a.annotations());
                g.writeStringField("startsAt", time(a.startsAtNs()));
                g.writeStringField("endsAt", time(a.endsAtNs()));
                if (a.generatorUrl() != null) {
                    g.writeStringField("generatorURL", a.generatorUrl());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** A webhook notification of one alert, grouped by its alertname as an Alertmanager route would. */
    static byte[] webhook(final AlertSnapshot a, final String externalUrl) {
        final String status = a.resolved() ? "resolved" : "firing";
        final Map<String, String> group = new LinkedHashMap<>();
        group.put(ALERTNAME, a.alertName());
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("version", "4");
            g.writeStringField("groupKey", "{}:{alertname=\"" + a.alertName().replace("\"", "\\\"") + "\"}");
            g.writeNumberField("truncatedAlerts", 0);
            g.writeStringField("status", status);
            g.writeStringField("receiver", RECEIVER);
            map(g, "groupLabels", group);
            map(g, "commonLabels", a.labels());
            map(g, "commonAnnotations", a.annotations());
            g.writeStringField("externalURL", externalUrl == null ? "" : externalUrl);
            g.writeArrayFieldStart("alerts");
            g.writeStartObject();
            g.writeStringField("status", status);
            map(g, "labels", a.labels());
            map(g, "annotations", a.annotations());
            g.writeStringField("startsAt", time(a.startsAtNs()));
            g.writeStringField("endsAt", a.resolved() ? time(a.endsAtNs()) : ZERO_TIME);
            g.writeStringField("generatorURL", a.generatorUrl() == null ? "" : a.generatorUrl());
            g.writeStringField("fingerprint", fingerprint(a.labels()));
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** Epoch ns as RFC 3339, UTC. */
    static String time(final long epochNs) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNs, 1_000_000_000L), Math.floorMod(epochNs, 1_000_000_000L))
            .toString();
    }

    /** 16 hex digits of a 64-bit FNV-1a hash of the sorted labels: stable per alert, as Alertmanager's is. */
    static String fingerprint(final Map<String, String> labels) {
        long h = 0xcbf29ce484222325L;
        for (final Map.Entry<String, String> e : labels.entrySet()) {
            for (final String s : new String[] {e.getKey(), e.getValue()}) {
                for (int i = 0; i < s.length(); i++) {
                    h = (h ^ s.charAt(i)) * 0x100000001b3L;
                }
                h = (h ^ 0xff) * 0x100000001b3L;
            }
        }
        return String.format("%016x", h);
    }

    private static void map(final JsonGenerator g, final String field, final Map<String, String> map)
        throws IOException {
        g.writeObjectFieldStart(field);
        for (final Map.Entry<String, String> e : map.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }
}
