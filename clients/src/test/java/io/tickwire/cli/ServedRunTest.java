package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.client.Subscription;
import io.tickwire.journal.format.TickFormatter;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.transport.FeedServer;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tickwire run} serving on an ephemeral port, read by the Java feed client from the first tick to the end. */
@Timeout(60)
class ServedRunTest {
    private static final Pattern FEED_LINE = Pattern.compile("^feed: +(ws://127\\.0\\.0\\.1:(\\d+)/feed)$");
    private static final Subscription FROM_TICK_0 = Subscription.to(0).fromSequence(0);
    private static final long RETRY_MS = 20;
    private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "served-run-test-retry");
        t.setDaemon(true);
        return t;
    });

    @TempDir
    Path tmp;

    @Test
    void shouldServeTheCatalogThenEveryTickAsJson() throws Exception {
        final Recorder recorder = new Recorder();
        final FeedClient[] client = new FeedClient[1];
        final String[] announced = new String[1];
        final CommandLine cmd = new CommandLine(new TickwireCli());
        final RunCommand run = cmd.getSubcommands().get("run").getCommand();
        run.onServing = server -> {
            try {
                // Before the launch: the server answers "no simulation" until there is one, and the recorder asks
                // again (paced: the server closes a connection that sends more than 100 requests a second). From
                // tick 0: however late the subscription lands, the journal has the ticks it missed.
                client[0] = FeedClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/feed"), recorder);
                recorder.client = client[0];
                client[0].subscribe(FROM_TICK_0);
            } catch (final Exception ex) {
                throw new IllegalStateException(ex);
            }
        };

        final Cli.Result result = Cli.execute(cmd, line -> {
            final Matcher m = FEED_LINE.matcher(line);
            if (m.matches()) {
                announced[0] = m.group(1);
            }
        }, "run", "../examples/checkout.yaml", "--speed", "20", "--ticks", "200", "--port", "0",
            "--journal", tmp.resolve("j").toString());
        try {
            assertThat(result.code()).as(result.err()).isZero();
            assertThat(announced[0]).as(result.err()).isNotNull();
            assertThat(result.err()).contains("dashboard: http://127.0.0.1:");
            assertThat(recorder.ended.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (client[0] != null) {
                client[0].close();
            }
        }

        assertThat(recorder.failure).isNull();
        assertThat(recorder.events.get(0)).isEqualTo("catalog");
        assertThat(recorder.lines).hasSize(200);
        assertThat(recorder.events).hasSize(1 + 200 + 1).last().isEqualTo("end 199");
        assertThat(client[0].gaps()).isZero();
        final ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < recorder.lines.size(); i++) {
            final JsonNode tick = mapper.readTree(recorder.lines.get(i));
            assertThat(tick.get("tick").asLong()).isEqualTo(i);
            assertThat(tick.get("simTimeNs").asLong()).isEqualTo((i + 1) * 50_000_000L);
            assertThat(tick.get("services")).hasSize(8); // checkout: 6 services and 2 databases
            assertThat(tick.get("services").get(0).get("name").asText()).isEqualTo("gateway");
            assertThat(tick.get("services").get(4).get("name").asText()).isEqualTo("payments");
        }
        final JsonNode last = mapper.readTree(recorder.lines.get(199));
        assertThat(last.get("services").get(0).get("servers").asInt()).isEqualTo(16);
        assertThat(last.get("services").get(0).get("p99Ms").isNumber()).isTrue();
    }

    /** Formats every tick as tail does; re-subscribes while the server has no simulation yet. */
    private static final class Recorder implements FeedListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final TickFormatter formatter = new TickFormatter();
        volatile FeedClient client;
        volatile Throwable failure;

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            events.add("catalog");
            formatter.catalog(buffer, offset, length);
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            events.add("tick " + tick);
            try {
                lines.add(formatter.format(buffer, offset, length));
            } catch (final RuntimeException ex) {
                failure = ex;
            }
        }

        @Override
        public void onError(final long requestId, final int code, final String text) {
            if (code != ErrorCode.UNKNOWN_SIMULATION.value()) {
                failure = new AssertionError("server error " + code + ": " + text);
            } else if (client != null) {
                // Until the launch registers the run.
                RETRY.schedule(() -> client.subscribe(FROM_TICK_0), RETRY_MS, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void onEnd(final long simulationId, final long lastSequence) {
            events.add("end " + lastSequence);
            ended.countDown();
        }
    }
}
