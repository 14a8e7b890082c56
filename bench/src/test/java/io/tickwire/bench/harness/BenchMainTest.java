package io.tickwire.bench.harness;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code tickwire bench}'s options: the defaults, durations, and bad input refused (exit 2) before anything runs. */
class BenchMainTest {
    @Test
    void e2eDefaultsAreTheIssuesSettings() {
        final E2eHarness.Context ctx = BenchMain.e2e(Map.of(), new E2eHarness.Context());
        assertThat(ctx.tickRate).isEqualTo(100);
        assertThat(ctx.services).isEqualTo(100);
        assertThat(ctx.clients).isEqualTo(10);
        assertThat(ctx.durationMs).isEqualTo(30_000);
        assertThat(ctx.warmupMs).isEqualTo(5_000);
        assertThat(ctx.peer).isEqualTo("tickwire");
        assertThat(ctx.tickUs()).isEqualTo(10_000);
    }

    @Test
    void optionsAndDurations() {
        final E2eHarness.Context ctx = BenchMain.e2e(Map.of("tick-rate", "max", "clients", "7", "duration", "1.5s",
            "warmup", "250ms", "out", "/tmp/x", "peer", "node"), new E2eHarness.Context());
        assertThat(ctx.tickRate).isZero();
        assertThat(ctx.tickUs()).as("speed max runs 1 ms ticks").isEqualTo(1_000);
        assertThat(ctx.clients).isEqualTo(7);
        assertThat(ctx.durationMs).isEqualTo(1_500);
        assertThat(ctx.warmupMs).isEqualTo(250);
        assertThat(ctx.outDir).isEqualTo(Path.of("/tmp/x"));
        assertThat(ctx.name).isEqualTo("e2e-node");
        assertThat(BenchMain.millis("--duration", "2m")).isEqualTo(120_000);
        assertThat(BenchMain.millis("--duration", "3")).isEqualTo(3_000);
    }

    @Test
    void badInputIsRefusedWithTheOption() {
        assertThatThrownBy(() -> BenchMain.run(new String[] {"e2e", "--clients", "x"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--clients");
        assertThatThrownBy(() -> BenchMain.run(new String[] {"e2e", "--duration", "soon"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--duration");
        assertThatThrownBy(() -> BenchMain.run(new String[] {"e2e", "--colour", "red"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--colour");
        assertThatThrownBy(() -> BenchMain.run(new String[] {"latency"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latency");
        assertThatThrownBy(() -> BenchMain.run(new String[] {"e2e", "--tick-rate", "5000"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 1000");
        assertThatThrownBy(() -> BenchMain.run(new String[] {"e2e", "--peer", "go"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--peer");
    }

    @Test
    void theDiagramHasOneLoadPerService() {
        final String yaml = E2eHarness.diagram(3, 10_000);
        assertThat(yaml).contains("tick: 10000us").contains("name: s0").contains("name: s2")
            .contains("target: s2, rate: 100/s").doesNotContain("name: s3");
    }
}
