package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.client.Subscription;
import io.tickwire.journal.JournalReader;
import io.tickwire.transport.JournalPlayer;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code tickwire replay}: the "must show". A 60 s journal (1,200 ticks of 50 ms, made by a real
 * {@code run}) replayed at {@code --speed 10} takes 6 s of wall time from its first tick to its end, and both the Java
 * client and {@code tail} get every tick, with the journal's sequence numbers and (the Java client) bytes.
 */
@Timeout(180)
class ReplayCommandTest {
    private static final int TICKS = 1_200;
    /** Tick 1199 starts 1199 × 50 ms after tick 0: at speed 10 it is published 5.995 s after it. */
    private static final double EXPECTED_S = (TICKS - 1) * 0.050 / 10;

    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldReplayASixtySecondJournalAtSpeedTenInSixSecondsWithEveryTickAsJournaled() throws Exception {
        final Path journal = tmp.resolve("checkout");
        final Cli.Result run = Cli.execute("run", "../examples/checkout.yaml", "--speed", "max", "--ticks",
            String.valueOf(TICKS), "--journal", journal.toString(), "--no-serve");
        assertThat(run.code()).as(run.err()).isZero();
        final List<byte[]> journaled = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            while (reader.next((buffer, offset, length, tick) -> {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                journaled.add(bytes);
            })) {
                assertThat(journaled).isNotEmpty();
            }
        }
        assertThat(journaled).hasSize(TICKS);

        final Recorder recorder = new Recorder();
        final AtomicReference<FeedClient> client = new AtomicReference<>();
        final CompletableFuture<Cli.Result> tail = new CompletableFuture<>();
        final CommandLine cmd = new CommandLine(new TickwireCli());
        final ReplayCommand replay = cmd.getSubcommands().get("replay").getCommand();
        replay.onServing = (server, player) -> {
            // Paused until both readers are subscribed from tick 0, so that the measure starts at its publication.
            try {
                final String url = "ws://127.0.0.1:" + server.port() + "/feed";
                client.set(FeedClient.connect(URI.create(url), recorder));
                client.get().subscribe(Subscription.to(player.simulationId()).fromSequence(0))
                    .get(10, TimeUnit.SECONDS);
                final Thread tailing = new Thread(() -> tail.complete(Cli.execute("tail", url, "--sim",
                    String.valueOf(player.simulationId()), "--from-seq", "0")), "tail");
                tailing.start();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (player.broadcaster().subscriberCount() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(player.broadcaster().subscriberCount()).isEqualTo(2);
                player.resume();
            } catch (final Exception ex) {
                throw new IllegalStateException(ex);
            }
        };
        final Cli.Result result;
        try {
            result = Cli.execute(cmd, "replay", journal.toString(), "--speed", "10", "--port", "0", "--paused");
            assertThat(result.code()).as(result.err()).isZero();
            assertThat(recorder.ended.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (client.get() != null) {
                client.get().close();
            }
        }

        // Pacing: first tick to SimulationEnd, as the client saw them, is the journal's 59.95 s / 10.
        final double seconds = (recorder.endNanos.get() - recorder.firstTickNanos.get()) / 1e9;
        assertThat(seconds).as("wall time from the first tick to the end").isCloseTo(EXPECTED_S,
            within(EXPECTED_S * 0.05));
        assertThat(recorder.endSequence.get()).isEqualTo(TICKS - 1);
        assertThat(recorder.ticks).hasSize(TICKS);
        for (int i = 0; i < TICKS; i++) {
            assertThat(recorder.ticks.get(i)).as("tick %d as journaled", i).isEqualTo(journaled.get(i));
        }
        assertThat(result.err()).contains("done:      replay ended at tick 1199");

        final Cli.Result tailed = tail.get(20, TimeUnit.SECONDS);
        assertThat(tailed.code()).as(tailed.err()).isZero();
        final String[] lines = tailed.out().split("\n");
        assertThat(lines).hasSize(TICKS);
        for (int i = 0; i < TICKS; i++) {
            final JsonNode tick = mapper.readTree(lines[i]);
            assertThat(tick.get("tick").asLong()).isEqualTo(i);
        }
        System.out.printf("replay of %d ticks of 50 ms at speed 10: %.3f s from the first tick to the end "
            + "(%.3f s expected)%n", TICKS, seconds, EXPECTED_S);
    }

    @Test
    void shouldRefuseARangeOutsideTheJournal() throws Exception {
        final Path journal = tmp.resolve("short");
        assertThat(Cli.execute("run", "../examples/mm1.yaml", "--speed", "max", "--ticks", "100", "--journal",
            journal.toString(), "--no-serve").code()).isZero();
        final Cli.Result late = Cli.execute("replay", journal.toString(), "--from-tick", "100", "--port", "0");
        assertThat(late.code()).isEqualTo(2);
        assertThat(late.errLines()).containsExactly("tickwire: --from-tick 100 is not in the journal (ticks 0 to 99)");
        final Cli.Result empty = Cli.execute("replay", journal.toString(), "--from-time", "3s", "--to-time", "2s",
            "--port", "0");
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.errLines()).containsExactly("tickwire: the range is empty: it ends (tick 39) before it "
            + "starts (tick 60)");
        final Cli.Result none = Cli.execute("replay", tmp.resolve("nothing").toString(), "--port", "0");
        assertThat(none.code()).isEqualTo(2);
    }

    @Test
    void shouldReplayARangeAtSpeedMaxAndExit() throws Exception {
        final Path journal = tmp.resolve("mm1");
        assertThat(Cli.execute("run", "../examples/mm1.yaml", "--speed", "max", "--ticks", "500", "--journal",
            journal.toString(), "--no-serve").code()).isZero();
        final Cli.Result result = Cli.execute("replay", journal.toString(), "--from-time", "5s", "--to-tick", "299",
            "--speed", "max", "--port", "0");
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.err()).contains("ticks 100..299, speed max").contains("replay ended at tick 299");
    }

    /** Records what the client delivers, on its event loop. */
    private static final class Recorder implements FeedListener {
        final List<byte[]> ticks = new ArrayList<>();
        final AtomicLong firstTickNanos = new AtomicLong();
        final AtomicLong endNanos = new AtomicLong();
        final AtomicLong endSequence = new AtomicLong(-2);
        final CountDownLatch ended = new CountDownLatch(1);

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            if (ticks.isEmpty()) {
                firstTickNanos.set(System.nanoTime());
            }
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            ticks.add(bytes);
        }

        @Override
        public void onEnd(final long simulationId, final long lastSequence) {
            endNanos.set(System.nanoTime());
            endSequence.set(lastSequence);
            ended.countDown();
        }
    }
}
