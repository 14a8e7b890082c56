package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.sim.KernelActionSource;
import io.tickwire.sbe.EditKind;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LaunchParametersTest {
    private static final Diagram TEN_MS_TICKS = tenMsTicks();

    @Test
    void shouldDefaultToSpeedOneOneWorkerUntilStopped() {
        final Simulation.Context ctx = new LaunchParameters().context(TEN_MS_TICKS);

        assertThat(ctx.speed()).isEqualTo(1.0);
        assertThat(ctx.workers()).isEqualTo(1);
        assertThat(ctx.ticks()).isEqualTo(-1);
        assertThat(ctx.seed()).isEqualTo(Diagram.NO_SEED);
    }

    @Test
    void shouldParseEveryParameter() throws Exception {
        final Simulation.Context ctx = new LaunchParameters().set("speed", "20x").set("duration", "95ms")
            .set("seed", "-9").set("workers", " 4 ").context(TEN_MS_TICKS);

        assertThat(ctx.speed()).isEqualTo(20.0);
        assertThat(ctx.ticks()).isEqualTo(10); // ceil(95 ms / 10 ms)
        assertThat(ctx.seed()).isEqualTo(-9);
        assertThat(ctx.workers()).isEqualTo(4);
        assertThat(new LaunchParameters().set("speed", "MAX").set("ticks", "7").context(TEN_MS_TICKS))
            .satisfies(c -> assertThat(c.speed()).isEqualTo(Simulation.Context.SPEED_MAX))
            .satisfies(c -> assertThat(c.ticks()).isEqualTo(7));
        assertThat(LaunchParameters.parseSpeed("2.5")).isEqualTo(2.5);
    }

    @Test
    void shouldNameTheParameterAndTheProblem() {
        assertProblem("speed", "fast", "must be a number > 0 or max, got 'fast'");
        assertProblem("speed", "0", "must be a number > 0 or max, got '0'");
        assertProblem("ticks", "0", "must be >= 1, got 0");
        assertProblem("workers", "-1", "must be >= 1, got -1");
        assertProblem("seed", "1.5", "must be an integer, got '1.5'");
        assertProblem("duration", "-3s", "must be > 0, got '-3s'");
        assertProblem("duration", "ten", "must be a duration: not a duration (say 250us, 5ms, 2s): 'ten'");
        assertProblem("colour", "blue", "unknown parameter (expected one of [duration, seed, speed, ticks, workers])");
        assertThatThrownBy(() -> new LaunchParameters().set("ticks", "5").set("duration", "1s"))
            .isInstanceOf(LaunchParameters.BadParameterException.class)
            .hasMessage("duration: give ticks or duration, not both");
    }

    /** A launcher copies the caller's context to set the id on its own: the copy must carry every setting. */
    @Test
    void shouldCopyEverySettingOfASimulationContext() throws Exception {
        final Simulation.Context original = new Simulation.Context();
        final EpochNanoClock clock = () -> 42;
        final KernelActionSource actions = (tick, into) -> { };
        final ThreadStartHook hook = name -> {
        };
        for (final Field f : Simulation.Context.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            final Class<?> type = f.getType();
            if (type == double.class) {
                f.setDouble(original, 7.5);
            } else if (type == long.class) {
                f.setLong(original, 12_345);
            } else if (type == int.class) {
                f.setInt(original, 64);
            } else if (type == boolean.class) {
                f.setBoolean(original, true);
            } else if (type == String.class) {
                f.set(original, "yielding");
            } else if (type == EpochNanoClock.class) {
                f.set(original, clock);
            } else if (type == KernelActionSource.class) {
                f.set(original, actions);
            } else if (type == ThreadStartHook.class) {
                f.set(original, hook);
            } else if (type == DiagramLimits.class) {
                f.set(original, DiagramLimits.DEFAULT.withMaxVisitsPerSecond(1000));
            } else if (type == List.class) {
                f.set(original, List.of(new Simulation.JournaledEdit(3, 1, EditKind.FAULT_END, "{\"id\": 0}")));
            } else {
                throw new AssertionError("a field of a type this test does not know: " + f);
            }
        }

        final Simulation.Context copy = original.copy();

        assertThat(copy).isNotSameAs(original);
        for (final Field f : Simulation.Context.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                assertThat(f.get(copy)).as(f.getName()).isEqualTo(f.get(original));
            }
        }
        copy.simulationId(99);
        assertThat(original.simulationId()).isEqualTo(12_345);
    }

    private static Diagram tenMsTicks() {
        try {
            return DiagramLoader.parse("""
                name: p
                tick: 10ms
                services:
                  - name: s
                    latency: { distribution: constant, mean: 1ms }
                load:
                  - { target: s, rate: 10/s }
                """);
        } catch (final DiagramException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void assertProblem(final String name, final String value, final String problem) {
        assertThatThrownBy(() -> new LaunchParameters().set(name, value))
            .isInstanceOfSatisfying(LaunchParameters.BadParameterException.class, ex -> {
                assertThat(ex.parameter()).isEqualTo(name);
                assertThat(ex.problem()).isEqualTo(problem);
                assertThat(ex.getMessage()).isEqualTo(name + ": " + problem);
            });
    }
}
