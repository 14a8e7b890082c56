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
    void shouldReadAlertsOnSeriesInAnObservedRun() throws Exception {
        final ObserveSpec spec = ObserveLoader.parse("""
            name: hosts
            tick: 1s
            alerts:
              - {name: HighLoad, expr: "value(node-1/node_load1[30s]) > 4", for: 1m, labels: {severity: page}}
              - {name: Latency, expr: "p99('web-1/http_latency{path=\\"/\\"}') > 250ms"}
              - {name: Quoted, expr: 'max("web-1/up{job=\\"a\\\\b\\"}") < 1'}
              - {name: Errors, expr: "rate(web-1/errors_total[1m]) > 5/s", keep_firing_for: 30s}
              - {name: Spiky, expr: "max(web-1/http_latency) >= 2s"}
              - {name: Late, expr: "late(node-1/node_load1) > 0"}
              - {name: Cold, expr: "min(node-1/temp) < -5", annotations: {summary: cold}}
            """);
        assertThat(spec.alerts()).extracting(AlertSpec::name).containsExactly("HighLoad", "Latency", "Quoted",
            "Errors", "Spiky", "Late", "Cold");
        assertThat(spec.alerts()).allSatisfy(a -> assertThat(a.serviceId()).isEqualTo(-1));
        final AlertSpec load = spec.alerts().get(0);
        assertThat(load.serviceName()).isEqualTo("node-1/node_load1");
        assertThat(load.function()).isEqualTo(Function.VALUE);
        assertThat(load.windowTicks()).isEqualTo(30);
        assertThat(load.threshold()).isEqualTo(4.0);
        assertThat(load.forNs()).isEqualTo(60_000_000_000L);
        assertThat(load.labels()).containsEntry("severity", "page");
        assertThat(spec.alerts().get(1).serviceName()).isEqualTo("web-1/http_latency{path=\"/\"}");
        assertThat(spec.alerts().get(1).threshold()).isEqualTo(250_000_000.0);
        assertThat(spec.alerts().get(2).serviceName()).isEqualTo("web-1/up{job=\"a\\b\"}");
        assertThat(spec.alerts().get(2).function()).as("max with a plain number: the largest value")
            .isEqualTo(Function.VALUE_MAX);
        assertThat(spec.alerts().get(3).function()).isEqualTo(Function.RATE);
        assertThat(spec.alerts().get(3).threshold()).isEqualTo(5.0);
        assertThat(spec.alerts().get(4).function()).as("max with a duration: the largest latency")
            .isEqualTo(Function.MAX);
        assertThat(spec.alerts().get(6).threshold()).isEqualTo(-5.0);
        final AlertSpec example = ObserveLoader.load(java.nio.file.Path.of("..", "examples", "observe-hosts.yaml"))
            .alerts().get(0);
        assertThat(example.serviceName()).isEqualTo("127.0.0.1:9100/node_load1{job=\"node\"}");
        assertThat(example.windowTicks()).isEqualTo(30);
    }

    @Test
    void shouldNameTheFieldAndColumnOfABadObservedRule() {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> ObserveLoader.parse("""
            name: hosts
            tick: 1s
            alerts:
              - {name: A, expr: "utilization(node-1/load) > 0.5"}
              - {name: B, expr: "value() > 1"}
              - {name: C, expr: "value('web-1/up{job=\\"a\\"}) > 1"}
              - {name: D, expr: "p99(web-1/lat) > 250"}
              - {name: E, expr: "value(web-1/x[500ms]) > 1"}
              - {name: F, expr: "value(web-1/x) > lots"}
              - {name: A, expr: "value(web-1/x) > 1", for: soon}
            """));
        assertThat(ex).isNotNull();
        assertThat(ex.problems()).containsExactly(
            "alerts[0].expr: unknown function 'utilization' (expected one of p50, p90, p99, p999, max, value, min, "
                + "mean, rate, late) at column 1",
            "alerts[1].expr: expected a series name such as host1/node_load1 (got ') > 1') at column 7",
            "alerts[2].expr: the series name quoted here is not closed at column 7",
            "alerts[3].expr: a latency needs a unit (ns, us, ms, s), e.g. 500ms (got '250') at column 18",
            "alerts[4].expr: the window must be at least one tick (1s; got '500ms') at column 15",
            "alerts[5].expr: not a number: 'lots' at column 18",
            "alerts[6].name: duplicate alert name 'A'",
            "alerts[6].for: " + forProblem());
        assertThat(catchThrowableOfType(DiagramException.class, () -> DiagramLoader.parse("""
            name: d
            services:
              - { name: api, latency: { distribution: constant, mean: 1ms } }
            load:
              - { target: api, rate: 10/s }
            alerts:
              - { name: V, expr: "value(api) > 1" }
            """)).problems()).as("a series function is not a diagram's").singleElement().asString()
            .startsWith("alerts[0].expr: unknown function 'value' (expected one of p50, ");
    }

    private static String forProblem() {
        return catchThrowableOfType(DiagramException.class, () -> ObserveLoader.parse(
            "name: x\nalerts:\n  - {name: A, expr: \"value(a/b) > 1\", for: soon}\n")).problems().get(0)
            .substring("alerts[0].for: ".length());
    }

    private static List<String> problemsOf(final String text) {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> DiagramLoader.parse(text));
        assertThat(ex).as("expected the diagram to be refused:%n%s", text).isNotNull();
        return ex.problems();
    }
}
