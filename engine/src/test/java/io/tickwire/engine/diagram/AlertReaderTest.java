package io.tickwire.engine.diagram;

import io.tickwire.engine.diagram.AlertSpec.Function;
import io.tickwire.engine.diagram.AlertSpec.Op;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The {@code alerts} section: the expression language, its units and defaults, and every refusal with its path. */
class AlertReaderTest {
    private static final String BASE = """
        name: alerting
        tick: 50ms
        services:
          - name: api
            latency: {mean: 5ms}
            calls: [{to: pay}]
            database: {latency: {mean: 1ms}}
          - name: pay
            latency: {mean: 2ms}
        load:
          - {target: api, rate: 100/s}
        autoscale:
          - {service: api, minReplicas: 2, maxReplicas: 8, metrics: [{metric: utilization, averageUtilization: 60}]}
        alerts:
        """;

    @Test
    void shouldReadEveryFunctionWithItsUnitAndDefaults() throws Exception {
        final Diagram d = DiagramLoader.parse(BASE + """
              - name: ApiSlow
                expr: p99(api) > 500ms
                for: 2s
                keep_firing_for: 1s
                labels: {severity: page, team: 7}
                annotations: {summary: "api p99 over 500ms"}
              - {name: ApiErrors, expr: "error_rate(api[10s]) >= 1%"}
              - {name: DbBusy, expr: "utilization( api.db )>0.9"}
              - {name: AtMax, expr: replicas(api) == max}
              - {name: BelowMin, expr: ready_replicas(api) < min}
              - {name: PayIdle, expr: "throughput(pay[1s]) <= 6000/min"}
              - {name: Limited, expr: rate_limited(api) != 0}
              - {name: Refused, expr: "bulkhead_refused(pay) > 2.5"}
              - {name: Open, expr: "breaker_refused(api[120ms]) > 10/s"}
              - {name: Tail, expr: "p999(pay[1s]) > 1.5s"}
              - {name: Worst, expr: "max(pay) > 0"}
            """);
        assertThat(d.alerts()).hasSize(11);
        final AlertSpec slow = d.alerts().get(0);
        assertThat(slow).isEqualTo(new AlertSpec("ApiSlow", "p99(api) > 500ms", Function.P99, 0, "api", 1, Op.GT,
            500e6, 2_000_000_000L, 1_000_000_000L, Map.of("severity", "page", "team", "7"),
            Map.of("summary", "api p99 over 500ms")));
        final AlertSpec errors = d.alerts().get(1);
        assertThat(List.of(errors.function(), errors.windowTicks(), errors.op(), errors.threshold(), errors.forNs(),
            errors.keepFiringForNs())).containsExactly(Function.ERROR_RATE, 200, Op.GE, 0.01, 0L, 0L);
        assertThat(errors.labels()).isEmpty();
        assertThat(d.alerts().get(2).serviceId()).isEqualTo(2); // api.db: after the listed services
        assertThat(d.alerts().get(2).serviceName()).isEqualTo("api.db");
        assertThat(d.alerts().get(3).threshold()).isEqualTo(8);
        assertThat(d.alerts().get(4).threshold()).isEqualTo(2);
        assertThat(d.alerts().get(5).threshold()).isEqualTo(100);
        assertThat(d.alerts().get(5).windowTicks()).isEqualTo(20);
        assertThat(d.alerts().get(6).op()).isEqualTo(Op.NE);
        assertThat(d.alerts().get(7).threshold()).isEqualTo(2.5);
        assertThat(d.alerts().get(8).windowTicks()).as("120ms of 50ms ticks: rounded up").isEqualTo(3);
        assertThat(d.alerts().get(8).threshold()).isEqualTo(10);
        assertThat(d.alerts().get(9).threshold()).isEqualTo(1.5e9);
        assertThat(d.alerts().get(10).threshold()).as("a bare 0 needs no unit").isEqualTo(0);
    }

