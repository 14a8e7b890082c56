package io.tickwire.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.test.SimulatedJournals;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journaled run with alert rules: {@code verify} re-proves its alert events, {@code tickwire events} words them, and
 * the report lists each rule's firing intervals in simulated time. The run is AlertRulesTest's D/D/1 with a latency
 * fault from 2 s to 4 s (engine module): utilisation 1 from tick 40 to tick 92, 0.5 before and from tick 94.
 */
class AlertHistoryTest {
    private static final String DIAGRAM = """
        name: dd1-fault
        tick: 50ms
        services:
          - name: api
            latency: { distribution: constant, mean: 1ms }
        load:
          - { target: api, rate: 500/s, arrivals: constant }
        faults:
          - { kind: latency, service: api, factor: 3, at: 2s, for: 2s }
        alerts:
          - { name: Busy, expr: "utilization(api) > 0.9", for: 1s }
          - { name: BusyNow, expr: "utilization(api) > 0.9", keep_firing_for: 200ms }
          - { name: BusyLong, expr: "utilization(api) > 0.9", for: 5s }
          - { name: Serving, expr: "utilization(api) > 0.1" }
        """;
    private static final long TICKS = 120;

    @TempDir
    static Path dir;
    private static Path journal;

    @BeforeAll
    static void journalOneRun() throws Exception {
        journal = dir.resolve("alerts");
        SimulatedJournals.run(journal, DIAGRAM, 9, TICKS, 1);
    }

    @Test
    void shouldListEachRulesFiringIntervalsInSimulatedTime() throws Exception {
        final AlertHistory history;
        try (JournalReader reader = JournalReader.open(journal)) {
            history = AlertHistory.read(reader);
        }
        assertThat(history.rules()).extracting(AlertHistory.Rule::name)
            .containsExactly("Busy", "BusyNow", "BusyLong", "Serving");
        assertThat(history.rules().get(0).intervals())
            .containsExactly(new AlertHistory.Interval(3_050_000_000L, 4_700_000_000L, false));
        assertThat(history.rules().get(1).intervals())
            .containsExactly(new AlertHistory.Interval(2_050_000_000L, 4_900_000_000L, false));
        assertThat(history.rules().get(2).intervals()).isEmpty();
        // Firing from the end of tick 0 (its utilisation is 0.48) to the end of the journal, and still firing.
        assertThat(history.rules().get(3).intervals())
            .containsExactly(new AlertHistory.Interval(50_000_000L, 6_000_000_000L, true));
        assertThat(history.rules().get(3).firingAtEnd()).isTrue();
        assertThat(history.rules().get(0).firingNs()).isEqualTo(1_650_000_000L);

        final StringBuilder text = new StringBuilder();
        history.appendText(text);
        assertThat(text.toString()).isEqualTo("""

            alerts  4 rules (firing intervals [from, to) in simulated seconds)
              Busy      utilization(api) > 0.9  fired 1 time, 1.650 s firing: [3.050, 4.700)
              BusyNow   utilization(api) > 0.9  fired 1 time, 2.850 s firing: [2.050, 4.900)
              BusyLong  utilization(api) > 0.9  never fired
              Serving   utilization(api) > 0.1  fired 1 time, 5.950 s firing: [0.050, 6.000) still firing
            """);
        final ObjectNode json = new ObjectMapper().createObjectNode();
        history.putJson(json);
        assertThat(json.toString()).contains("{\"rule\":0,\"name\":\"Busy\",\"expr\":\"utilization(api) > 0.9\","
            + "\"firingNs\":1650000000,\"firingAtEnd\":false,\"intervals\":[{\"fromNs\":3050000000,"
            + "\"toNs\":4700000000,\"open\":false}]}");
    }

    @Test
    void shouldWordAlertEventsForTickwireEvents() throws Exception {
        final List<String> lines = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            final CatalogInfo names = CatalogInfo.decode(reader.catalog());
            assertThat(reader.seek(0)).isTrue();
            reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
                final JournalEvent e = JournalEvent.decode(buffer, offset, names);
                if (JournalEvent.ALERT.equals(e.type())) {
                    assertThat(e.concerns(0)).isTrue();
                    lines.add(e.tick() + " " + e.kind() + ": " + e.text());
                }
            });
        }
        assertThat(lines).containsExactly(
            "0 firing: alert Serving inactive -> firing on api (value 0.480000, active since 0.050s)",
            "40 pending: alert Busy inactive -> pending on api (value 1.00000, active since 2.050s)",
            "40 firing: alert BusyNow inactive -> firing on api (value 1.00000, active since 2.050s)",
            "40 pending: alert BusyLong inactive -> pending on api (value 1.00000, active since 2.050s)",
            "60 firing: alert Busy pending -> firing on api (value 1.00000, active since 2.050s)",
            "93 resolved: alert Busy firing -> resolved on api (value 0.680000, active since 2.050s)",
            "93 inactive: alert BusyLong pending -> inactive on api (value 0.680000, active since 2.050s)",
            "97 resolved: alert BusyNow firing -> resolved on api (value 0.500000, active since 2.050s)");
    }

    @Test
    void shouldVerifyTheJournalsAlertEventsWithOneAndTwoWorkers() throws Exception {
        for (final int workers : new int[] {1, 2}) {
            final JournalVerifier verifier;
            try (Simulation sim = Simulation.create(DiagramLoader.parse(DIAGRAM), new Simulation.Context()
                .speed(Simulation.Context.SPEED_MAX).ticks(TICKS).seed(9).workers(workers).simulationId(5))) {
                verifier = new JournalVerifier(journal, sim::stop);
                sim.addListener(verifier).start();
                assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
                assertThat(sim.failure()).isNull();
            }
            assertThat(verifier.difference()).as("workers %d", workers).isNull();
            assertThat(verifier.ticksCompared()).isEqualTo(TICKS);
            assertThat(verifier.eventsCompared()).isEqualTo(10); // 2 fault events and 8 alert events
        }
    }
}
