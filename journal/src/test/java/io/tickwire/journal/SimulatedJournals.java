package io.tickwire.journal;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Journals of real simulations, for tests that need real ticks and histograms. */
final class SimulatedJournals {
    /**
     * Two independent systems (so two partitions, and 1 or 2 workers), with queues that fill, failures and a
     * self-call: every field of a tick is exercised.
     */
    static final String TWO_SYSTEMS = """
        name: two-systems
        tick: 10ms
        services:
          - name: front
            replicas: 2
            concurrency: 2
            latency: { distribution: lognormal, mean: 2ms, sd: 1ms }
            queue: 8
            failureRate: 0.02
            calls:
              - { to: db, probability: 0.5 }
          - name: db
            concurrency: 2
            latency: { distribution: exponential, mean: 1ms }
          - name: batch
            latency: { distribution: exponential, mean: 1ms }
            calls: [ { to: batch, probability: 0.1, delay: 0 } ]
        load:
          - { target: front, rate: 1800/s }
          - { target: batch, rate: 600/s }
        """;

    private SimulatedJournals() {
    }

    /** Run {@code yaml} for {@code ticks} ticks at full speed, journaling into {@code dir}. */
    static void run(final Path dir, final String yaml, final long seed, final long ticks, final int workers)
        throws Exception {
        final JournalWriter writer;
        try (Simulation sim = Simulation.create(DiagramLoader.parse(yaml), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks).seed(seed).workers(workers).simulationId(5))) {
            writer = JournalWriter.create(dir, sim.diagram(), sim.seed(), sim.id());
            sim.addListener(writer).start();
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        writer.close();
        assertThat(writer.ticksWritten()).isEqualTo(ticks);
    }
}
