package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class RunLauncherTest {
    @TempDir
    Path tmp;

    @Test
    void shouldAttachJournalFeedAndEveryListenerOfTheContextAndLeaveTheCallersContextAlone() throws Exception {
        final Counting[] made = new Counting[2];
        final AtomicInteger factoryCalls = new AtomicInteger();
        final RunLauncher launcher = new RunLauncher(new RunLauncher.Context()
            .listener(sim -> made[factoryCalls.getAndIncrement()] = new Counting(sim.id()))
            .listener(sim -> made[factoryCalls.getAndIncrement()] = new Counting(sim.id())));
        final Simulation.Context callers = new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(20);
        final Path journal = tmp.resolve("j");

        final RunLauncher.Run run;
        try (RunLauncher.Run r = launcher.launch(DiagramLoader.parse(TWO_SERVICES), callers, 7, journal)) {
            run = r;
            assertThat(r.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(r.id()).isEqualTo(7);
            assertThat(r.simulation().id()).isEqualTo(7);
            assertThat(r.journalDir()).isEqualTo(journal);
            assertThat(r.feed()).isNotNull();
            assertThat(r.feed().simulationId()).isEqualTo(7);
            assertThat(r.feed().lastSequence()).isEqualTo(19);
        }
        assertThat(callers.simulationId()).as("the caller's context").isEqualTo(1);
        assertThat(run.released()).isTrue();
        assertThat(factoryCalls.get()).isEqualTo(2);
        for (final Counting listener : made) {
            assertThat(listener.simulationId).isEqualTo(7);
            assertThat(listener.catalogs).isEqualTo(1);
            assertThat(listener.ticks).isEqualTo(20);
            assertThat(listener.end).isEqualTo(TickListener.EndReason.COMPLETED);
            assertThat(listener.closed).as("closed with the run").isTrue();
        }
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.simulationId()).isEqualTo(7);
            assertThat(reader.lastTick()).isEqualTo(19);
            assertThat(reader.ended()).isTrue();
        }
    }

    @Test
    void shouldAttachTheServersRunListenersToRunsLaunchedOverRest() throws Exception {
        final List<Counting> made = new CopyOnWriteArrayList<>();
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0).runListener(sim -> {
            final Counting listener = new Counting(sim.id());
            made.add(listener);
            return listener;
        }))) {
            final HttpResponse<String> launched = TestSupport.send(server.port(), "POST",
                "/simulations?speed=max&ticks=10", TWO_SERVICES);
            assertThat(launched.statusCode()).as(launched.body()).isEqualTo(201);
            TestSupport.await("the listener to see the end", 10_000, () -> made.size() == 1 && made.get(0).end != null);
            assertThat(made.get(0).simulationId).isEqualTo(TestSupport.json(launched).get("id").asLong());
            assertThat(made.get(0).ticks).isEqualTo(10);
        }
    }

    @Test
    void shouldRunWithoutFeedOrJournal() throws Exception {
        final RunLauncher launcher = new RunLauncher(new RunLauncher.Context().feed(false));
        try (RunLauncher.Run run = launcher.launch(DiagramLoader.parse(TWO_SERVICES),
            new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(5), 1, null)) {
            assertThat(run.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(run.feed()).isNull();
            assertThat(run.journalDir()).isNull();
            assertThat(run.simulation().ticksClosed()).isEqualTo(5);
        }
    }

    @Test
    void shouldStartNothingWhenTheJournalCannotBeCreated() throws Exception {
        final Path file = Files.writeString(tmp.resolve("file"), "x");
        final AtomicInteger made = new AtomicInteger();
        final RunLauncher launcher = new RunLauncher(new RunLauncher.Context().listener(sim -> {
            made.incrementAndGet();
            return new Counting(sim.id());
        }));

        assertThatThrownBy(() -> launcher.launch(DiagramLoader.parse(TWO_SERVICES), new Simulation.Context(), 1, file))
            .isInstanceOf(java.io.IOException.class);
        assertThat(made.get()).isZero();
    }

    @Test
    void shouldRefuseABadContext() {
        assertThatThrownBy(() -> new RunLauncher(new RunLauncher.Context().feedTailTicks(3)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feedTailTicks");
        assertThatThrownBy(() -> new RunLauncher(new RunLauncher.Context().journalRollCycle("NOT_A_CYCLE")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown roll cycle");
    }

    /** Counts what it is given; closeable, to show the run closes its listeners. */
    private static final class Counting implements TickListener, AutoCloseable {
        final long simulationId;
        volatile int catalogs;
        volatile int ticks;
        volatile EndReason end;
        volatile boolean closed;

        Counting(final long simulationId) {
            this.simulationId = simulationId;
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            catalogs++;
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                           final boolean endOfBatch) {
            ticks++;
        }

        @Override
        public void onEnd(final long lastTick, final EndReason reason) {
            end = reason;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
