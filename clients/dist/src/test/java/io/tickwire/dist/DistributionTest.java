package io.tickwire.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.EndReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tarball installs into an empty directory and runs from there with a JRE alone: a simulation (then verified),
 * and {@code serve} as a real process — REST through {@code tickwire runs}, {@code /metrics} clean under
 * {@code promtool check metrics}, and SIGTERM a graceful stop (the run's journal ended, the feed closed with 1001,
 * exit 0). The systemd unit passes {@code systemd-analyze verify}.
 */
@Timeout(180)
class DistributionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldInstallIntoAnEmptyDirectoryAndRunASimulation() throws Exception {
        final Installation tw = Installation.unpack(tmp);
        assertThat(Files.getPosixFilePermissions(tw.bin())).contains(PosixFilePermission.OWNER_EXECUTE);
        for (final String f : List.of("conf/tickwire.yaml", "systemd/tickwire.service", "docs/configuration.md",
            "README.md", "examples/checkout.yaml")) {
            assertThat(tw.home.resolve(f)).as(f).isRegularFile();
        }
        try (var jars = Files.list(tw.home.resolve("lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("tickwire-clients"));
        }
        // The JVM flags were filled in at build time from the parent pom's <tickwire.jvm.flags>.
        final String launcher = Files.readString(tw.bin(), StandardCharsets.UTF_8);
        assertThat(launcher).contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
            .doesNotContain("@tickwire.jvm.flags@");

        final Installation.Outcome run = tw.tickwire(120, "run", tw.home.resolve("examples/mm1.yaml").toString(),
            "--speed", "max", "--ticks", "300", "--seed", "3", "--no-serve", "--journal", "j");
        assertThat(run.code()).as(run.err()).isZero();
        final Installation.Outcome verify = tw.tickwire(120, "verify", "j");
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).contains("identical: 300 ticks");
    }

