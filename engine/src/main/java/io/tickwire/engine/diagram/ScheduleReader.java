package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.tickwire.engine.diagram.DiagramNode.INVALID;
import static io.tickwire.engine.diagram.DiagramLimits.shown;

/** Reads how an open load's rate varies over time: {@code load[i].schedule} and {@code load[i].diurnal}. */
final class ScheduleReader {
    private static final Set<String> CHANGE_FIELDS = Set.of("at", "step", "ramp", "over", "spike", "for");
    /** A schedule change's shapes: the field that names each, in the order the messages list them. */
    private static final List<String> CHANGE_SHAPES = List.of("step", "ramp", "spike");
    private static final Set<String> DIURNAL_FIELDS = Set.of("period", "amplitude", "peak");
    private static final String CHANGE_EXAMPLE = "{at: 60s, step: 800/s}";
    private static final String DIURNAL_EXAMPLE = "{period: 24h, amplitude: 0.5, peak: 14h}";

    private ScheduleReader() {
    }

    /**
     * An open load's changes of rate, applied in order: each starts strictly after the previous one starts and not
     * before it ends (a ramp or spike), so that the rate before each change is a single level.
     *
     * @return the changes that were not refused.
     */
    static List<LoadSpec.Change> schedule(final DiagramNode node) {
        final List<LoadSpec.Change> changes = new ArrayList<>();
        final List<DiagramNode> entries = node.elements(false);
        if (entries.size() > DiagramLimits.MAX_SCHEDULE_CHANGES) {
            node.problem("at most " + DiagramLimits.MAX_SCHEDULE_CHANGES + " changes (got " + entries.size() + ")");
            return changes;
        }
        long previousAt = INVALID;
        long previousEnd = INVALID;
        String previous = null;
        for (int c = 0; c < entries.size(); c++) {
            final String label = "schedule[" + c + "]";
            final DiagramNode entry = entries.get(c);
            if (!entry.isObject()) {
                entry.problem("must be a mapping such as " + CHANGE_EXAMPLE + " (got " + shown(entry) + ")");
                continue;
            }
            entry.refuseUnknownFields(CHANGE_FIELDS);
            final int mark = entry.problems().mark();

            final List<String> shapes = new ArrayList<>();
            for (final String shape : CHANGE_SHAPES) {
                if (entry.has(shape)) {
                    shapes.add(shape);
                }
            }
            if (shapes.isEmpty()) {
                entry.problem("give one of step, ramp or spike, e.g. " + CHANGE_EXAMPLE);
            } else if (shapes.size() > 1) {
                entry.problem(shapes.get(1), "give only one of step, ramp or spike (got "
                    + String.join(" and ", shapes) + ")");
            }
            final String shapeField = shapes.isEmpty() ? null : shapes.get(0);
            final LoadSpec.Shape shape = shapeField == null ? null : switch (shapeField) {
                case "step" -> LoadSpec.Shape.STEP;
                case "ramp" -> LoadSpec.Shape.RAMP;
                default -> LoadSpec.Shape.SPIKE;
            };

            final long at = entry.requireNonNegativeDuration("at",
                "is required: when the change starts, from the start of the run (e.g. 60s)");
            final double rate = shapeField == null ? Double.NaN : entry.requireRate(shapeField, "");

            long durationNs = 0;
            if (shape == LoadSpec.Shape.RAMP) {
                durationNs = entry.requirePositiveDuration("over",
                    "is required for a ramp: how long it takes to reach the rate, e.g. 60s");
            } else if (entry.has("over")) {
                entry.problem("over", "only a ramp takes over");
            }
            if (shape == LoadSpec.Shape.SPIKE) {
                durationNs = entry.requirePositiveDuration("for",
                    "is required for a spike: how long it lasts, e.g. 10s");
            } else if (entry.has("for")) {
                entry.problem("for", "only a spike takes for");
            }

            if (at != INVALID && previousAt != INVALID) {
                final String got = " (got " + shown(entry.raw("at").asText()) + ")";
                if (at <= previousAt) {
                    entry.problem("at", "must be after " + previous + ".at = " + Units.formatNs(previousAt)
                        + ": changes are applied in order" + got);
                } else if (previousEnd != INVALID && at < previousEnd) {
                    entry.problem("at", "must be >= " + Units.formatNs(previousEnd) + ", the end of " + previous
                        + ": changes may not overlap" + got);
                }
            }
            if (at != INVALID) {
                previousAt = at;
                previousEnd = durationNs == INVALID ? INVALID : at + durationNs;
                previous = label;
            }
            if (entry.problems().noneSince(mark)) {
                changes.add(new LoadSpec.Change(shape, at, rate, durationNs));
            }
        }
        return changes;
    }

    /** A periodic factor on an open load's rate; {@link LoadSpec.Diurnal#NONE} when absent or refused. */
    static LoadSpec.Diurnal diurnal(final DiagramNode node) {
        if (!node.isMappingOf(DIURNAL_FIELDS, "such as " + DIURNAL_EXAMPLE)) {
            return LoadSpec.Diurnal.NONE;
        }
        final int mark = node.problems().mark();
        final long period = node.optionalPositiveDuration("period", LoadSpec.Diurnal.DAY_NS);
        final double amplitude;
        final JsonNode amplitudeNode = node.raw("amplitude");
        if (amplitudeNode == null) {
            node.problem("amplitude", "is required: the swing around the scheduled rate, in [0, 1), e.g. 0.5");
            amplitude = 0;
        } else if (!amplitudeNode.isNumber() || !(amplitudeNode.asDouble() >= 0 && amplitudeNode.asDouble() < 1)) {
            node.problem("amplitude", "must be a number in [0, 1), so that the rate stays > 0 (got "
                + amplitudeNode + ")");
            amplitude = 0;
        } else {
            amplitude = amplitudeNode.asDouble();
        }
        final long peak = node.optionalDuration("peak", INVALID);
        if (peak != INVALID && period != INVALID && (peak < 0 || peak >= period)) {
            node.problem("peak", "must be >= 0 and < the period, " + (node.has("period")
                ? node.raw("period").asText() : "24h by default") + " (got " + shown(node.raw("peak").asText()) + ")");
        }
        return node.problems().noneSince(mark) ? new LoadSpec.Diurnal(period, amplitude, peak == INVALID ? 0 : peak)
            : LoadSpec.Diurnal.NONE;
    }
}
