package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.diagram.AutoscaleSpec.Algorithm;
import io.tickwire.engine.diagram.AutoscaleSpec.Metric;
import io.tickwire.engine.diagram.AutoscaleSpec.MetricTarget;
import io.tickwire.engine.diagram.AutoscaleSpec.PolicyType;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingRules;
import io.tickwire.engine.diagram.AutoscaleSpec.SelectPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.TargetType;
import io.tickwire.engine.diagram.AutoscaleSpec.ThresholdRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tickwire.engine.diagram.AutoscaleSpec.SECOND_NS;
import static io.tickwire.engine.diagram.DiagramNode.INVALID;

/**
 * Reads {@code autoscale}: one autoscaler per service, {@code algorithm: hpa} (Kubernetes autoscaling/v2's fields and
 * defaults: {@code minReplicas}, {@code maxReplicas}, {@code metrics}, {@code behavior.scaleUp/scaleDown} with
 * {@code stabilizationWindowSeconds}, {@code selectPolicy} and {@code policies}) or {@code algorithm: threshold}.
 */
final class AutoscaleReader {
    private static final Set<String> COMMON = Set.of("service", "algorithm", "minReplicas", "maxReplicas",
        "syncPeriod", "window", "metrics");
    private static final Set<String> HPA_FIELDS = union(COMMON, Set.of("tolerance", "behavior"));
    private static final Set<String> THRESHOLD_FIELDS = union(COMMON, Set.of("scaleOutAbove", "scaleInBelow",
        "scaleOutStep", "scaleInStep", "scaleOutCooldown", "scaleInCooldown"));
    private static final Set<String> METRIC_FIELDS = Set.of("metric", "averageUtilization", "averageValue", "value");
    private static final Set<String> BEHAVIOR_FIELDS = Set.of("scaleUp", "scaleDown");
    private static final Set<String> RULES_FIELDS = Set.of("stabilizationWindowSeconds", "selectPolicy", "policies");
    private static final Set<String> POLICY_FIELDS = Set.of("type", "value", "periodSeconds");
    /** Metric names as written, in the order of {@link Metric}. */
    private static final String[] METRIC_NAMES = {"utilization", "rps", "inFlight", "queueDepth", "p95", "p99",
        "errorRate"};
    /** Kubernetes' validation bounds. */
    private static final int MAX_PERIOD_SECONDS = 1800;
    private static final int MAX_STABILIZATION_SECONDS = 3600;
    static final double DEFAULT_SCALE_OUT_ABOVE = 1.0;
    static final double DEFAULT_SCALE_IN_BELOW = 0.5;
    static final long DEFAULT_SCALE_OUT_COOLDOWN_NS = 60 * SECOND_NS;
    static final long DEFAULT_SCALE_IN_COOLDOWN_NS = 300 * SECOND_NS;
    private static final String EXAMPLE = "{service: api, maxReplicas: 10, metrics: [{metric: utilization, "
        + "averageUtilization: 60}]}";

    private AutoscaleReader() {
    }

    /**
     * @param serviceCount the services of the list: databases ({@code <owner>.db}) are not autoscaled.
     * @return the autoscalers read without a problem.
     */
    static List<AutoscaleSpec> read(final DiagramNode listNode, final ServiceIds ids, final int serviceCount) {
        final List<AutoscaleSpec> result = new ArrayList<>();
        final Map<Integer, Integer> scaled = new HashMap<>();
        final List<DiagramNode> nodes = listNode.elements(false);
        for (int i = 0; i < nodes.size(); i++) {
            final DiagramNode node = nodes.get(i);
            if (!node.isObject()) {
                node.problem("must be a mapping such as " + EXAMPLE + " (got " + node + ")");
                continue;
            }
            final int mark = node.problems().mark();
            final AutoscaleSpec spec = readOne(node, ids, serviceCount);
            if (spec != null && scaled.putIfAbsent(spec.service(), i) != null) {
                node.problem("service", "'" + spec.serviceName() + "' already has an autoscaler (autoscale["
                    + scaled.get(spec.service()) + "])");
            }
            if (spec != null && node.problems().noneSince(mark)) {
                result.add(spec);
            }
        }
        return result;
    }

