package io.tickwire.bench;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A smoke run of every JMH benchmark in this module — found by scanning the compiled classes, so that a new one is
 * covered without being listed — so that the suite cannot rot: each runs in this JVM (no fork), without warm-up,
 * for one short measurement, with every {@code @Param} combination, and must produce a finite, positive score.
 * No thresholds: figures come from real runs of {@code bench/jmh}, never from a test. Benchmarks may read
 * {@value #SMOKE_PROPERTY} to shrink a large set-up (a journal of a million ticks) for this run.
 */
class BenchmarkSmokeTest {
    static final String SMOKE_PROPERTY = "tickwire.bench.smoke";

    static List<String> benchmarks() throws IOException, URISyntaxException {
        final Path classes = Path.of(CodecBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(classes)) {
            return files
                .map(p -> classes.relativize(p).toString())
                .filter(name -> name.endsWith("Benchmark.class") && !name.contains("$")
                    && !name.contains("jmh_generated"))
                .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                .filter(BenchmarkSmokeTest::hasBenchmarkMethod)
                .sorted()
                .toList();
        }
    }

    /** JMH benchmarks only: {@code FanoutBenchmark} is a {@code main} (run by {@code tickwire bench fanout}). */
    private static boolean hasBenchmarkMethod(final String className) {
        try {
            return Arrays.stream(Class.forName(className).getMethods())
                .anyMatch(m -> m.isAnnotationPresent(Benchmark.class));
        } catch (final ClassNotFoundException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @ParameterizedTest
    @MethodSource("benchmarks")
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldRun(final String benchmark) throws RunnerException {
        System.setProperty(SMOKE_PROPERTY, "true");
        // JMH's machine-wide /tmp/jmh.lock keeps two measurements apart; a smoke run measures nothing, and must not
        // fail because a real benchmark runs on the same machine.
        System.setProperty("jmh.ignoreLock", "true");
        final Options options = new OptionsBuilder()
            .include("^" + benchmark.replace(".", "\\.") + "\\.")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(200))
            .shouldFailOnError(true)
            .build();
        final Collection<RunResult> results = new Runner(options).run();
        assertThat(results).as(benchmark).isNotEmpty();
        for (final RunResult r : results) {
            final double score = r.getPrimaryResult().getScore();
            assertThat(score).as(r.getParams().getBenchmark() + " " + r.getParams()).isFinite().isPositive();
        }
    }
}
