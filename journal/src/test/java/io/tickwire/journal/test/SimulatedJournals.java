package io.tickwire.journal.test;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournalWriter;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Journals of real simulations, for tests that need real ticks and histograms. Published in journal's test-jar for
 * the modules above it.
 */
public final class SimulatedJournals {
    /**
     * An operated system (two partitions): api autoscaled (hpa on utilisation, syncs every 5 s), and four faults, ids
     * 0 to 3: worker slowed x3 from 1 s to 3 s, batch failing half its requests from 2 s to 3 s, api and worker
     * partitioned (calls hang) from 4 s to 4.5 s, users' load doubled from 6 s to 8 s (a load on api).
     */
    public static final String OPERATED = """
        name: operated
        tick: 50ms
        seed: 7
        services:
          - {name: api, replicas: 2, concurrency: 2, latency: {mean: 8ms}, calls: [{to: worker, delay: 1ms}]}
          - {name: worker, replicas: 2, latency: {mean: 4ms}}
          - {name: batch, latency: {mean: 2ms}}
        load:
          - {name: users, target: api, rate: 400/s}
          - {target: batch, rate: 100/s}
        autoscale:
          - {service: api, minReplicas: 2, maxReplicas: 8, syncPeriod: 5s,
             metrics: [{metric: utilization, averageUtilization: 50}]}
        faults:
          - {kind: latency, service: worker, factor: 3, at: 1s, for: 2s}
          - {kind: errors, service: batch, rate: 0.5, at: 2s, for: 1s}
          - {kind: partition, between: [api, worker], mode: timeout, at: 4s, for: 500ms}
          - {kind: loadSpike, source: users, factor: 2, at: 6s, for: 2s}
        """;

    /**
     * Two independent systems (so two partitions, and 1 or 2 workers), with queues that fill, failures and a
     * self-call: every field of a tick is exercised.
     */
    public static final String TWO_SYSTEMS = """
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

    /** The first tick {@link #runRetained} keeps: ticks 700..999 of its 1,000. */
    public static final long RETAINED_FIRST_TICK = 700;

    private SimulatedJournals() {
    }

    /** Run {@code yaml} for {@code ticks} ticks at full speed, journaling into {@code dir}. */
    public static void run(final Path dir, final String yaml, final long seed, final long ticks, final int workers)
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

    /**
     * Append {@code bytes} as one more excerpt to the closed journal in {@code dir} (FAST_HOURLY, the default): the
     * garbage a writer that died, or a full disk, leaves at a journal's tail.
     */
    public static void appendExcerpt(final Path dir, final byte[] bytes) {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir.resolve("queue"))
            .rollCycle(net.openhft.chronicle.queue.RollCycles.FAST_HOURLY).build();
             ExcerptAppender appender = queue.createAppender();
             DocumentContext dc = appender.writingDocument()) {
            dc.wire().bytes().write(bytes);
        }
    }

    /**
     * Run {@code diagram} at full speed for 1,000 ticks, journaling into {@code dir} over ten MINUTELY roll cycles on
     * a clock that moves a minute every 100 ticks, keeping 3 minutes: once the run has ended, retention has deleted
     * minutes 0..6 and the journal holds ticks {@value #RETAINED_FIRST_TICK}..999.
     */
    public static void runRetained(final Path dir, final Diagram diagram, final long simulationId) throws Exception {
        final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(1_577_836_800_000L));
        final JournalWriter writer;
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context().simulationId(simulationId)
            .speed(Simulation.Context.SPEED_MAX).ticks(1_000))) {
            writer = JournalWriter.create(dir, diagram, sim.seed(), simulationId, new JournalWriter.Context()
                .rollCycle("MINUTELY").retention(JournalRetention.Policy.parse("3min")).timeProvider(time)
                .retentionCheckMs(5));
            sim.addListener(new TickListener() {
                @Override
                public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
                    writer.onCatalog(buffer, offset, length);
                }

                @Override
                public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                                   final boolean endOfBatch) {
                    writer.onTick(buffer, offset, length, tick, endOfBatch);
                    if (tick % 100 == 99) {
                        time.advanceMillis(60_000);
                    }
                }

                @Override
                public void onEnd(final long lastTick, final EndReason reason) {
                    // Retention stops at the end: let it catch up first (the deadline only guards against a hang;
                    // the callers' checks of the first tick then say what went wrong).
                    final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                    while (writer.firstTick() < RETAINED_FIRST_TICK && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(100_000);
                    }
                    writer.onEnd(lastTick, reason);
                }
            });
            sim.start();
            assertThat(sim.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        writer.close();
    }
}
