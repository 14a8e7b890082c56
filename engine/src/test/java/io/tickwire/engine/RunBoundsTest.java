package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.test.TickCollector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run never takes the process down: one whose pending requests would pass its bound ends as OVERLOADED at the last
 * complete tick, and a stop does not wait for a huge tick to finish. With one worker and with two (whose barriers a
 * worker that gave up no longer comes to).
 */
@Timeout(120)
class RunBoundsTest {
    /** ρ = 2 with an unbounded queue: the requests in flight grow by 1000 a simulated second, for ever. */
    private static final String OVERLOADED = """
        name: overloaded
        tick: 10ms
        services:
          - name: front
            latency: {mean: 100us}
            calls: [{to: back, delay: 1ms}]
          - name: back
            latency: {mean: 1ms}
        load:
          - {target: front, rate: 2000/s}
        """;

    /**
     * Two cheap ticks, then ticks of 5e7 visits each (a rejection each: no memory grows), and a call that makes two
     * partitions (two workers meet at a barrier every millisecond).
     */
    private static final String HUGE_TICKS = """
        name: huge
        tick: 1s
        services:
          - name: front
            queue: 0
            latency: {mean: 1ms}
            calls: [{to: back, delay: 1ms, probability: 0.001}]
          - name: back
            queue: 0
            latency: {mean: 1ms}
        load:
          - {target: front, rate: 100/s, schedule: [{at: 2s, step: 5e7/s}]}
        """;

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void shouldEndAnOverloadedRunAtItsBoundInsteadOfExhaustingTheHeap(final int workers) throws Exception {
        final TickCollector ticks = new TickCollector();
        try (Simulation sim = Simulation.create(diagram(OVERLOADED), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).workers(workers).seed(3).maxPendingEvents(50_000))) {
            assertThat(sim.partitions()).isEqualTo(2);
            sim.addListener(ticks).start();
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).as("ended").isTrue();
            assertThat(sim.endReason()).isEqualTo(TickListener.EndReason.OVERLOADED);
            assertThat(sim.state()).isEqualTo(Simulation.State.ENDED);
            assertThat(sim.failure()).isNull();
        }
        assertThat(ticks.reason).isEqualTo(TickListener.EndReason.OVERLOADED);
        assertThat(ticks.violation).isNull();
        // About 50k requests in flight at 1000 more a second: some 40 simulated seconds of complete ticks.
        assertThat(ticks.lastTick).isEqualTo(ticks.ticks.size() - 1).isGreaterThan(100);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void shouldGiveUpAHugeTickWhenStopped(final int workers) throws Exception {
        final TickCollector ticks = new TickCollector();
        try (Simulation sim = Simulation.create(diagram(HUGE_TICKS), new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).workers(workers).seed(3).stopGraceMs(100))) {
            sim.addListener(ticks).start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sim.ticksClosed() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(sim.ticksClosed()).isEqualTo(2);
            sim.stop();
            // A tick of 5e7 visits takes this machine many seconds; the stop gives it up after its grace.
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).as("ended").isTrue();
            assertThat(sim.visits()).isLessThan(50_000_000L);
            assertThat(sim.endReason()).isEqualTo(TickListener.EndReason.STOPPED);
            assertThat(sim.failure()).isNull();
        }
        assertThat(ticks.reason).isEqualTo(TickListener.EndReason.STOPPED);
        assertThat(ticks.violation).isNull();
        assertThat(ticks.lastTick).isEqualTo(1);
        assertThat(ticks.ticks).hasSize(2);
    }

    private static Diagram diagram(final String yaml) throws Exception {
        return DiagramLoader.parse(yaml);
    }
}
