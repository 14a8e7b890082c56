package io.tickwire.engine.diagram;

import io.tickwire.sbe.MetricKind;

import java.util.List;
import java.util.Map;

/**
 * An observed run's configuration (the {@code observe} YAML, {@code docs/ingest.md}): its ticks, how late a sample
 * may come, the sources it knows and their rate limits, the series declared up front, and the kind rules by metric
 * name. Read by {@link ObserveLoader}; immutable.
 *
 * @param name       the run's name.
 * @param tickLengthNs     length of a tick of wall-clock time.
 * @param latenessNs how long after its window a tick waits for samples before it closes.
 * @param skewNs     how far ahead of the server's clock a sample's timestamp may be.
 * @param maxSeries  rows (series) the run may have; a new one beyond is refused (SERIES_LIMIT).
 * @param discover   whether sources not declared are taken (and become rows) or refused (UNKNOWN_SOURCE).
 * @param defaults   the rate limit of a source that declares none.
 * @param sources    declared sources, by name, each with its rate limit.
 * @param series     series declared up front: rows of the first catalog.
 * @param metrics    kind (and unit) by metric name, before the naming rules.
 * @param sourceLabel the remote-write label naming a series' source (default {@code instance}).
 * @param sourceTag   the line-protocol tag naming a line's source (default {@code host}).
 * @param alerts     alert rules on series ({@link AlertSpec#serviceId()} -1: bound when the row appears), in order:
 *                   a rule's index is the {@code rule} of its {@code AlertEvent}s.
 * @param source     the configuration's text, verbatim (journaled as {@code observe.yaml}).
 */
public record ObserveSpec(String name, long tickLengthNs, long latenessNs, long skewNs, int maxSeries, boolean discover,
                          Limit defaults, Map<String, Limit> sources, List<Series> series, Map<String, Metric> metrics,
                          String sourceLabel, String sourceTag, List<AlertSpec> alerts, String source) {
    public ObserveSpec {
        alerts = List.copyOf(alerts);
    }

    /** A token bucket: {@code rate} samples a second on average, {@code burst} at once; rate 0 for none. */
    public record Limit(double rate, long burst) {
        public static final Limit NONE = new Limit(0, 0);

        public boolean unlimited() {
            return rate <= 0;
        }
    }

    /** A series declared up front. {@code kind} null: by the naming rules. */
    public record Series(String source, String metric, Map<String, String> labels, MetricKind kind, String unit) {
    }

    /** A rule for every series of a metric name. {@code unit} null: from the name. */
    public record Metric(MetricKind kind, String unit) {
    }

    /** The rate limit of {@code source}: its own, else the defaults. */
    public Limit limitOf(final String source) {
        return sources.getOrDefault(source, defaults);
    }
}