    private static AutoscaleSpec readOne(final DiagramNode node, final ServiceIds ids, final int serviceCount) {
        final Algorithm algorithm = "threshold".equals(node.optionalChoice("algorithm", "hpa", "hpa", "threshold"))
            ? Algorithm.THRESHOLD : Algorithm.HPA;
        node.refuseUnknownFields(algorithm == Algorithm.HPA ? HPA_FIELDS : THRESHOLD_FIELDS);
        final Integer service = ids.target(node, "service", "is required: the name of the service to scale");
        if (service != null && service >= serviceCount) {
            node.problem("service", "'" + node.text("service") + "' is a database: only the services of the list "
                + "scale (a database has connections)");
        }
        final int min = node.optionalInt("minReplicas", 1, Integer.MAX_VALUE, 1);
        final int max = node.requireInt("maxReplicas", 1, Integer.MAX_VALUE,
            "is required: the most replicas it may scale to");
        if (max != 0 && max < min) {
            node.problem("maxReplicas", "must be >= minReplicas, " + min + " (got " + max + ")");
        }
        final long sync = node.optionalPositiveDuration("syncPeriod", AutoscaleSpec.DEFAULT_SYNC_PERIOD_NS);
        final long window = node.optionalPositiveDuration("window", sync);
        final List<MetricTarget> metrics = metrics(node.child("metrics"));

        double tolerance = AutoscaleSpec.DEFAULT_TOLERANCE;
        ScalingRules up = null;
        ScalingRules down = null;
        ThresholdRule threshold = null;
        if (algorithm == Algorithm.HPA) {
            tolerance = fraction(node, "tolerance", AutoscaleSpec.DEFAULT_TOLERANCE);
            final DiagramNode behavior = node.child("behavior");
            up = ScalingRules.DEFAULT_SCALE_UP;
            down = ScalingRules.DEFAULT_SCALE_DOWN;
            if (behavior.isMappingOf(BEHAVIOR_FIELDS, "with scaleUp and/or scaleDown")) {
                up = rules(behavior.child("scaleUp"), ScalingRules.DEFAULT_SCALE_UP);
                down = rules(behavior.child("scaleDown"), ScalingRules.DEFAULT_SCALE_DOWN);
            }
        } else {
            final double outAbove = positive(node, "scaleOutAbove", DEFAULT_SCALE_OUT_ABOVE);
            final double inBelow = positive(node, "scaleInBelow", DEFAULT_SCALE_IN_BELOW);
            if (!Double.isNaN(outAbove) && !Double.isNaN(inBelow) && inBelow >= outAbove) {
                node.problem("scaleInBelow", "must be < scaleOutAbove, " + outAbove + " (got " + inBelow + ")");
            }
            threshold = new ThresholdRule(outAbove, inBelow,
                node.optionalInt("scaleOutStep", 1, Integer.MAX_VALUE, 1),
                node.optionalInt("scaleInStep", 1, Integer.MAX_VALUE, 1),
                node.optionalNonNegativeDuration("scaleOutCooldown", DEFAULT_SCALE_OUT_COOLDOWN_NS),
                node.optionalNonNegativeDuration("scaleInCooldown", DEFAULT_SCALE_IN_COOLDOWN_NS));
        }
        if (service == null || sync == INVALID || window == INVALID) {
            return null;
        }
        return new AutoscaleSpec(service, node.text("service"), algorithm, min, max, sync, window, metrics,
            tolerance, up, down, threshold);
    }

    private static List<MetricTarget> metrics(final DiagramNode listNode) {
        final List<MetricTarget> metrics = new ArrayList<>();
        final List<DiagramNode> nodes = listNode.elements(true);
        for (final DiagramNode node : nodes) {
            if (!node.isObject()) {
                node.problem("must be a mapping such as {metric: utilization, averageUtilization: 60} (got " + node
                    + ")");
                continue;
            }
            node.refuseUnknownFields(METRIC_FIELDS);
            final String name = node.optionalChoice("metric", null, METRIC_NAMES);
            if (name == null) {
                if (!node.has("metric")) {
                    node.problem("metric", "is required: one of " + String.join(", ", METRIC_NAMES));
                }
                continue;
            }
            final Metric metric = Metric.values()[List.of(METRIC_NAMES).indexOf(name)];
            final MetricTarget target = target(node, metric, name);
            if (target != null) {
                metrics.add(target);
            }
        }
        return metrics;
    }

