package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.engine.Simulation;
import io.tickwire.transport.FeedServer;
import io.tickwire.journal.test.SimulatedJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A served run edited live with {@code tickwire edit} (a merge patch, a fault added, a fault ended) while it runs; its
 * journal then verifies identical with 1, 2 and 4 workers (the edits re-applied at their ticks), and
 * {@code tickwire events} lists the edits with those ticks.
 */
@Timeout(120)
class LiveEditVerifyTest {

    @TempDir
    Path tmp;

    @Test
    void shouldVerifyARunEditedLiveWithAnyNumberOfWorkers() throws Exception {
        final Path diagram = tmp.resolve("edited.yaml");
        Files.writeString(diagram, SimulatedJournals.OPERATED);
        final Path patch = tmp.resolve("bounds.yaml");
        Files.writeString(patch, """
            autoscale:
              - {service: api, minReplicas: 2, maxReplicas: 3, syncPeriod: 5s,
                 metrics: [{metric: utilization, averageUtilization: 50}]}
            load:
              - {name: users, target: api, rate: 300/s}
              - {target: batch, rate: 100/s}
            """);
        final Path refused = tmp.resolve("refused.yaml");
        Files.writeString(refused, "{tick: 10ms, load: [{name: users, target: api, rate: 0/s}, {target: batch, rate: 100/s}]}");
        final Path fault = tmp.resolve("fault.yaml");
        Files.writeString(fault, "{kind: errors, service: worker, rate: 0.2, for: 500ms}");
        final Path journal = tmp.resolve("journal");

        final List<Cli.Result> edits = new ArrayList<>();
        final CountDownLatch edited = new CountDownLatch(1);
        final CommandLine cmd = new CommandLine(new TickwireCli());
        final RunCommand run = cmd.getSubcommands().get("run").getCommand();
        run.onServing = server -> {
            final Thread editor = new Thread(() -> {
                try {
                    edit(server, edits, patch, refused, fault);
                } catch (final Exception ex) {
                    edits.add(new Cli.Result(-1, "", ex.toString()));
                } finally {
                    edited.countDown();
                }
            }, "test-editor");
            editor.setDaemon(true);
            editor.start();
        };
        final Cli.Result result = Cli.execute(cmd, line -> { }, "run", diagram.toString(), "--speed", "4",
            "--ticks", "300", "--port", "0", "--journal", journal.toString());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(edited.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(edits).hasSize(4);
        assertThat(edits.get(0).code()).as(edits.get(0).err()).isZero();
        assertThat(edits.get(0).out()).matches("edit 1 of simulation \\d+ takes effect at tick \\d+ \\(\\d+\\.\\d{3}s\\)"
            + "\\R");
        assertThat(edits.get(1).code()).isEqualTo(2);
        // Validated as a diagram first (the rate), every problem with its path.
        assertThat(edits.get(1).err()).isEqualTo("tickwire: load[0].rate: must be > 0 (got 0/s)"
            + System.lineSeparator());
        assertThat(edits.get(2).code()).as(edits.get(2).err()).isZero();
        assertThat(edits.get(2).out()).contains(": fault 4");
        assertThat(edits.get(3).code()).as(edits.get(3).err()).isZero();

        for (final String workers : new String[] {"1", "2", "4"}) {
            final Cli.Result verify = Cli.execute("verify", journal.toString(), "--workers", workers);
            assertThat(verify.code()).as("--workers %s: %s %s", workers, verify.out(), verify.err()).isZero();
            assertThat(verify.out()).startsWith("identical: 300 ticks, ").contains("(3 live edits re-applied)");
        }

        final Cli.Result list = Cli.execute("events", journal.toString(), "--kind", "edit", "--json");
        assertThat(list.code()).as(list.err()).isZero();
        final ObjectMapper json = new ObjectMapper();
        final List<String> kinds = new ArrayList<>();
        for (final String line : list.out().split("\\R")) {
            final JsonNode e = json.readTree(line);
            kinds.add(e.get("editId").asInt() + " " + e.get("kind").asText());
            assertThat(e.get("tick").asLong()).isBetween(1L, 299L);
        }
        assertThat(kinds).containsExactly("1 patch", "2 fault_add", "3 fault_end");
        final Cli.Result faults = Cli.execute("events", journal.toString(), "--kind", "fault", "--service", "batch");
        assertThat(faults.out()).contains("fault #1 started: errors 0.5 on batch").doesNotContain("latency");
        final Cli.Result live = Cli.execute("events", journal.toString(), "--kind", "fault", "--service", "worker");
        assertThat(live.out()).contains("fault #4 started: errors 0.2 on worker for 500ms (live)")
            .contains("fault #4 ended").contains("fault #2 started: partition api <-> worker");
        assertThat(Cli.execute("events", journal.toString(), "--kind", "sideways").code()).isEqualTo(2);

        // report counts them: 3 edits; the diagram's 4 faults and the live one, each started and ended; api's scale
        // decisions.
        final Cli.Result report = Cli.execute("report", journal.toString(), "--json");
        assertThat(report.code()).as(report.err()).isZero();
        final JsonNode events = json.readTree(report.out()).get("events");
        assertThat(events.get("edit").get("total").asLong()).isEqualTo(3);
        assertThat(events.get("edit").get("fault_add").asLong()).isEqualTo(1);
        assertThat(events.get("fault").get("started").asLong()).isEqualTo(5);
        assertThat(events.get("fault").get("ended").asLong()).isEqualTo(5);
        assertThat(events.get("total").asLong()).isEqualTo(events.get("edit").get("total").asLong()
            + events.get("fault").get("total").asLong() + events.path("scale").path("total").asLong()
            + events.path("replica").path("total").asLong());
        assertThat(Cli.execute("report", journal.toString()).out()).contains("events  ").contains("  edit ");
    }

    private static void edit(final FeedServer server, final List<Cli.Result> edits, final Path patch,
                             final Path refused, final Path fault) throws Exception {
        Optional<Simulation> sim = Optional.empty();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((sim.isEmpty() || sim.get().ticksClosed() < 10) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            sim = server.registry().latest();
        }
        final String id = String.valueOf(sim.orElseThrow().id());
        final String url = "http://127.0.0.1:" + server.port();
        edits.add(Cli.execute("edit", id, patch.toString(), "--server", url));
        edits.add(Cli.execute("edit", id, refused.toString(), "--server", url));
        edits.add(Cli.execute("edit", url + "/simulations/" + id, "--fault", fault.toString()));
        edits.add(Cli.execute("edit", id, "--end-fault", "4", "--server", url)); // the live one
    }
}
