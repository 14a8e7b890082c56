package io.tickwire.engine.diagram;

import io.tickwire.engine.diagram.AutoscaleSpec.Algorithm;
import io.tickwire.engine.diagram.AutoscaleSpec.Metric;
import io.tickwire.engine.diagram.AutoscaleSpec.MetricTarget;
import io.tickwire.engine.diagram.AutoscaleSpec.PolicyType;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingRules;
import io.tickwire.engine.diagram.AutoscaleSpec.SelectPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.TargetType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tickwire.engine.diagram.AutoscaleSpec.SECOND_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code autoscale} and {@code faults} sections: what they read, their defaults, and every refusal's path. */
class OperationsSectionsTest {
    private static final String BASE = """
        name: ops
        services:
          - name: api
            latency: {mean: 5ms}
            calls: [{to: pay, mode: sync}]
            database: {latency: {mean: 1ms}}
          - name: pay
            latency: {mean: 2ms}
        load:
          - {name: users, target: api, rate: 100/s}
        """;

    @Test
    void shouldReadAnHpaWithKubernetesDefaults() throws Exception {
        final Diagram d = DiagramLoader.parse(BASE + """
            autoscale:
              - service: api
                maxReplicas: 10
                metrics: [{metric: utilization, averageUtilization: 60}]
            """);
        final AutoscaleSpec a = d.autoscale().get(0);
        assertThat(a.service()).isEqualTo(0);
        assertThat(a.algorithm()).isEqualTo(Algorithm.HPA);
        assertThat(a.minReplicas()).isEqualTo(1);
        assertThat(a.maxReplicas()).isEqualTo(10);
        assertThat(a.syncPeriodNs()).isEqualTo(15 * SECOND_NS);
        assertThat(a.windowNs()).isEqualTo(15 * SECOND_NS);
        assertThat(a.tolerance()).isEqualTo(0.1);
        assertThat(a.metrics()).containsExactly(new MetricTarget(Metric.UTILIZATION, TargetType.UTILIZATION, 0.6));
        assertThat(a.scaleUp()).isEqualTo(ScalingRules.DEFAULT_SCALE_UP);
        assertThat(a.scaleDown()).isEqualTo(ScalingRules.DEFAULT_SCALE_DOWN);
        assertThat(a.scaleDown().stabilizationWindowNs()).isEqualTo(300 * SECOND_NS);
        assertThat(d.autoscaleOf(0)).isSameAs(a);
        assertThat(d.isOperated()).isTrue();
    }

    @Test
    void shouldReplaceOnlyTheBehaviourFieldsGiven() throws Exception {
        final Diagram d = DiagramLoader.parse(BASE + """
            autoscale:
              - service: pay
                minReplicas: 2
                maxReplicas: 20
                syncPeriod: 10s
                window: 30s
                tolerance: 0.05
                metrics:
                  - {metric: rps, averageValue: 50/s}
                  - {metric: p95, value: 20ms}
                  - {metric: queueDepth, value: 8}
                behavior:
                  scaleUp: {stabilizationWindowSeconds: 30}
                  scaleDown:
                    selectPolicy: Min
                    policies: [{type: Pods, value: 2, periodSeconds: 60}, {type: Percent, value: 10, periodSeconds: 60}]
            """);
        final AutoscaleSpec a = d.autoscale().get(0);
        assertThat(a.metrics()).containsExactly(
            new MetricTarget(Metric.RPS, TargetType.AVERAGE_VALUE, 50),
            new MetricTarget(Metric.P95, TargetType.VALUE, 20e6),
            new MetricTarget(Metric.QUEUE_DEPTH, TargetType.VALUE, 8));
        assertThat(a.scaleUp()).isEqualTo(new ScalingRules(30 * SECOND_NS, SelectPolicy.MAX,
            ScalingRules.DEFAULT_SCALE_UP.policies()));
        assertThat(a.scaleDown()).isEqualTo(new ScalingRules(300 * SECOND_NS, SelectPolicy.MIN, List.of(
            new ScalingPolicy(PolicyType.PODS, 2, 60 * SECOND_NS),
            new ScalingPolicy(PolicyType.PERCENT, 10, 60 * SECOND_NS))));
        assertThat(a.windowNs()).isEqualTo(30 * SECOND_NS);
        assertThat(a.tolerance()).isEqualTo(0.05);
    }

