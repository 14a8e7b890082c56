package io.tickwire.engine.control;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.FaultSpec;
import io.tickwire.sbe.EditKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Live edits are validated as a diagram is (the patched diagram's field paths), refuse what cannot change while a
 * run runs (path and why), keep nothing of a refused edit, and apply to the diagram as the accepted ones left it.
 */
class LiveEditsTest {
    private static final String DIAGRAM = """
        name: shop
        services:
          - name: api
            replicas: 2
            latency: {mean: 5ms}
            calls: [{to: pay}]
          - name: pay
            latency: {mean: 2ms}
        load:
          - {name: users, target: api, rate: 100/s}
          - {name: night, target: pay, rate: 10/s, schedule: [{at: 60s, step: 20/s}]}
        autoscale:
          - {service: api, maxReplicas: 4, metrics: [{metric: utilization, averageUtilization: 50}]}
        faults:
          - {kind: latency, service: pay, factor: 2, at: 10s, for: 5s}
        """;

    @Test
    void shouldAcceptTheLiveFieldsAndKeepTheDiagramTheyMake() throws Exception {
        final LiveEdits edits = edits();
        final PreparedEdit first = accept(edits, EditKind.PATCH, """
            {"services": [
              {"name": "api", "replicas": 3, "latency": {"mean": "7ms"}, "calls": [{"to": "pay"}]},
              {"name": "pay", "latency": {"mean": "2ms"}, "failureRate": 0.1, "concurrency": 2}],
             "load": [{"name": "users", "target": "api", "rate": "150/s"},
                      {"name": "night", "target": "pay", "rate": "10/s", "schedule": [{"at": "60s", "step": "20/s"}]}]}
            """);
        assertThat(first.editId()).isEqualTo(1);
        assertThat(first.after().service(0).replicas()).isEqualTo(3);
        assertThat(first.after().service(1).concurrency()).isEqualTo(2);
        assertThat(first.after().load().get(0).ratePerSec()).isEqualTo(150);
        assertThat(first.body()).doesNotContain("\n"); // compact, as journaled
        // The next edit applies to the diagram the first made.
        final PreparedEdit second = accept(edits, EditKind.PATCH,
            "{\"autoscale\": [{\"service\": \"api\", \"maxReplicas\": 6, \"metrics\": "
                + "[{\"metric\": \"utilization\", \"averageUtilization\": 50}]}]}");
        assertThat(second.editId()).isEqualTo(2);
        assertThat(second.before().service(0).replicas()).isEqualTo(3);
        assertThat(second.after().autoscale().get(0).maxReplicas()).isEqualTo(6);
        assertThat(edits.diagram().service(0).replicas()).isEqualTo(3);
    }

    @Test
    void shouldRefuseWhatCannotChangeLiveWithItsPathAndWhy() throws Exception {
        final LiveEdits edits = edits();
        assertRefused(edits, """
            {"tick": "10ms", "partitions": 2, "services": [
              {"name": "api", "replicas": 2, "latency": {"mean": "5ms"}, "calls": [{"to": "pay", "delay": "1ms"}]},
              {"name": "pay", "latency": {"mean": "2ms"}, "queue": 5}]}
            """,
            "tick: cannot change while the simulation runs: it is fixed when the run starts",
            "partitions: cannot change while the simulation runs: it is fixed when the run starts",
            "services[0].calls[0].delay: cannot change while the simulation runs: the calls and databases decide "
                + "the partitions",
            "services[1].queue: cannot change while the simulation runs: a service's live fields are replicas, "
                + "concurrency, latency and failureRate");
        assertRefused(edits, """
            {"load": [{"name": "users", "target": "api", "rate": "100/s"},
                      {"name": "night", "target": "pay", "rate": "50/s", "schedule": [{"at": "60s", "step": "20/s"}]}]}
            """,
            "load[1].rate: cannot change while the simulation runs: its schedule sets the rate (only an unscheduled "
                + "open load's rate changes live)");
        assertRefused(edits, "{\"autoscale\": [{\"service\": \"pay\", \"maxReplicas\": 2, \"metrics\": "
                + "[{\"metric\": \"rps\", \"value\": \"5/s\"}]}]}",
            "autoscale[0].service: cannot change while the simulation runs: 'pay' had no autoscaler when the run "
                + "started, so its closed ticks are not kept");
        // Nothing of the refused edits was kept: the next one is number 1 and applies to the diagram as it was.
        final PreparedEdit ok = accept(edits, EditKind.FAULT_END, "{\"id\": 0}");
        assertThat(ok.editId()).isEqualTo(1);
        assertThat(edits.diagram().service(1).name()).isEqualTo("pay");
    }

    @Test
    void shouldValidateThePatchedDiagramAsADiagram() {
        final LiveEdits edits = edits();
        assertRefused(edits, """
            {"services": [{"name": "api", "replicas": 0, "latency": {"mean": "-1ms"}, "calls": [{"to": "pay"}]},
                          {"name": "pay", "latency": {"mean": "2ms"}}]}
            """,
            "services[0].replicas: must be an integer in [1, 1000000] (got 0)",
            "services[0].latency.mean: must be > 0 (got -1ms)");
        assertRefused(edits, "[1, 2]", "a merge patch on a diagram is a JSON object (got [1,2])");
        assertRefused(edits, "{not json", "not valid JSON: Unexpected character ('n' (code 110)): was expecting "
            + "double-quote to start field name");
    }

    @Test
    void shouldEndTheFaultsAPatchDropsAndAddTheOnesItAdds() throws Exception {
        final LiveEdits edits = edits();
        final PreparedEdit added = accept(edits, EditKind.FAULT_ADD, "{\"kind\": \"errors\", "
            + "\"service\": \"pay\", \"rate\": 0.5}");
        assertThat(added.faultId()).isEqualTo(1);
        assertThat(added.fault().kind()).isEqualTo(FaultSpec.Kind.ERRORS);
        final PreparedEdit patch = accept(edits, EditKind.PATCH, """
            {"faults": [{"kind": "latency", "service": "pay", "factor": 2, "at": "10s", "for": "5s"},
                        {"kind": "crash", "service": "api", "count": 1, "at": "20s"}]}
            """);
        assertThat(patch.endedFaults()).isEmpty(); // faults[0] is the same fault: it keeps id 0
        assertThat(patch.addedFaultIds()).containsExactly(2);
        final PreparedEdit drop = accept(edits, EditKind.PATCH, "{\"faults\": null}");
        assertThat(drop.endedFaults()).containsExactly(0, 2);
        assertRefused(edits, "{\"id\": 9}", EditKind.FAULT_END,
            "id: must be the id of a fault of this run, 0 to 2 (got 9)");
    }

    @Test
    void shouldKeepNothingOfAnEditThatIsNotAccepted() throws Exception {
        final LiveEdits edits = edits();
        final PreparedEdit dropped = edits.prepare(EditKind.PATCH, "{\"services\": [{\"name\": \"api\", "
            + "\"replicas\": 4, \"latency\": {\"mean\": \"5ms\"}, \"calls\": [{\"to\": \"pay\"}]}, "
            + "{\"name\": \"pay\", \"latency\": {\"mean\": \"2ms\"}}]}");
        assertThat(dropped.after().service(0).replicas()).isEqualTo(4);
        // Not accepted (its run could not take it): the next edit is number 1 again, on the diagram as it was.
        final PreparedEdit next = accept(edits, EditKind.FAULT_END, "{\"id\": 0}");
        assertThat(next.editId()).isEqualTo(1);
        assertThat(edits.diagram().service(0).replicas()).isEqualTo(2);
    }

    @Test
    void shouldRefuseChangingTheAlertRulesLive() throws Exception {
        final LiveEdits edits = edits();
        assertRefused(edits, "{\"alerts\": [{\"name\": \"Slow\", \"expr\": \"p99(api) > 1s\"}]}",
            "alerts: cannot change while the simulation runs: alert rules are fixed when the run starts (their "
                + "indexes and states are on the feed and in the journal)");
        // Validated as a diagram first: a bad rule is refused with its path and column.
        assertRefused(edits, "{\"alerts\": [{\"name\": \"Slow\", \"expr\": \"p99(apu) > 1s\"}]}",
            "alerts[0].expr: unknown service 'apu' at column 5");
        final Diagram d = DiagramLoader.parse(DIAGRAM + "alerts: [{name: Slow, expr: \"p99(api) > 1s\"}]\n");
        final LiveEdits withRules = new LiveEdits(d, ControlPlane.windowTicks(d));
        assertRefused(withRules, "{\"alerts\": [{\"name\": \"Slow\", \"expr\": \"p99(api) > 2s\"}]}",
            "alerts[0].expr: cannot change while the simulation runs: alert rules are fixed when the run starts "
                + "(their indexes and states are on the feed and in the journal)");
    }

    @Test
    void shouldHoldAnEditToTheLimitsTheRunWasLaunchedUnder() throws Exception {
        // ~210 visits per simulated second now (users 100/s through api and pay, night 10/s); the edit asks ~10,000.
        final String busier = """
            {"load": [{"name": "users", "target": "api", "rate": "5000/s"},
                      {"name": "night", "target": "pay", "rate": "10/s", "schedule": [{"at": "60s", "step": "20/s"}]}]}
            """;
        final Diagram d = DiagramLoader.parse(DIAGRAM);
        final LiveEdits bounded = new LiveEdits(d, ControlPlane.windowTicks(d),
            DiagramLimits.DEFAULT.withMaxVisitsPerSecond(1000));
        assertThatThrownBy(() -> bounded.prepare(EditKind.PATCH, busier))
            .isInstanceOf(DiagramException.class)
            .satisfies(ex -> assertThat(((DiagramException)ex).problems()).singleElement().asString()
                .contains("visits").contains("1000"));
        assertThat(accept(edits(), EditKind.PATCH, busier).after().load().get(0).ratePerSec()).isEqualTo(5000);
    }

    private static LiveEdits edits() {
        try {
            final Diagram d = DiagramLoader.parse(DIAGRAM);
            return new LiveEdits(d, ControlPlane.windowTicks(d));
        } catch (final DiagramException ex) {
            throw new AssertionError(ex);
        }
    }

    private static PreparedEdit accept(final LiveEdits edits, final EditKind kind, final String body)
        throws DiagramException {
        final PreparedEdit edit = edits.prepare(kind, body);
        edits.accept(edit);
        return edit;
    }

    private static void assertRefused(final LiveEdits edits, final String patch, final String... problems) {
        assertRefused(edits, patch, EditKind.PATCH, problems);
    }

    private static void assertRefused(final LiveEdits edits, final String body, final EditKind kind,
                                      final String... problems) {
        assertThatThrownBy(() -> edits.prepare(kind, body))
            .isInstanceOf(DiagramException.class)
            .satisfies(ex -> assertThat(((DiagramException)ex).problems()).containsExactlyInAnyOrder(problems));
    }
}
