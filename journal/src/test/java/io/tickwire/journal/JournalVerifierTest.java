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

    private static Outcome verify(final long seed, final long ticks, final int workers) throws Exception {
        final AtomicInteger stops = new AtomicInteger();
        final JournalVerifier verifier;
        try (Simulation sim = Simulation.create(DiagramLoader.parse(SimulatedJournals.TWO_SYSTEMS),
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
