package io.tickwire.codec;

import io.tickwire.sbe.ConflationPolicy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The subscription a feed URL asks for, {@code /feed?sim=ID|latest&from=N&services=a,b&policy=conflate|disconnect}:
 * the one parser of these parameters, for the server (which subscribes the connection at once, as a
 * {@code Subscribe} with requestId 0 would), the Java client (which resumes that subscription after a reconnect)
 * and {@code tickwire tail} (whose options override them). {@code from} is the URL's short name of
 * {@code fromSequence}.
 * <p>
 * Parsing the query never fails; each value is checked when it is read, with an {@link IllegalArgumentException}
 * whose message names the parameter and the value. Absent values read as the defaults of a {@code Subscribe}:
 * simulation 0 (the latest), {@code fromSequence} -1 (the latest tick, then live), every service, CONFLATE.
 * Percent-encoding and {@code +} are decoded; of a repeated parameter the first value counts.
 */
public final class FeedQuery {
    public static final String SIM = "sim";
    public static final String FROM = "from";
    public static final String SERVICES = "services";
    public static final String POLICY = "policy";
    /** The parameters that subscribe a connection; a URL without them subscribes to nothing. */
    public static final List<String> PARAMETERS = List.of(SIM, FROM, SERVICES, POLICY);
    /** {@code sim=latest}: simulation id 0, the latest simulation. */
    public static final String LATEST = "latest";

    private static final FeedQuery NONE = new FeedQuery(Map.of());

    private final Map<String, String> values;

    private FeedQuery(final Map<String, String> values) {
        this.values = values;
    }

    /** The parameters of a raw (still percent-encoded) query string, as {@link java.net.URI#getRawQuery()} gives. */
    public static FeedQuery parse(final String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return NONE;
        }
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            final int eq = pair.indexOf('=');
            final String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            values.putIfAbsent(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return new FeedQuery(values);
    }

    /**
     * {@code rawQuery} without the subscribing parameters, still raw; null when nothing is left. What a client that
     * resubscribes by itself connects with.
     */
    public static String withoutSubscription(final String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        final List<String> kept = new ArrayList<>();
        for (final String pair : rawQuery.split("&")) {
            final int eq = pair.indexOf('=');
            if (!pair.isEmpty() && !PARAMETERS.contains(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
                kept.add(pair);
            }
        }
        return kept.isEmpty() ? null : String.join("&", kept);
    }

    /** {@code conflate} or {@code disconnect}, in any case. */
    public static ConflationPolicy policy(final String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "conflate" -> ConflationPolicy.CONFLATE;
            case "disconnect" -> ConflationPolicy.DISCONNECT;
            default -> throw new IllegalArgumentException("policy must be conflate or disconnect, got '" + text + "'");
        };
    }

    /** True when the URL subscribes the connection ({@code sim} is given). */
    public boolean subscribes() {
        return values.containsKey(SIM);
    }

    /** True when parameter {@code name} is given. */
    public boolean has(final String name) {
        return values.containsKey(name);
    }

    /** {@code sim}: a simulation id, 0 for {@code latest} or when absent. */
    public long simulationId() {
        final String sim = values.get(SIM);
        if (sim == null || LATEST.equals(sim)) {
            return 0;
        }
        try {
            return Long.parseLong(sim);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("sim must be a simulation id or 'latest', got '" + sim + "'", ex);
        }
    }

    /** {@code from}: the {@code fromSequence} to subscribe from, -1 (the latest tick, then live) when absent. */
    public long fromSequence() {
        final String from = values.get(FROM);
        if (from == null) {
            return -1;
        }
        try {
            return Long.parseLong(from);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("from must be a sequence (a tick number, -1 for the latest), got '"
                + from + "'", ex);
        }
    }

    /** {@code services}: comma-separated names, empty (all services) when absent. */
    public String services() {
        return values.getOrDefault(SERVICES, "");
    }

    /** {@code policy}: CONFLATE when absent. */
    public ConflationPolicy policy() {
        final String policy = values.get(POLICY);
        return policy == null ? ConflationPolicy.CONFLATE : policy(policy);
    }

    @Override
    public String toString() {
        return "FeedQuery" + values;
    }

    /** Percent-decoded; a malformed escape is kept as written (and refused as a value, if it is one). */
    private static String decode(final String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (final IllegalArgumentException ex) {
            return raw;
        }
    }
}
