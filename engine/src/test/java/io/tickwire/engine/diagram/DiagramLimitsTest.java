package io.tickwire.engine.diagram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Absurd diagrams are refused before anything runs: every count and rate has a bound, the work a diagram asks for is
 * estimated against a budget, and a huge or garbled input is refused before it is parsed, with short messages.
 */
class DiagramLimitsTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    private static final String OPEN = """
        name: shop
        services:
          - name: api
            queue: 100
            latency: {mean: 1ms}
        load:
          - target: api
            rate: RATE
        """;

    @TempDir
    Path dir;

    @Test
    void shouldRefuseTwoBillionUsersWithTheFieldPath() {
        assertThat(problemsOf("""
            name: shop
            services: [{name: api, latency: {mean: 1ms}}]
            load: [{target: api, users: 2147483647}]
            """)).containsExactly("load[0].users: must be an integer in [1, 1000000] (got 2147483647)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1e12/s                    | load[0].rate: must be at most 1e9/s, one arrival a nanosecond (got 1e12/s)",
        "1e300/s                   | load[0].rate: must be at most 1e9/s, one arrival a nanosecond (got 1e300/s)",
        "1.7976931348623157e308/s  | load[0].rate: must be at most 1e9/s, one arrival a nanosecond "
            + "(got 1.7976931348623157e308/s)",
        "2/ns                      | load[0].rate: must be at most 1e9/s, one arrival a nanosecond (got 2/ns)",
        "1e2147483647/s            | load[0].rate: rate too large: '1e2147483647/s'",
    })
    void shouldRefuseAnAbsurdRate(final String rate, final String problem) {
        assertThat(problemsOf(OPEN.replace("RATE", rate))).containsExactly(problem);
    }

    @Test
    void shouldRefuseASpikeToAnAbsurdRate() {
        assertThat(problemsOf(OPEN.replace("RATE", "100/s\n    schedule: [{at: 10s, spike: 1e12/s, for: 1s}]")))
            .containsExactly("load[0].schedule[0].spike: must be at most 1e9/s, one arrival a nanosecond "
                + "(got 1e12/s)");
    }

    @Test
    void shouldRefuseARateAboveTheVisitBudgetWithTheEstimate() {
        assertThat(problemsOf(OPEN.replace("RATE", "1/ns"))).containsExactly("load[0].rate: the diagram asks for "
            + "about 1.0e+09 service visits per simulated second (by the traffic equations, each load at its peak; "
            + "this one 1.0e+09), more than the limit of 1.0e+08 (maxVisitsPerSecond)");
        // The budget is configurable: the same diagram within a larger one.
        assertThat(parse(OPEN.replace("RATE", "1/ns"), DiagramLimits.DEFAULT.withMaxVisitsPerSecond(2e9))
            .load().get(0).ratePerSec()).isEqualTo(1e9);
    }

    @Test
    void shouldSolveTheTrafficEquationsOfAFeedbackLoop() {
        // Each request comes round 1 / (1 - 0.999) = 1000 times: 200k/s of load is 2e8 visits a second.
        final String loop = """
            name: loop
            services:
              - name: api
                queue: 10
                latency: {mean: 1us}
                calls: [{to: api, probability: 0.999}]
            load: [{target: api, rate: RATE}]
            """;
        assertThat(problemsOf(loop.replace("RATE", "200000/s"))).singleElement().asString()
            .startsWith("load[0].rate: the diagram asks for about 2.0e+08 service visits per simulated second");
        assertThat(parse(loop.replace("RATE", "20000/s"), DiagramLimits.DEFAULT).name()).isEqualTo("loop");
    }

    @Test
    void shouldCountSyncCallsTheirRetriesAndAPeakOfTheSchedule() {
        // 4e7/s at the peak (a step), each visiting api, then auth 1 + 0.5 + 0.25 times: 1.1e8 visits.
        assertThat(problemsOf("""
            name: sync
            services:
              - name: api
                queue: 10
                latency: {mean: 1us}
                calls: [{to: auth, mode: sync, retry: {attempts: 2}}]
              - name: auth
                queue: 10
                failureRate: 0.5
                latency: {mean: 1us}
            load: [{target: api, rate: 1000/s, schedule: [{at: 10s, step: 4e7/s}]}]
            """)).singleElement().asString()
            .startsWith("load[0].schedule[0].step: the diagram asks for about 1.1e+08 service visits");
    }

    @Test
    void shouldRefuseTimeoutsThatWouldFillTheEventQueue() {
        assertThat(problemsOf("""
            name: slow
            services:
              - name: api
                concurrency: 100000
                latency: {mean: 1us}
                calls: [{to: db, mode: sync, timeout: 1h}]
              - {name: db, concurrency: 100000, latency: {mean: 1us}}
            load: [{target: api, rate: 10000/s}]
            """)).singleElement().asString().startsWith("services[0].calls[0].timeout: the diagram keeps about "
            + "3.6e+07 requests and events pending at once (by Little's law; 3.6e+07 of them timeouts waiting to fire");
    }

    @Test
    void shouldAcceptTheExamplesAndAMillionUsers() throws Exception {
        for (final String example : List.of("mm1.yaml", "checkout.yaml")) {
            assertThat(DiagramLoader.load(EXAMPLES.resolve(example)).services()).isNotEmpty();
        }
        assertThat(parse("""
            name: crowd
            services: [{name: api, latency: {mean: 1ms}}]
            load: [{target: api, users: 1000000, think: 10s}]
            """, DiagramLimits.DEFAULT).load().get(0).users()).isEqualTo(1_000_000);
    }

    @Test
    void shouldRefuseAServiceNamedByAYamlBooleanThatHasADatabase() {
        assertThat(problemsOf("""
            name: shop
            services:
              - {name: yes, latency: {mean: 1ms}, database: {latency: {mean: 1ms}}}
            load: [{target: api, rate: 1/s}]
            """)).containsExactly(
            "services[0].name: must be 1-64 of letters, digits, '_', '.', '-' (got true)",
            "load[0].target: unknown service 'api'");
    }

    @Test
    @Timeout(30) // a safety net: the refusal is immediate, parsing 10 MB of YAML is not
    void shouldRefuseAHugeDiagramBeforeParsingIt() throws IOException {
        final String huge = OPEN.replace("name: shop", "name: " + "a".repeat(10 << 20)).replace("RATE", "1/s");
        assertThat(problemsOf(huge)).containsExactly("the diagram is 10240.1 KiB (" + huge.length() + " bytes), more "
            + "than the limit of 1024.0 KiB (1048576 bytes) (see Limits in docs/diagram.md)");

        // A file: its size is checked before it is read. 100 MB of comment on one line.
        final Path file = dir.resolve("comment.yaml");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(OPEN.replace("RATE", "1/s").getBytes(StandardCharsets.UTF_8));
            out.write('#');
            final byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte)'x');
            for (int i = 0; i < 100; i++) {
                out.write(chunk);
            }
        }
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> DiagramLoader.load(file));
        assertThat(ex).isNotNull();
        assertThat(ex.getMessage()).startsWith("the diagram is 102400.1 KiB");
    }

    @Test
    void shouldCutALongValueInAMessage() {
        final String value = "9".repeat(5000) + "parsecs";
        final List<String> problems = problemsOf(OPEN.replace("RATE", "1/s")
            .replace("{mean: 1ms}", "{mean: " + value + "}"));
        assertThat(problems).containsExactly("services[0].latency.mean: duration too large: '" + "9".repeat(80)
            + "…(5007 bytes)'");
        assertThat(problemsOf(OPEN.replace("RATE", "1/s").replace("name: shop", "name: " + "n".repeat(100))))
            .containsExactly("name: must be 1-64 of letters, digits, '_', '.', '-' (got \"" + "n".repeat(79)
                + "…(102 bytes))");
    }

    @Test
    void shouldRefuseBytesThatAreNotUtf8WhereTheyAre() {
        final byte[] text = ("# caf\u00e9\n" + OPEN.replace("RATE", "1/s")).getBytes(StandardCharsets.UTF_8);
        assertThat(parse(text).name()).isEqualTo("shop");
        final byte[] latin1 = ("# caf\u00e9\n" + OPEN.replace("RATE", "1/s")).getBytes(StandardCharsets.ISO_8859_1);
        final DiagramException ex = catchThrowableOfType(DiagramException.class,
            () -> DiagramLoader.parse(latin1, DiagramLimits.DEFAULT));
        assertThat(ex).isNotNull();
        assertThat(ex.getMessage()).isEqualTo("not valid UTF-8: byte 0xE9 at line 1, column 6");
    }

    private static Diagram parse(final byte[] bytes) {
        try {
            return DiagramLoader.parse(bytes, DiagramLimits.DEFAULT);
        } catch (final DiagramException ex) {
            throw new AssertionError(ex.getMessage(), ex);
        }
    }

    private static Diagram parse(final String text, final DiagramLimits limits) {
        try {
            return DiagramLoader.parse(text, limits);
        } catch (final DiagramException ex) {
            throw new AssertionError(ex.getMessage(), ex);
        }
    }

    private static List<String> problemsOf(final String text) {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> DiagramLoader.parse(text));
        assertThat(ex).as("expected the diagram to be refused").isNotNull();
        return ex.problems();
    }
}
