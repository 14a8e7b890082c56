package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.sbe.TickSummaryDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(120)
class SimulationTest {
    private static final String MM1 = """
        name: mm1
        tick: 50ms
        seed: 7
        services:
          - name: server
            latency: { distribution: exponential, mean: 1ms }
        load:
          - { target: server, rate: 800/s }
        """;

    @Test
    void shouldMatchMm1MeanResponseTime() throws Exception {
        final Diagram diagram = DiagramLoader.parse(MM1);
        final TickCollector collector = new TickCollector();
        final long ticks = 40_000; // 2000 s of simulated time, ~1.6 M requests
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(ticks))) {
            sim.addListener(collector);
            sim.start();
            assertThat(sim.awaitTermination(100, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
            assertThat(sim.state()).isEqualTo(Simulation.State.ENDED);
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)ticks);
        assertThat(collector.lastTick).isEqualTo(ticks - 1);
        assertThat(collector.reason).isEqualTo(TickListener.EndReason.COMPLETED);

        long completed = 0;
        long sum = 0;
        long arrivals = 0;
        for (int i = 0; i < collector.ticks.size(); i++) {
            final TickSummaryDecoder d = collector.decode(i);
            assertThat(d.tick()).isEqualTo(i);
            assertThat(d.simTimeNs()).isEqualTo((i + 1) * 50_000_000L);
            final TickSummaryDecoder.ServicesDecoder s = d.services();
            assertThat(s.count()).isEqualTo(1);
            s.next();
            completed += s.completed();
            sum += s.latencySumNs();
            arrivals += s.arrivals();
        }
        final double meanMs = sum / (double)completed / 1e6;
        assertThat(arrivals).isBetween(1_580_000L, 1_620_000L);
        assertThat(meanMs).isCloseTo(5.0, org.assertj.core.data.Percentage.withPercentage(3));
    }
}
