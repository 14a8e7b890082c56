package io.tickwire.transport.alerting;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickSource;
import io.tickwire.engine.diagram.AlertSpec;
import io.tickwire.engine.observe.Observation;

import java.util.Collections;
import java.util.List;
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
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
        annotations = annotations == null ? Map.of()
            : Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    /**
     * A run's rule table: a simulation's diagram {@code alerts:}, or an observed run's configuration's, in order;
     * none for another source. The notifier's default.
     */
    public static List<AlertRule> of(final TickSource source) {
        if (source instanceof Simulation simulation) {
            return simulation.diagram().alerts().stream().map(AlertRule::of).toList();
        }
        if (source instanceof Observation observation) {
            return observation.spec().alerts().stream().map(AlertRule::of).toList();
        }
        return List.of();
    }

    public static AlertRule of(final AlertSpec spec) {
        return new AlertRule(spec.name(), spec.labels(), spec.annotations());
    }

    /** A rule with no labels and no annotations. */
    public static AlertRule named(final String name) {
        return new AlertRule(name, Map.of(), Map.of());
    }
}
