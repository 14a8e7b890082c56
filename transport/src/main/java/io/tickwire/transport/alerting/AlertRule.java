package io.tickwire.transport.alerting;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the notifier needs of one alert rule of a run: its name (Prometheus' {@code alertname}), its labels (added to
 * the alert's identity) and its annotations (added to every notification). A run's rules are a list in the order the
 * diagram writes them: an {@code AlertEvent}'s {@code rule} indexes it. Immutable; the maps are copied, sorted.
 */
public record AlertRule(String name, Map<String, String> labels, Map<String, String> annotations) {
    public AlertRule {
        Objects.requireNonNull(name, "name");
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        annotations = annotations == null ? Map.of()
            : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    /** A rule with no labels and no annotations. */
    public static AlertRule named(final String name) {
        return new AlertRule(name, Map.of(), Map.of());
    }
}
