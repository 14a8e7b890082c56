package io.tickwire.cli;

import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SeriesRegistry;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.FeedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.StringWriter;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Prometheus scraping a real node exporter, both on 127.0.0.1, remote-writing to {@code tickwire observe}:
 * the host's CPU (a counter: its increases) and memory (gauges) appear as series of the node exporter's source in the
 * ticks, journaled, and the journal verifies as consistent.
 */
@Timeout(180)
class PrometheusIngestTest {
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(120);

    @TempDir
    Path tmp;

    @Test
    void shouldTurnTheHostsCpuAndMemoryFromPrometheusIntoTicks() throws Exception {
        final Path prometheus = ExternalTools.prometheus();
        final Path nodeExporter = ExternalTools.nodeExporter();
        final Path config = tmp.resolve("observe.yaml");
        Files.writeString(config, "name: host\ntick: 500ms\nlateness: 3s\n");
        final Path journal = tmp.resolve("journal");

        final CompletableFuture<FeedServer> serving = new CompletableFuture<>();
        final CommandLine cmd = TickwireCli.commandLine();
        final StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        final ObserveCommand observe = cmd.getSubcommands().get("observe").getCommand();
        observe.onServing = serving::complete;
        final CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cmd.execute("observe", config.toString(),
            "--port", "0", "--journal", journal.toString()));

        final List<Process> processes = new ArrayList<>();
        try {
            CompletableFuture.anyOf(serving, exit).get(60, TimeUnit.SECONDS);
            assertThat(serving).as("observe serving; it said: %s", err).isDone();
            final FeedServer server = serving.get();
            final int nodePort = freePort();
            final int promPort = freePort();
            processes.add(start(tmp.resolve("node.log"), nodeExporter.toString(),
                "--web.listen-address=127.0.0.1:" + nodePort, "--collector.disable-defaults", "--collector.cpu",
                "--collector.meminfo"));
            final Path promConfig = tmp.resolve("prometheus.yml");
            Files.writeString(promConfig, """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                scrape_configs:
                  - job_name: node
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                remote_write:
                  - url: http://127.0.0.1:%d/api/v1/write
                    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
                    metadata_config: {send: true, send_interval: 5s}
                    write_relabel_configs:
                      - source_labels: [__name__]
                        regex: 'node_cpu_seconds_total|node_memory_(MemTotal|MemAvailable)_bytes'
                        action: keep
                """.formatted(nodePort, server.port()));
            processes.add(start(tmp.resolve("prometheus.log"), prometheus.toString(),
                "--config.file=" + promConfig, "--storage.tsdb.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + promPort));

            final Observation obs = server.registry().observations().get(0);
            final String source = "127.0.0.1:" + nodePort;
            final long deadline = System.nanoTime() + WAIT_NS;
            long seenAt = -1;
            while (System.nanoTime() - deadline < 0) {
                if (seenAt < 0 && has(obs, source, "node_cpu_seconds_total")
                    && has(obs, source, "node_memory_MemAvailable_bytes")) {
                    seenAt = obs.ticksClosed();
                }
                // Ten more ticks (5 s, 5 scrapes) after both appear, so that the CPU counter has increased.
                if (seenAt >= 0 && obs.ticksClosed() >= seenAt + 10) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(seenAt).as("the node exporter's series reached the run; prometheus log:\n%s",
                tail(tmp.resolve("prometheus.log"))).isGreaterThanOrEqualTo(0);
            obs.stop();
            assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
        } finally {
            for (final Process p : processes) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }

        double cpuIncrease = 0;
        double memAvailable = Double.NaN;
        long cpuRows = 0;
        try (JournalReader reader = JournalReader.open(journal)) {
            final CatalogInfo catalog = CatalogInfo.decode(reader.catalog(), reader.series());
            final double[] found = {0, Double.NaN, 0};
            final MessageHeaderDecoder h = new MessageHeaderDecoder();
            final TickSummaryDecoder d = new TickSummaryDecoder();
            while (reader.next((buffer, offset, length, tick) -> {
                h.wrap(buffer, offset);
                d.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
                for (final TickSummaryDecoder.ServicesDecoder s : d.services()) {
                    final String name = catalog.name(s.serviceId());
                    if (name.contains("/node_cpu_seconds_total{") && name.contains("mode=\"idle\"")) {
                        assertThat(catalog.kind(s.serviceId())).isEqualTo(MetricKind.COUNTER);
                        found[0] += s.valueSum();
                        found[2]++;
                    } else if (name.contains("/node_memory_MemAvailable_bytes")) {
                        assertThat(catalog.kind(s.serviceId())).isEqualTo(MetricKind.GAUGE);
                        found[1] = s.value();
                    }
                    s.skipHistogram();
                }
            })) {
                cpuIncrease = found[0];
                memAvailable = found[1];
                cpuRows = (long)found[2];
            }
        }
        assertThat(cpuRows).as("ticks holding the idle CPU counter").isPositive();
        assertThat(cpuIncrease).as("idle CPU seconds counted up while observed").isPositive();
        assertThat(memAvailable).as("available memory, bytes").isGreaterThan(1e6);

        final StringWriter out = new StringWriter();
        final CommandLine verify = TickwireCli.commandLine();
        verify.setOut(new PrintWriter(out, true));
        assertThat(verify.execute("verify", journal.toString())).as(out.toString()).isZero();
        assertThat(out.toString()).startsWith("consistent: ");
    }

    private static boolean has(final Observation obs, final String source, final String metric) {
        for (final SeriesRegistry.Row row : obs.registry().rows()) {
            if (row.source.equals(source) && row.metric.equals(metric)) {
                return true;
            }
        }
        return false;
    }

    private Process start(final Path log, final String... command) throws IOException {
        return new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(final Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(none)";
        }
        final List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
