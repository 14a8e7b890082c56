package io.tickwire.journal;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.test.SimulatedJournals;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A journal against re-simulations of it: the same one, with another seed, and a longer one. */
@Timeout(60)
class JournalVerifierTest {
    private static final long TICKS = 300;
    private static final long SEED = 8;

    @TempDir
    static Path dir;
    private static Path journal;

    @BeforeAll
    static void journalARun() throws Exception {
        journal = dir.resolve("two-systems");
        SimulatedJournals.run(journal, SimulatedJournals.TWO_SYSTEMS, SEED, TICKS, 2);
    }

    @Test
    void shouldFindTheJournalIdenticalToItsReSimulationWithAnyNumberOfWorkers() throws Exception {
        for (final int workers : new int[] {1, 2}) {
            final Outcome outcome = verify(SEED, TICKS, workers);
            assertThat(outcome.verifier.difference()).as("workers %d", workers).isNull();
            assertThat(outcome.verifier.catalogDifference()).isNull();
            assertThat(outcome.verifier.failure()).isNull();
            assertThat(outcome.verifier.ticksCompared()).isEqualTo(TICKS);
            assertThat(outcome.verifier.ended()).isTrue();
            assertThat(outcome.stops).hasValue(0);
        }
    }

    @Test
    void shouldNameTheFirstDifferingTickAndFieldOfAnotherSeed() throws Exception {
        final Outcome outcome = verify(SEED + 1, TICKS, 1);
        assertThat(outcome.verifier.difference())
            .matches("differs at tick \\d+: (services|entries)\\[[a-z-]+]\\.[A-Za-z0-9]+(\\[\\d+])? "
                + "journal=\\S+ simulated=\\S+");
        assertThat(outcome.verifier.catalogDifference())
            .isEqualTo("differs at catalog: seed journal=" + SEED + " simulated=" + (SEED + 1));
        assertThat(outcome.stops).hasValue(1);
        // Stopped at the difference, not run to the end.
        assertThat(outcome.verifier.ticksCompared()).isLessThan(TICKS);
    }

    @Test
    void shouldSayWhereAJournalShorterThanItsReSimulationEnds() throws Exception {
        final Outcome outcome = verify(SEED, TICKS + 5, 1);
        assertThat(outcome.verifier.difference())
            .isEqualTo("differs at tick " + TICKS + ": the journal ends at tick " + (TICKS - 1));
        assertThat(outcome.verifier.ticksCompared()).isEqualTo(TICKS);
    }

    @Test
    void shouldVerifyAJournalWithReplicaEventsBetweenItsTicks() throws Exception {
        // Crashes, detections and replacements: the journal holds ReplicaEvents after the ticks they happened in.
        final String crashing = SimulatedJournals.TWO_SYSTEMS.replace("    replicas: 2\n",
            "    replicas: 2\n    balancer: round-robin\n    startup: 100ms\n    failures: { mtbf: 500ms }\n"
                + "    health: { interval: 50ms, timeout: 10ms, unhealthyThreshold: 2 }\n");
        assertThat(crashing).contains("failures");
        final Path withEvents = dir.resolve("with-events");
        SimulatedJournals.run(withEvents, crashing, SEED, TICKS, 2);
        int events = 0;
        try (net.openhft.chronicle.queue.ChronicleQueue queue = net.openhft.chronicle.queue.ChronicleQueue
            .singleBuilder(withEvents.resolve(JournalLayout.QUEUE_DIR)).readOnly(true).build();
             net.openhft.chronicle.queue.ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (net.openhft.chronicle.wire.DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    final int template = dc.wire().bytes().readUnsignedShort(dc.wire().bytes().readPosition() + 2);
                    events += template == io.tickwire.sbe.ReplicaEventDecoder.TEMPLATE_ID ? 1 : 0;
                }
            }
        }
        assertThat(events).isGreaterThan(10);
        for (final int workers : new int[] {1, 2}) {
            final Outcome outcome = verify(withEvents, crashing, SEED, TICKS, workers);
            assertThat(outcome.verifier.difference()).as("workers %d", workers).isNull();
            assertThat(outcome.verifier.catalogDifference()).isNull();
            assertThat(outcome.verifier.ticksCompared()).isEqualTo(TICKS);
        }
    }

    private static Outcome verify(final long seed, final long ticks, final int workers) throws Exception {
        return verify(journal, SimulatedJournals.TWO_SYSTEMS, seed, ticks, workers);
    }

    private static Outcome verify(final Path journal, final String yaml, final long seed, final long ticks,
                                  final int workers) throws Exception {
        final AtomicInteger stops = new AtomicInteger();
        final JournalVerifier verifier;
        try (Simulation sim = Simulation.create(DiagramLoader.parse(yaml),
            new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(ticks).seed(seed).workers(workers)
                .simulationId(5))) {
            verifier = new JournalVerifier(journal, () -> {
                stops.incrementAndGet();
                sim.stop();
            });
            sim.addListener(verifier).start();
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        return new Outcome(verifier, stops);
    }

    private record Outcome(JournalVerifier verifier, AtomicInteger stops) {
    }
}
