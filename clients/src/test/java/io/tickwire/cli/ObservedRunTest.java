package io.tickwire.cli;

import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.client.Subscription;
import io.tickwire.journal.format.CsvExporter;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.CatalogUpdateDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.transport.FeedServer;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An observed run, fed JSON and line protocol by {@code tickwire observe}'s endpoints, is journaled, replayed over the
 * feed (the Java client gets its catalog, its rows described and every tick), exported, reported and verified like a
 * simulated one.
 */
@Timeout(120)
class ObservedRunTest {
    @TempDir
    Path tmp;

    @Test
    void shouldJournalReplayExportReportAndVerifyAnObservedRun() throws Exception {
        final Path config = tmp.resolve("shop.yaml");
        Files.writeString(config, """
            name: shop
            tick: 200ms
            lateness: 1s
            series:
              - {source: web-1, metric: up, kind: gauge}
            """);
        final Path journal = tmp.resolve("journal");
        final CompletableFuture<FeedServer> serving = new CompletableFuture<>();
        final CommandLine cmd = TickwireCli.commandLine();
        final ObserveCommand observe = cmd.getSubcommands().get("observe").getCommand();
        observe.onServing = serving::complete;
        final CompletableFuture<Cli.Result> exit = CompletableFuture.supplyAsync(() -> Cli.execute(cmd, "observe",
            config.toString(), "--port", "0", "--journal", journal.toString()));
        CompletableFuture.anyOf(serving, exit).get(60, TimeUnit.SECONDS);
        assertThat(serving).as("observe is serving: %s", exit.getNow(null)).isDone();
        final String base = "http://127.0.0.1:" + serving.get().port();
        final HttpClient http = HttpClient.newHttpClient();
        for (int i = 1; i <= 5; i++) {
            final HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("[{\"source\":\"web-1\",\"metric\":\"up\",\"value\":1},"
                    + "{\"source\":\"web-1\",\"metric\":\"requests_total\",\"value\":" + 100 * i + "},"
                    + "{\"source\":\"web-1\",\"metric\":\"checkout_latency_ms\",\"value\":" + (10 + i) + "}]"))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
            final HttpResponse<String> line = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/write"))
                .POST(HttpRequest.BodyPublishers.ofString("cpu,host=db-1,cpu=cpu0 usage_user=" + (20.5 + i)
                    + ",usage_idle=" + (70 - i) + "\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(line.statusCode()).as(line.body()).isEqualTo(204);
            Thread.sleep(150);
        }
        final long id = serving.get().registry().observations().get(0).id();
        final HttpResponse<String> stopped = http.send(HttpRequest.newBuilder(URI.create(base
            + "/observations/" + id + "/stop")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(stopped.statusCode()).isEqualTo(200);
        final Cli.Result observed = exit.get(60, TimeUnit.SECONDS);
        assertThat(observed.code()).as(observed.err()).isZero();

        final Cli.Result csv = Cli.execute("export", journal.toString(), "--format", "csv");
        assertThat(csv.code()).as(csv.err()).isZero();
        final List<String> rows = csv.out().lines().toList();
        assertThat(rows.get(0)).isEqualTo(CsvExporter.OBSERVED_HEADER);
        assertThat(rows).anySatisfy(r -> assertThat(r).contains(",web-1/requests_total,"))
            .anySatisfy(r -> assertThat(r).contains(",\"db-1/cpu_usage_user{cpu=\"\"cpu0\"\"}\","));
        final long latencies = rows.stream().filter(r -> r.contains(",web-1/checkout_latency_ms,"))
            .mapToLong(r -> Long.parseLong(r.split(",")[3])).sum();
        assertThat(latencies).as("every latency sample completed in a histogram").isEqualTo(5);

        final Cli.Result report = Cli.execute("report", journal.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertThat(report.out()).contains("series").containsPattern("web-1/requests_total +counter +5 +0 +500");
        assertThat(report.out()).containsPattern("web-1/checkout_latency_ms +5 +5 ");

        final Cli.Result verify = Cli.execute("verify", journal.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).startsWith("consistent: ");

        replayOverTheFeed(journal);
    }

    /** The journal replayed as a run of its own: the Java client gets the catalog, the rows described, every tick. */
    private static void replayOverTheFeed(final Path journal) throws Exception {
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0))) {
            final long id = server.registry().replay(journal, -1, -1, Double.POSITIVE_INFINITY, false).simulationId();
            final Set<String> names = ConcurrentHashMap.newKeySet();
            final Set<String> described = ConcurrentHashMap.newKeySet();
            final AtomicLong ticks = new AtomicLong();
            final CountDownLatch ended = new CountDownLatch(1);
            final FeedListener listener = new FeedListener() {
                @Override
                public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
                    final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
                    final CatalogDecoder c = new CatalogDecoder().wrap(buffer, offset + 8, h.blockLength(),
                        h.version());
                    for (final CatalogDecoder.ServicesDecoder s : c.services()) {
                        names.add(s.name());
                    }
                }

                @Override
                public void onCatalogUpdate(final long simulationId, final DirectBuffer buffer, final int offset,
                                            final int length) {
                    final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
                    final CatalogUpdateDecoder u = new CatalogUpdateDecoder().wrap(buffer, offset + 8,
                        h.blockLength(), h.version());
                    for (final CatalogUpdateDecoder.SeriesDecoder s : u.series()) {
                        described.add(s.name() + " " + s.kind());
                        s.skipSource();
                        s.skipMetric();
                        s.skipLabels();
                        s.skipUnit();
                    }
                }

                @Override
                public void onTick(final long simulationId, final long tick, final DirectBuffer buffer,
                                   final int offset, final int length) {
                    ticks.incrementAndGet();
                }

                @Override
                public void onEnd(final long simulationId, final long lastSequence) {
                    ended.countDown();
                }
            };
            try (FeedClient client = FeedClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/feed"),
                listener)) {
                client.subscribe(Subscription.to(id).fromSequence(0));
                assertThat(ended.await(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(names).contains("web-1/up", "web-1/requests_total", "db-1/cpu_usage_idle{cpu=\"cpu0\"}");
            assertThat(described).contains("web-1/requests_total COUNTER", "web-1/checkout_latency_ms LATENCY",
                "web-1/up GAUGE");
            final long journaled;
            try (io.tickwire.journal.JournalReader reader = io.tickwire.journal.JournalReader.open(journal)) {
                journaled = reader.lastTick() - reader.firstTick() + 1;
            }
            assertThat(ticks.get()).isEqualTo(journaled);
        }
    }
}
