package io.tickwire.engine.diagram;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the diagram's durations ({@code 250us}, {@code 5ms}, {@code 2s}) and rates ({@code 800/s}).
 */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("^\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)\\s*([a-zµ]+)\\s*$");
    private static final Pattern RATE = Pattern.compile("^\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)\\s*(?:/\\s*([a-z]+))?\\s*$");

    private Units() {
    }

    /**
     * @return nanoseconds, rounded to the nearest.
     * @throws IllegalArgumentException with a reason fit for a user.
     */
    public static long parseDurationNs(final String text) {
        final Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (say 250us, 5ms, 2s): " + quoted(text));
        }
        final double value = Double.parseDouble(m.group(1));
        if (Double.isInfinite(value)) {
            throw new IllegalArgumentException("duration too large: " + quoted(text));
        }
        final double unitNs = switch (m.group(2)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m", "min" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException(
                "unknown duration unit " + quoted(m.group(2)) + " (ns, us, ms, s, min, h): " + quoted(text));
        };
        final double ns = value * unitNs;
        if (Math.abs(ns) > Long.MAX_VALUE / 2.0) {
            throw new IllegalArgumentException("duration too large: " + quoted(text));
        }
        return Math.round(ns);
    }

    /** @return events per second; a bare number is per second. */
    public static double parseRatePerSec(final String text) {
        final Matcher m = RATE.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a rate (say 800/s, 5/ms, 1200/min): " + quoted(text));
        }
        final double value = Double.parseDouble(m.group(1));
        if (Double.isInfinite(value)) {
            throw new IllegalArgumentException("rate too large: " + quoted(text));
        }
        final String unit = m.group(2) == null ? "s" : m.group(2);
        final double perSec = switch (unit) {
            case "ns" -> 1e9;
            case "us" -> 1e6;
            case "ms" -> 1e3;
            case "s", "sec" -> 1;
            case "m", "min" -> 1.0 / 60;
            case "h" -> 1.0 / 3600;
            default -> throw new IllegalArgumentException(
                "unknown rate unit " + quoted("/" + unit) + " (/ms, /s, /min, /h): " + quoted(text));
        };
        return value * perSec;
    }

    private static final Pattern BYTES = Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)\\s*([a-z]*)\\s*$");

    /**
     * @return bytes, rounded to the nearest: {@code B}, {@code KB}, {@code MB}, {@code GB}, {@code TB} are binary
     *         (1 KB = 1024 bytes, 1 GB = 2^30); a bare number is bytes.
     * @throws IllegalArgumentException with a reason fit for a user.
     */
    public static long parseBytes(final String text) {
        final Matcher m = BYTES.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size (say 512B, 2KB, 10GB): " + quoted(text));
        }
        final double unit = switch (m.group(2)) {
            case "", "b" -> 1;
            case "kb", "kib" -> 1L << 10;
            case "mb", "mib" -> 1L << 20;
            case "gb", "gib" -> 1L << 30;
            case "tb", "tib" -> 1L << 40;
            default -> throw new IllegalArgumentException(
                "unknown size unit " + quoted(m.group(2)) + " (B, KB, MB, GB, TB): " + quoted(text));
        };
        final double bytes = Double.parseDouble(m.group(1)) * unit;
        if (bytes > Long.MAX_VALUE / 4.0) {
            throw new IllegalArgumentException("size too large: " + quoted(text));
        }
        return Math.round(bytes);
    }

    /** @return bytes per day from a size per unit of time ({@code 1GB/day}, {@code 10MB/h}). */
    public static double parseBytesPerDay(final String text) {
        final int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a growth (say 1GB/day, 10MB/h): " + quoted(text));
        }
        final long bytes = parseBytes(text.substring(0, slash));
        final double perDay = switch (text.substring(slash + 1).trim().toLowerCase(Locale.ROOT)) {
            case "s", "sec" -> 86_400;
            case "min", "m" -> 1_440;
            case "h" -> 24;
            case "day", "d" -> 1;
            case "month" -> 1.0 / 30;
            default -> throw new IllegalArgumentException(
                "unknown growth unit " + quoted(text.substring(slash))
                + " (/s, /min, /h, /day, /month): " + quoted(text));
        };
        return bytes * perDay;
    }

    /** {@code 'text'} for a message: cut to a readable length. */
    private static String quoted(final String text) {
        return "'" + DiagramLimits.shown(text) + "'";
    }

    /** Formats nanoseconds the way the diagram writes them (for messages). */
    public static String formatNs(final long ns) {
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + "s";
        }
        if (ns % 1_000_000L == 0) {
            return ns / 1_000_000L + "ms";
        }
        if (ns % 1_000L == 0) {
            return ns / 1_000L + "us";
        }
        return ns + "ns";
    }
}