    @Test
    void shouldReportEachExpressionProblemWithItsColumn() {
        assertThat(problemsOf(BASE + """
              - {name: A, expr: "p98(api) > 1s"}
              - {name: B, expr: "p99(chekout) > 1s"}
              - {name: C, expr: "p99(api) > 500"}
              - {name: D, expr: "utilization(api) => 0.9"}
              - {name: E, expr: "replicas(pay) == max"}
              - {name: F, expr: "replicas(api[10s]) > 2"}
              - {name: G, expr: "p99(api[10ms]) > 1s"}
              - {name: H, expr: "error_rate(api) > 1% and p99(api) > 1s"}
              - {name: I, expr: "error_rate(api) > 1ms"}
              - {name: J, expr: "p99 api > 1s"}
              - {name: K, expr: "p99(api[10x]) > 1s"}
              - {name: L, expr: "replicas(api) > 2.5"}
              - {name: M, expr: "p99(api) >"}
            """)).containsExactly(
            "alerts[0].expr: unknown function 'p98' (expected one of p50, p90, p99, p999, max, error_rate, "
                + "throughput, utilization, replicas, ready_replicas, rate_limited, bulkhead_refused, "
                + "breaker_refused) at column 1",
            "alerts[1].expr: unknown service 'chekout' at column 5",
            "alerts[2].expr: a latency needs a unit (ns, us, ms, s), e.g. 500ms (got '500') at column 12",
            "alerts[3].expr: expected a comparison (>, >=, <, <=, ==, !=) (got '=> 0.9') at column 18",
            "alerts[4].expr: 'max' is the bound of an autoscaler and 'pay' has none at column 18",
            "alerts[5].expr: replicas takes no window: it is the count at a tick's end at column 13",
            "alerts[6].expr: the window must be at least one tick (50ms; got '10ms') at column 9",
            "alerts[7].expr: unexpected 'and p99(api) > 1s' after the value (one condition per rule: and/or are "
                + "not supported, write two rules) at column 22",
            "alerts[8].expr: not a ratio (say 0.9 or 90%): '1ms' at column 19",
            "alerts[9].expr: expected '(' after p99 (got 'api > 1s') at column 5",
            "alerts[10].expr: window: unknown duration unit 'x' (ns, us, ms, s, min, h): '10x' at column 9",
            "alerts[11].expr: not a whole number of replicas, max or min: '2.5' at column 17",
            "alerts[12].expr: expected a value after > at column 11");
    }

    @Test
    void shouldReportTheRuleFieldsByPath() {
        assertThat(problemsOf(BASE + """
              - {expr: "p99(api) > 1s"}
              - {name: Checkout-Slow, expr: "p99(api) > 1s"}
              - {name: Same, expr: "p99(api) > 1s", for: -1s, severity: page}
              - {name: Same, labels: {alertname: x, ok: [1]}, annotations: {"bad name": y}}
              - just text
            """)).containsExactly(
            "alerts[0].name: is required",
            "alerts[1].name: must be 1-128 of letters, digits and '_', not starting with a digit, as a Prometheus "
                + "label name (got \"Checkout-Slow\")",
            "alerts[2].severity: unknown field (expected one of [annotations, expr, for, keep_firing_for, labels, "
                + "name])",
            "alerts[2].for: must be >= 0 (got -1s)",
            "alerts[3].name: duplicate alert name 'Same'",
            "alerts[3].expr: is required, e.g. 'p99(checkout) > 500ms'",
            "alerts[3].labels.alertname: is the rule's name: set name instead",
            "alerts[3].labels.ok: must be text (got [1])",
            "alerts[3].annotations.bad name: not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)",
            "alerts[4]: must be a mapping with name and expr (got \"just text\")");
    }

    @Test
    void shouldRefuseAlertsInAnObservedRun() {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> ObserveLoader.parse("""
            name: hosts
            alerts:
              - {name: Load, expr: "value(host) > 2"}
            """));
        assertThat(ex).isNotNull();
        assertThat(ex.problems()).containsExactly("alerts: alert rules are not supported in an observed run yet, "
            + "only in a diagram (see docs/diagram.md, Alerts)");
    }

    private static List<String> problemsOf(final String text) {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> DiagramLoader.parse(text));
        assertThat(ex).as("expected the diagram to be refused:%n%s", text).isNotNull();
        return ex.problems();
    }
}