    @Test
    void shouldReadAThresholdRule() throws Exception {
        final Diagram d = DiagramLoader.parse(BASE + """
            autoscale:
              - service: api
                algorithm: threshold
                maxReplicas: 6
                metrics: [{metric: inFlight, averageValue: 4}, {metric: errorRate, value: 0.05}]
                scaleOutAbove: 1.2
                scaleInBelow: 0.4
                scaleOutStep: 2
                scaleOutCooldown: 20s
            """);
        final AutoscaleSpec a = d.autoscale().get(0);
        assertThat(a.algorithm()).isEqualTo(Algorithm.THRESHOLD);
        assertThat(a.threshold()).isEqualTo(new AutoscaleSpec.ThresholdRule(1.2, 0.4, 2, 1, 20 * SECOND_NS,
            300 * SECOND_NS));
        assertThat(a.scaleUp()).isNull();
    }

    @Test
    void shouldRefuseEveryBadAutoscalerWithItsPath() {
        assertProblems(BASE + """
            autoscale:
              - service: api
                minReplicas: 5
                maxReplicas: 2
                metrics: [{metric: latency, value: 1ms}, {metric: utilization, averageValue: 5}]
              - service: api.db
                maxReplicas: 3
                metrics: [{metric: p95, averageValue: 3ms}]
                behavior:
                  scaleUp: {selectPolicy: Most, policies: [{type: Pods, value: 0, periodSeconds: 3600}]}
              - {service: pay, algorithm: threshold, maxReplicas: 3, metrics: [{metric: rps, value: 10/s}],
                 scaleInBelow: 2, tolerance: 0.1}
              - {service: pay, maxReplicas: 3, metrics: []}
            """,
            "autoscale[0].maxReplicas: must be >= minReplicas, 5 (got 2)",
            "autoscale[0].metrics[0].metric: must be utilization, rps, inFlight, queueDepth, p95, p99 or errorRate "
                + "(got \"latency\")",
            "autoscale[0].metrics[1].averageValue: utilization takes averageUtilization",
            "autoscale[1].service: 'api.db' is a database: only the services of the list scale (a database has "
                + "connections)",
            "autoscale[1].metrics[0].averageValue: p95 takes value",
            "autoscale[1].behavior.scaleUp.selectPolicy: must be Max, Min or Disabled (got \"Most\")",
            "autoscale[1].behavior.scaleUp.policies[0].value: must be an integer >= 1 (got 0)",
            "autoscale[1].behavior.scaleUp.policies[0].periodSeconds: must be an integer in [1, 1800] (got 3600)",
            "autoscale[2].tolerance: unknown field (expected one of [algorithm, maxReplicas, metrics, minReplicas, "
                + "scaleInBelow, scaleInCooldown, scaleInStep, scaleOutAbove, scaleOutCooldown, scaleOutStep, "
                + "service, syncPeriod, window])",
            "autoscale[2].scaleInBelow: must be < scaleOutAbove, 1.0 (got 2.0)",
            "autoscale[3].metrics: must list at least one entry",
            "autoscale[3].service: 'pay' already has an autoscaler (autoscale[2])");
    }