    @Test
    void shouldServeRunsOverRestAndStopGracefullyOnSigterm() throws Exception {
        final Installation tw = Installation.unpack(tmp);
        // A layout for this 2-core host: the worker on CPU 1, Netty's loops on CPU 0 (pinned as they start).
        try (Installation.Running server = tw.start("serve", "--port", "0", "--log-format", "json",
            "--set", "layout.workers.cpus=1", "--set", "layout.netty.cpus=0")) {
            final String url = server.awaitServing(60);
            final HttpClient http = HttpClient.newHttpClient();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            final Installation.Outcome started = tw.tickwire(60, "runs", "start",
                tw.home.resolve("examples/checkout.yaml").toString(), "--server", url, "--speed", "5");
            assertThat(started.code()).as(started.err()).isZero();
            final JsonNode run = JSON.readTree(started.out());
            final long id = run.get("id").asLong();
            final Path journal = Path.of(run.get("journal").asText());

            // A feed client, to be closed by the server with 1001 at SIGTERM.
            final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
            final AtomicInteger frames = new AtomicInteger();
            final WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(url.replaceFirst("^http", "ws")
                + "/feed?sim=" + id), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(final WebSocket s, final java.nio.ByteBuffer data,
                                                       final boolean last) {
                        frames.incrementAndGet();
                        s.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(final WebSocket s, final int status, final String reason) {
                        closeCode.complete(status);
                        return null;
                    }

                    @Override
                    public void onError(final WebSocket s, final Throwable error) {
                        closeCode.completeExceptionally(error);
                    }
                }).get(30, TimeUnit.SECONDS);
            awaitTrue(() -> frames.get() > 2, 30);

            final Installation.Outcome list = tw.tickwire(60, "runs", "list", "--server", url);
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(JSON.readTree(list.out()).get(0).get("state").asText()).isEqualTo("RUNNING");

            // /metrics: promtool finds nothing to say, and the engine's figures are there.
            final String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            final Installation.Outcome promtool = Installation.run(List.of(
                Installation.tool("promtool", "prometheus"), "check", "metrics"), tmp, 60, Map.of(),
                metrics.getBytes(StandardCharsets.UTF_8));
            assertThat(promtool.code()).as(promtool.out() + promtool.err()).isZero();
            assertThat(promtool.out() + promtool.err()).as("promtool's complaints").isBlank();
            assertThat(metrics).contains("tickwire_ticks_closed_total{run=\"" + id + "\",simulation=\"checkout\"}")
                .contains("tickwire_service_latency_p99_seconds{run=\"" + id + "\",service=")
                .contains("tickwire_tick_close_latency_seconds_bucket")
                .contains("tickwire_journal_bytes_total")
                .contains("tickwire_ring_remaining_capacity")
                .contains("jvm_memory_used_bytes");

            assertThat(server.terminate(60)).as(server.err.toString()).isZero();
            assertThat(closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
            ws.abort();
            // One JSON line per lifecycle event, on stderr.
            assertThat(server.err.toString()).contains("\"formattedMessage\":\"stopping: ending runs")
                .contains("\"formattedMessage\":\"stopped\"")
                .contains("\"formattedMessage\":\"simulation " + id + " 'checkout' started")
                .contains("\"formattedMessage\":\"tw-worker-0 pinned to cpus 1\"")
                .contains("\"formattedMessage\":\"tw-io-");
            try (JournalReader reader = JournalReader.open(journal)) {
                assertThat(reader.ended()).isTrue();
                assertThat(reader.endReason()).isEqualTo(EndReason.STOPPED);
            }
        }

        // A restarted server replays that journal over REST, by its name in the journal directory.
        try (Installation.Running again = tw.start("serve", "--port", "0")) {
            final String url = again.awaitServing(60);
            final Installation.Outcome replay = tw.tickwire(60, "runs", "replay", "sim-1-checkout", "--server", url,
                "--speed", "max");
            assertThat(replay.code()).as(replay.err()).isZero();
            assertThat(JSON.readTree(replay.out()).get("replay").get("journal").asText()).endsWith("sim-1-checkout");
            final Installation.Outcome missing = tw.tickwire(60, "runs", "replay", "sim-9-nope", "--server", url);
            assertThat(missing.code()).isEqualTo(2);
            assertThat(missing.err()).contains("server answered 404: no journal sim-9-nope");
            assertThat(again.terminate(60)).isZero();
        }
    }

    @Test
    void shouldShipASystemdUnitThatSystemdAnalyzeVerifies() throws Exception {
        final String analyze = Installation.tool("systemd-analyze", "systemd");
        final Installation tw = Installation.unpack(tmp);
        final String unit = Files.readString(tw.home.resolve("systemd/tickwire.service"), StandardCharsets.UTF_8);
        assertThat(unit).contains("Restart=on-failure", "LimitNOFILE=", "LimitMEMLOCK=", "NoNewPrivileges=true",
            "ProtectSystem=strict", "StateDirectory=tickwire", "PrivateTmp=true", "ProtectHome=true",
            "CapabilityBoundingSet=\n", "KillSignal=SIGTERM", "TimeoutStopSec=");
        // As installed: /opt/tickwire is this installation, and the layout's CPUAffinity in a drop-in.
        final Path units = Files.createDirectories(tmp.resolve("units"));
        final Path service = units.resolve("tickwire.service");
        Files.writeString(service, unit.replace("/opt/tickwire", tw.home.toString())
            .replace("# CPU layout (from `tickwire doctor --layout`): CPUAffinity=0-1", "CPUAffinity=0-1"));
        final Installation.Outcome verify = Installation.run(List.of(analyze, "verify", service.toString()), tmp, 60,
            Map.of());
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.err()).as("systemd-analyze's complaints about the unit").doesNotContain("tickwire.service:");
    }

    static void awaitTrue(final java.util.function.BooleanSupplier condition, final long timeoutS)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in " + timeoutS + " s");
            }
            Thread.sleep(20);
        }
    }
}