    /** The one target of a metric: which kinds it takes follows what averaging over replicas means for it. */
    private static MetricTarget target(final DiagramNode node, final Metric metric, final String name) {
        final List<String> given = new ArrayList<>();
        for (final String field : List.of("averageUtilization", "averageValue", "value")) {
            if (node.has(field)) {
                given.add(field);
            }
        }
        final String allowed = switch (metric) {
            case UTILIZATION -> "averageUtilization";
            case RPS, IN_FLIGHT, QUEUE_DEPTH -> "averageValue or value";
            default -> "value";
        };
        if (given.size() != 1) {
            node.problem(given.isEmpty() ? "metric" : given.get(1), (given.isEmpty() ? "needs" : "takes one target:")
                + " " + allowed + " (" + name + ")");
            return null;
        }
        final String field = given.get(0);
        if (!allowed.contains(field)) {
            node.problem(field, name + " takes " + allowed);
            return null;
        }
        final AutoscaleSpec.TargetType type = switch (field) {
            case "averageUtilization" -> TargetType.UTILIZATION;
            case "averageValue" -> TargetType.AVERAGE_VALUE;
            default -> TargetType.VALUE;
        };
        final double target = switch (metric) {
            case UTILIZATION -> {
                final int percent = node.requireInt(field, 1, Integer.MAX_VALUE, "");
                yield percent == 0 ? Double.NaN : percent / 100.0;
            }
            case RPS -> node.requireRate(field, "");
            case P95, P99 -> {
                final long ns = node.requirePositiveDuration(field, "");
                yield ns == INVALID ? Double.NaN : ns;
            }
            case ERROR_RATE -> {
                final double p = node.optionalPositiveProbability(field, Double.NaN);
                yield p;
            }
            default -> positive(node, field, Double.NaN);
        };
        return Double.isNaN(target) ? null : new MetricTarget(metric, type, target);
    }

    /** {@code behavior.scaleUp} or {@code .scaleDown}: the fields given replace Kubernetes' defaults, one by one. */
    private static ScalingRules rules(final DiagramNode node, final ScalingRules defaults) {
        if (!node.isMappingOf(RULES_FIELDS, "with stabilizationWindowSeconds, selectPolicy and/or policies")) {
            return defaults;
        }
        final int seconds = node.optionalInt("stabilizationWindowSeconds", 0, MAX_STABILIZATION_SECONDS,
            (int)(defaults.stabilizationWindowNs() / SECOND_NS));
        final String chosen = node.optionalChoice("selectPolicy", null, "Max", "Min", "Disabled");
        final SelectPolicy select = chosen == null ? defaults.selectPolicy() : switch (chosen) {
            case "Min" -> SelectPolicy.MIN;
            case "Disabled" -> SelectPolicy.DISABLED;
            default -> SelectPolicy.MAX;
        };
        List<ScalingPolicy> policies = defaults.policies();
        if (node.has("policies")) {
            policies = new ArrayList<>();
            final List<DiagramNode> entries = node.child("policies").elements(false);
            if (entries.isEmpty()) {
                node.problem("policies", "must list at least one policy (leave it out for Kubernetes' defaults)");
            }
            for (final DiagramNode entry : entries) {
                if (!entry.isObject()) {
                    entry.problem("must be a mapping such as {type: Pods, value: 4, periodSeconds: 60} (got " + entry
                        + ")");
                    continue;
                }
                entry.refuseUnknownFields(POLICY_FIELDS);
                final String type = entry.optionalChoice("type", null, "Pods", "Percent");
                if (type == null && !entry.has("type")) {
                    entry.problem("type", "is required: Pods or Percent");
                }
                final int value = entry.requireInt("value", 1, Integer.MAX_VALUE,
                    "is required: pods, or percent, of change allowed per period");
                final int period = entry.requireInt("periodSeconds", 1, MAX_PERIOD_SECONDS,
                    "is required: the period, in seconds (1 to 1800)");
                if (type != null && value > 0 && period > 0) {
                    policies.add(new ScalingPolicy("Pods".equals(type) ? PolicyType.PODS : PolicyType.PERCENT, value,
                        period * SECOND_NS));
                }
            }
        }
        return new ScalingRules(seconds * SECOND_NS, select, policies);
    }

    /** @return a number in [0, 1), or dflt when absent, or NaN after reporting it. */
    private static double fraction(final DiagramNode node, final String field, final double dflt) {
        final JsonNode value = node.raw(field);
        if (value == null) {
            return dflt;
        }
        if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() < 1)) {
            node.problem(field, "must be a number in [0, 1) (got " + value + ")");
            return Double.NaN;
        }
        return value.asDouble();
    }

    /** @return a finite number > 0, or dflt when absent, or NaN after reporting it. */
    static double positive(final DiagramNode node, final String field, final double dflt) {
        final JsonNode value = node.raw(field);
        if (value == null) {
            if (Double.isNaN(dflt)) {
                node.problem(field, "is required");
            }
            return dflt;
        }
        if (!value.isNumber() || !(value.asDouble() > 0) || Double.isInfinite(value.asDouble())) {
            node.problem(field, "must be a number > 0 (got " + value + ")");
            return Double.NaN;
        }
        return value.asDouble();
    }

    private static Set<String> union(final Set<String> a, final Set<String> b) {
        final Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