    @Test
    void shouldReadEveryKindOfFault() throws Exception {
        final Diagram d = DiagramLoader.parse(BASE + """
            faults:
              - {kind: crash, service: api, count: 2, at: 10s}
              - {kind: latency, service: pay, factor: 3, add: 20ms, at: 1m}
              - {kind: errors, service: pay, rate: 0.25, at: 0, for: 1s}
              - {kind: partition, between: [api, pay], mode: timeout, at: 2s, for: 3s}
              - {kind: loadSpike, source: users, factor: 4, at: 30s, for: 10s}
              - {kind: database, service: api, mode: slow, factor: 5, at: 1s}
              - {kind: database, service: api.db, mode: down, at: 9s, for: 1s}
            """);
        assertThat(d.faults()).containsExactly(
            new FaultSpec(FaultSpec.Kind.CRASH, 0, -1, -1, 2, 1, 0, 0, 0, 10 * SECOND_NS, FaultSpec.UNTIL_END),
            new FaultSpec(FaultSpec.Kind.LATENCY, 1, -1, -1, 0, 3, 20_000_000, 0, 0, 60 * SECOND_NS,
                FaultSpec.UNTIL_END),
            new FaultSpec(FaultSpec.Kind.ERRORS, 1, -1, -1, 0, 1, 0, 0.25, 0, 0, SECOND_NS),
            new FaultSpec(FaultSpec.Kind.PARTITION, 0, 1, -1, 0, 1, 0, 0, FaultSpec.PARTITION_TIMEOUT,
                2 * SECOND_NS, 3 * SECOND_NS),
            new FaultSpec(FaultSpec.Kind.LOAD_SPIKE, 0, -1, 0, 0, 4, 0, 0, 0, 30 * SECOND_NS, 10 * SECOND_NS),
            new FaultSpec(FaultSpec.Kind.DATABASE_SLOW, 2, -1, -1, 0, 5, 0, 0, 0, SECOND_NS, FaultSpec.UNTIL_END),
            new FaultSpec(FaultSpec.Kind.DATABASE_DOWN, 2, -1, -1, 0, 1, 0, 1, 0, 9 * SECOND_NS, SECOND_NS));
    }

    @Test
    void shouldRefuseEveryBadFaultWithItsPath() {
        assertProblems(BASE + """
            faults:
              - {kind: crash, service: api, for: 5s}
              - {kind: latency, service: pay, at: 1s}
              - {kind: partition, between: [api, api], at: 1s}
              - {kind: loadSpike, source: bots, factor: 2, at: 1s}
              - {kind: database, service: pay, mode: down, at: 1s}
              - {kind: flood, at: 1s}
              - {kind: errors, service: pay, rate: 2, at: 1s, for: 0s}
            """,
            "faults[0].at: is required: when the fault starts, from the start of the run (e.g. 60s)",
            "faults[0].count: is required: how many ready replicas crash",
            "faults[0].for: a crash is an instant: the health checks find the crashed replicas and replace them (to "
                + "keep a service down for a while: kind errors, rate 1)",
            "faults[1].factor: give factor (x service time) and/or add (a duration per request)",
            "faults[2].between: needs two different services (got [\"api\",\"api\"])",
            "faults[3].source: unknown load source 'bots'",
            "faults[4].service: 'pay' has no database",
            "faults[5].kind: must be crash, latency, errors, partition, loadSpike or database (got \"flood\")",
            "faults[6].for: must be > 0 (got 0s)",
            "faults[6].rate: must be a probability in [0, 1] (got 2)");
    }

    @Test
    void shouldReadAFaultAddedLiveWithoutAStart() throws Exception {
        final Diagram d = DiagramLoader.parse(BASE);
        final FaultSpec f = DiagramLoader.parseFault(DiagramLoader.tree("{kind: errors, service: pay, rate: 1}"), d);
        assertThat(f.atNs()).isZero();
        assertThat(f.endless()).isTrue();
        assertThatThrownBy(() -> DiagramLoader.parseFault(DiagramLoader.tree("{kind: crash, service: nope}"), d))
            .isInstanceOf(DiagramException.class)
            .satisfies(ex -> assertThat(((DiagramException)ex).problems()).containsExactly(
                "fault.service: unknown service 'nope'",
                "fault.count: is required: how many ready replicas crash"));
    }

    private static void assertProblems(final String yaml, final String... expected) {
        assertThatThrownBy(() -> DiagramLoader.parse(yaml))
            .isInstanceOf(DiagramException.class)
            .satisfies(ex -> assertThat(((DiagramException)ex).problems()).containsExactlyInAnyOrder(expected));
    }
}
