package io.tickwire.bench.harness;

import org.HdrHistogram.Histogram;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A run's figures, as the client process prints them: a human line and one {@code RESULT k=v ...} line that the
 * harness parses back (latencies in ns; {@code -1} when the run had no schedule to measure from).
 */
public record Summary(String name, int clients, double framesPerSecond, int frameBytes, long conflated, long count,
                      long p50, long p90, long p99, long p999, long p9999, long max) {

    Summary(final String name, final int clients, final double framesPerSecond, final int frameBytes,
            final long conflated, final Histogram h) {
        this(name, clients, framesPerSecond, frameBytes, conflated, h.getTotalCount(),
            at(h, 50), at(h, 90), at(h, 99), at(h, 99.9), at(h, 99.99), h.getTotalCount() == 0 ? -1 : h.getMaxValue());
    }

    private static long at(final Histogram h, final double percentile) {
        return h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(percentile);
    }

    public boolean hasLatency() {
        return count > 0;
    }

    public String human() {
        final String latency = hasLatency() ? String.format(Locale.ROOT,
            "; intended close -> decoded (%d frames): p50 %s, p90 %s, p99 %s, p99.9 %s, p99.99 %s, max %s",
            count, us(p50), us(p90), us(p99), us(p999), us(p9999), us(max)) : "; no pacing schedule, no latency";
        return String.format(Locale.ROOT, "%s: %d clients, %.0f frames/s decoded in all (%d-byte frames), "
            + "%d ticks conflated past%s", name, clients, framesPerSecond, frameBytes, conflated, latency);
    }

    public String line() {
        return String.format(Locale.ROOT, "%s name=%s clients=%d fps=%.1f bytes=%d conflated=%d count=%d p50=%d "
                + "p90=%d p99=%d p999=%d p9999=%d max=%d", FeedClientsMain.RESULT, name, clients, framesPerSecond,
            frameBytes, conflated, count, p50, p90, p99, p999, p9999, max);
    }

    /** The summary in a {@link #line()}, or null when the line is not one. */
    public static Summary parse(final String line) {
        if (!line.startsWith(FeedClientsMain.RESULT + " ")) {
            return null;
        }
        final Map<String, String> kv = new HashMap<>();
        for (final String part : line.substring(FeedClientsMain.RESULT.length() + 1).split(" ")) {
            final int eq = part.indexOf('=');
            kv.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return new Summary(kv.get("name"), Integer.parseInt(kv.get("clients")), Double.parseDouble(kv.get("fps")),
            Integer.parseInt(kv.get("bytes")), Long.parseLong(kv.get("conflated")), Long.parseLong(kv.get("count")),
            Long.parseLong(kv.get("p50")), Long.parseLong(kv.get("p90")), Long.parseLong(kv.get("p99")),
            Long.parseLong(kv.get("p999")), Long.parseLong(kv.get("p9999")), Long.parseLong(kv.get("max")));
    }

    static String us(final long ns) {
        if (ns < 0) {
            return "n/a";
        }
        return ns >= 10_000_000 ? String.format(Locale.ROOT, "%.1f ms", ns / 1e6)
            : String.format(Locale.ROOT, "%.1f us", ns / 1e3);
    }
}
