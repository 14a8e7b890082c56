package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.journal.test.SmallFilesystem;
import io.tickwire.sbe.EndReason;
import io.tickwire.transport.test.FeedTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.get;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A served run whose journal's disk fills ends with {@code SimulationEnd} reason DISK_FULL on its feed, while the
 * server and its other runs carry on. The server runs in a user and mount namespace over a 24 MiB tmpfs.
 */
@Timeout(120)
class ServedDiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void shouldEndAServedRunWithDiskFullAndCarryOn() throws Exception {
        final List<String> java = new ArrayList<>(SmallFilesystem.javaCommand(DiskFullServer.class.getName()));
        java.add("JOURNALS");
        java.add(String.valueOf(6L << 20));
        final String script = "exec " + SmallFilesystem.shell(java).replace("'JOURNALS'", "\"$SMALL_FS\"") + "\n";
        final String checkout = Files.readString(Path.of("../examples/checkout.yaml"));
        final CompletableFuture<Integer> port = new CompletableFuture<>();
        final AtomicReference<Process> server = new AtomicReference<>();
        final CompletableFuture<SmallFilesystem.Outcome> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                return SmallFilesystem.run(tmp.resolve("small"), 24, script, Map.of(), tmp, 110, process -> {
                    server.set(process);
                    new Thread(() -> {
                        try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = out.readLine()) != null; ) {
                                if (line.startsWith("port=")) {
                                    port.complete(Integer.parseInt(line.substring("port=".length())));
                                }
                            }
                            port.completeExceptionally(new IllegalStateException("the server printed no port"));
                        } catch (final Exception ex) {
                            port.completeExceptionally(ex);
                        }
                    }).start();
                });
            } catch (final Exception ex) {
                port.completeExceptionally(ex);
                throw new IllegalStateException(ex);
            }
        });
        try {
            final int p = port.get(60, TimeUnit.SECONDS);
            final HttpResponse<String> launched = send(p, "POST", "/simulations?speed=max", checkout);
            assertThat(launched.statusCode()).as(launched.body()).isEqualTo(201);
            final long id = json(launched).path("id").asLong();
            try (FeedTestClient client = FeedTestClient.connect(p, "")) {
                client.subscribe(1, id, 0, io.tickwire.sbe.ConflationPolicy.CONFLATE, "");
                EndReason reason = null;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (reason == null && System.nanoTime() < deadline) {
                    final byte[] message = client.next(1_000);
                    if (message != null && FeedWire.messageOf(message) == FeedMessage.SIMULATION_END) {
                        reason = FeedWire.readEnd(message).reason();
                    }
                }
                assertThat(reason).isEqualTo(EndReason.DISK_FULL);
            }
            final JsonNode run = json(get(p, "/simulations/" + id));
            assertThat(run.path("endReason").asText()).isEqualTo("DISK_FULL");
            assertThat(run.path("ticksClosed").asLong()).isGreaterThan(100);

            // The server and its other run carry on.
            assertThat(get(p, "/health").statusCode()).isEqualTo(200);
            final long before = json(get(p, "/simulations/1")).path("ticksClosed").asLong();
            await("the other run goes on", 10_000, () -> {
                try {
                    final JsonNode other = json(get(p, "/simulations/1"));
                    return "RUNNING".equals(other.path("state").asText())
                        && other.path("ticksClosed").asLong() > before;
                } catch (final Exception ex) {
                    return false;
                }
            });
        } finally {
            final Process process = server.get();
            if (process != null) {
                process.getOutputStream().close(); // the server's stdin: it closes and exits
            }
        }
        final SmallFilesystem.Outcome done = outcome.get(60, TimeUnit.SECONDS);
        assertThat(done.code()).as(done.err()).isZero();
        assertThat(done.err()).doesNotContain("InternalError", "SIGBUS");
    }
}
