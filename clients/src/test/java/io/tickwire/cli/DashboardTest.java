package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.JournalPlayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser dashboard in headless Chromium against a real server (127.0.0.1, an ephemeral port): the page scripts
 * of src/test/js drive it as a person would and check the REST API and the DOM follow; each waits on conditions,
 * however long a loaded machine takes, and fails on any console error. Screenshots go to target/dashboard/ (the
 * README's come from there: live.png and replay.png).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // a guard against hangs only
class DashboardTest {
    static final Path OUT = Paths.get("target", "dashboard");
    private static final List<String> CHECKOUT =
        List.of("gateway", "auth", "catalog", "orders", "payments", "inventory", "catalog.db", "orders.db");

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (final AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void shouldShowTheLiveRunAsADiagramWithChartsAtBothWidths() throws Exception {
        final FeedServer server = server();
        launch(server, Paths.get("../examples/checkout.yaml"), 1.0, 0);

        final JsonNode seen = page("dashboard-live.mjs", server, "", String.join(",", CHECKOUT));

        final List<String> names = new ArrayList<>();
        seen.get("nodes").forEach(n -> names.add(n.get("name").asText()));
        assertThat(names).containsAll(CHECKOUT).contains("shoppers");
        seen.get("nodes").forEach(n -> assertThat(n.get("health").asText()).as(n.toString())
            .isIn("ok", "warn", "critical"));
        assertThat(seen.get("edges").asInt()).as("8 calls of checkout and the load").isEqualTo(8);
        assertThat(seen.get("title").asText()).isEqualTo("checkout · Tickwire");
        assertThat(seen.get("url").asText()).contains("sim=1").contains("range=1m");
        assertThat(seen.get("connection").asText()).isEqualTo("open");
        assertThat(seen.get("tooltip").asText()).contains("p50").contains("ms");
        assertThat(seen.get("narrowScrollWidth").asInt()).isLessThanOrEqualTo(420);
        assertScreenshot(OUT.resolve("live.png"), 1600, 1000);
        assertThat(ImageIO.read(OUT.resolve("narrow.png").toFile()).getWidth()).isEqualTo(420);
    }

    @Test
    void shouldDriveTheFilterThePickerAndStartAndStopThroughRest() throws Exception {
        final FeedServer server = server();
        launch(server, Paths.get("../examples/checkout.yaml"), 1.0, 0);

        final JsonNode seen = page("dashboard-controls.mjs", server, "", Files.readString(
            Paths.get("src/test/resources/dashboard/overload.yaml")));

        assertThat(seen.get("filteredSubscription").asText()).isEqualTo("gateway,payments");
        assertThat(seen.get("validation").asText()).contains("services[0].latency.mean");
        assertThat(seen.get("started").asLong()).isEqualTo(2);
        assertThat(seen.get("hot").asText()).isEqualTo("critical");
        assertThat(server.registry().get(1).orElseThrow().state()).isEqualTo(Simulation.State.ENDED);
        assertThat(server.registry().get(2).orElseThrow().diagram().name()).isEqualTo("overload");
        assertScreenshot(OUT.resolve("overload.png"), 1600, 1000);
    }

    @Test
    void shouldPauseSeekAndChangeTheSpeedOfAReplayFromItsBar() throws Exception {
        final Path journal = tmp.resolve("checkout-journal");
        try (FeedServer maker = server()) {
            final Simulation run = launch(maker, Paths.get("../examples/checkout.yaml"), Simulation.Context.SPEED_MAX,
                3_600);
            assertThat(run.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
            Files.move(maker.registry().journalDir(run.id()).orElseThrow(), journal);
        }
        final FeedServer server = server();
        final JournalPlayer replay = server.registry().replay(journal, -1, -1, 1.0, false);

        final JsonNode seen = page("dashboard-replay.mjs", server, "?sim=" + replay.simulationId(),
            Long.toString(replay.lastTick()));

        assertThat(seen.get("speed").asDouble()).isEqualTo(5.0);
        assertThat(replay.speed()).isEqualTo(5.0);
        assertThat(replay.paused()).isTrue();
        assertThat(seen.get("pausedAt").asLong()).isGreaterThanOrEqualTo(seen.get("seekTarget").asLong());
        assertThat(seen.get("lag").asText()).startsWith("paused at tick");
        assertThat(seen.get("position").asText()).startsWith("paused at");
        assertThat(seen.get("restartedAt").asLong()).isLessThan(seen.get("seekTarget").asLong());
        assertScreenshot(OUT.resolve("replay.png"), 1600, 1000);
    }

    @Test
    void shouldSendTheServersTokenGivenInTheFragmentAndSayHowToGiveItWithout() throws Exception {
        final String token = "dashboard-token-0123456789abcdef";
        final FeedServer server = FeedServer.start(new FeedServer.Context().bindAddress("127.0.0.1").port(0)
            .token(token).journalRoot(Files.createDirectories(tmp.resolve("journals-token"))));
        open.add(server);
        launch(server, Paths.get("../examples/checkout.yaml"), 1.0, 0);

        final JsonNode seen = page("dashboard-token.mjs", server, "", token);

        assertThat(seen.get("without").asText()).contains("needs its token").contains("#token=");
        assertThat(seen.get("tick").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(seen.get("connection").asText()).isEqualTo("open");
        assertThat(seen.get("hash").asText()).as("the token leaves the address bar").isEmpty();
        assertThat(seen.get("search").asText()).contains("range=1m").doesNotContain("token");
        assertThat(seen.get("message").asText()).isEmpty();
    }

    @Test
    void shouldListTheRunsEventsInTheEventsPanel() throws Exception {
        final FeedServer server = server();
        // examples/chaos.yaml to 5:55: both crashes found and replaced, the partition and the slow database over.
        final Simulation run = launch(server, Paths.get("../examples/chaos.yaml"), Simulation.Context.SPEED_MAX,
            7_100);
        assertThat(run.awaitTermination(5, TimeUnit.MINUTES)).isTrue();

        final JsonNode seen = page("dashboard-events.mjs", server, "?sim=" + run.id(), String.join("|",
            "frontend: fault #0 started: crash 2 replicas of frontend", "frontend: replica #1 crashed",
            "orders: replica #0 replaced by #3", "fault #1 ended: partition frontend <-> orders",
            "orders.db: fault #2 started: database orders.db slow x5"));

        final List<String> kinds = new ArrayList<>();
        seen.get("events").forEach(e -> kinds.add(e.get("kind").asText()));
        assertThat(kinds).contains("fault", "replica");
        // 4 faults started, 2 ended (a crash is an instant), and the page's own "showing" and "ended" at least.
        assertThat(seen.get("markers").asInt()).isGreaterThanOrEqualTo(4 + 2 + 2);
        assertThat(seen.get("focusDetail").asText()).contains("3 of 3 replicas ready × 4 servers");
    }

    @Test
    void shouldEditTheRunningSimulationAndToggleAFaultFromTheControls() throws Exception {
        final FeedServer server = server();
        launch(server, Paths.get("../examples/checkout.yaml"), 1.0, 0);

        final JsonNode seen = page("dashboard-operations.mjs", server, "");

        assertThat(seen.get("refused").asText()).contains("load[0].rate");
        assertThat(seen.get("applied").asText()).matches("edit \\d+ takes effect at tick \\d+");
        assertThat(seen.get("inEffect").asText()).contains("payments").contains("End");
        final List<String> events = new ArrayList<>();
        seen.get("events").forEach(e -> events.add(e.asText()));
        assertThat(events).anyMatch(e -> e.contains("live edit 1 applied (patch)"))
            .anyMatch(e -> e.contains("live edit 2 applied (fault add)"))
            .anyMatch(e -> e.contains("fault #0 started: latency"))
            .anyMatch(e -> e.contains("fault #0 ended"));
    }

    private FeedServer server() throws Exception {
        final FeedServer server = FeedServer.start(new FeedServer.Context().bindAddress("127.0.0.1").port(0)
            .journalRoot(Files.createDirectories(tmp.resolve("journals-" + open.size()))));
        open.add(server);
        return server;
    }

    private Simulation launch(final FeedServer server, final Path diagram, final double speed, final long ticks)
        throws Exception {
        final Path dir = tmp.resolve("run-" + System.nanoTime());
        final Simulation.Context ctx = new Simulation.Context().speed(speed);
        return server.registry().launch(DiagramLoader.load(diagram), ticks > 0 ? ctx.ticks(ticks) : ctx, dir);
    }

    /** Run a page script against {@code server}; it must exit 0; its stdout is one JSON object. */
    private JsonNode page(final String script, final FeedServer server, final String query, final String... extra)
        throws Exception {
        Files.createDirectories(OUT);
        final String url = "http://127.0.0.1:" + server.port() + "/" + query;
        final Processes.Outcome outcome = Browser.run(script, tmp, url, OUT.toAbsolutePath(), extra);
        assertThat(outcome.code()).as(outcome.err()).isZero();
        return new ObjectMapper().readTree(outcome.out());
    }

    static void assertScreenshot(final Path png, final int width, final int height) throws Exception {
        assertThat(png).exists();
        final BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
        assertThat(Browser.colours(image)).as("distinct colours: a blank page has one").isGreaterThan(50);
    }
}
