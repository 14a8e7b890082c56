package io.tickwire.engine.diagram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

class DiagramLoaderTest {
    /** Surefire runs in engine/, so the repository root is one level up. */
    private static final Path EXAMPLES = Path.of("..", "examples");

    private static final String MINIMAL = """
        name: shop
        services:
          - name: api
            latency: {mean: 5ms}
        load:
          - target: api
            rate: 100/s
        """;

    // ---------------------------------------------------------------- examples

    @Test
    void shouldLoadTheMm1Example() throws Exception {
        final Diagram d = DiagramLoader.load(EXAMPLES.resolve("mm1.yaml"));

        assertThat(d.name()).isEqualTo("mm1");
        assertThat(d.tickNs()).isEqualTo(50_000_000L);
        assertThat(d.hasSeed()).isTrue();
        assertThat(d.seed()).isEqualTo(1L);
        assertThat(d.services()).hasSize(1);
        final ServiceSpec server = d.service(0);
        assertThat(server.id()).isZero();
        assertThat(server.replicas()).isEqualTo(1);
        assertThat(server.concurrency()).isEqualTo(1);
        assertThat(server.servers()).isEqualTo(1);
        assertThat(server.queueCapacity()).isEqualTo(ServiceSpec.UNBOUNDED);
        assertThat(server.failureRate()).isZero();
        assertThat(server.calls()).isEmpty();
        assertThat(server.latency()).isEqualTo(new LatencySpec(LatencySpec.Kind.EXPONENTIAL, 1_000_000L, 0L));
        assertThat(d.load()).containsExactly(
            new LoadSpec("clients", 0, server.name(), 800.0, LoadSpec.Arrivals.POISSON));

        // The comment's theory: rho = lambda / mu = 0.8, W = 1 / (mu - lambda) = 5ms.
        final double lambda = d.load().get(0).ratePerSec();
        final double mu = 1e9 / server.latency().meanNs();
        assertThat(lambda / mu).isCloseTo(0.8, within(1e-12));
        assertThat(1e3 / (mu - lambda)).isCloseTo(5.0, within(1e-9));
    }

    @Test
    void shouldLoadTheCheckoutExample() throws Exception {
        final Diagram d = DiagramLoader.load(EXAMPLES.resolve("checkout.yaml"));

        assertThat(d.name()).isEqualTo("checkout");
        assertThat(d.tickNs()).isEqualTo(50_000_000L);
        assertThat(d.seed()).isEqualTo(42L);
        assertThat(d.services()).extracting(ServiceSpec::name)
            .containsExactly("gateway", "auth", "catalog", "catalog-db", "orders", "payments", "orders-db");
        for (int i = 0; i < d.services().size(); i++) {
            final ServiceSpec s = d.service(i);
            assertThat(s.id()).isEqualTo(i);
            assertThat(s.latency().kind()).as(s.name()).isEqualTo(LatencySpec.Kind.LOGNORMAL);
            assertThat(s.latency().sdNs()).as(s.name()).isPositive();
            assertThat(s.queueCapacity()).as(s.name()).isPositive();
            assertThat(s.failureRate()).as(s.name()).isBetween(0.0, 0.05);
            for (final CallSpec call : s.calls()) {
                assertThat(d.service(call.target()).name()).isEqualTo(call.to());
                assertThat(call.delayNs()).isBetween(100_000L, 1_000_000L);
            }
        }
        assertThat(callees(d, "gateway")).containsExactly("auth");
        assertThat(callees(d, "auth")).containsExactly("catalog", "orders");
        assertThat(callees(d, "catalog")).containsExactly("catalog-db");
        assertThat(callees(d, "orders")).containsExactly("payments");
        assertThat(callees(d, "payments")).containsExactly("orders-db");
        assertThat(callees(d, "catalog-db")).isEmpty();
        assertThat(callees(d, "orders-db")).isEmpty();

        final ServiceSpec db = d.service(byName(d, "orders-db"));
        assertThat(db.latency()).isEqualTo(new LatencySpec(LatencySpec.Kind.LOGNORMAL, 12_000_000L, 10_000_000L));
        assertThat(db.servers()).isEqualTo(4);
        assertThat(d.load()).containsExactly(
            new LoadSpec("shoppers", 0, "gateway", 400.0, LoadSpec.Arrivals.POISSON));
    }

    @Test
    void shouldKeepEveryCheckoutServiceBelowSeventyPercentUtilisation() throws Exception {
        final Diagram d = DiagramLoader.load(EXAMPLES.resolve("checkout.yaml"));
        final double[] lambda = arrivalRates(d);

        // The figures written in the example's header comment.
        final double[] expected = {400.00, 391.61, 271.38, 81.25, 96.92, 57.86, 56.71};
        final double[] expectedRho = {0.050, 0.245, 0.377, 0.203, 0.091, 0.542, 0.170};
        for (int i = 0; i < d.services().size(); i++) {
            final ServiceSpec s = d.service(i);
            final double rho = lambda[i] * s.latency().meanNs() / 1e9 / s.servers();
            assertThat(lambda[i]).as("lambda of %s", s.name()).isCloseTo(expected[i], within(0.006));
            assertThat(rho).as("rho of %s", s.name()).isCloseTo(expectedRho[i], within(0.0006)).isLessThan(0.7);
        }
    }

    @Test
    void shouldRefuseTheNegativeLatencyExampleNamingTheField() {
        final DiagramException ex = catchThrowableOfType(DiagramException.class,
            () -> DiagramLoader.load(EXAMPLES.resolve("bad-negative-latency.yaml")));

        assertThat(ex).isNotNull();
        assertThat(ex.problems()).containsExactly("services[0].latency.mean: must be > 0 (got -5ms)");
        assertThat(ex).hasMessage("services[0].latency.mean: must be > 0 (got -5ms)");
    }

    @Test
    void shouldRefuseTheUnknownCallExampleNamingTheField() {
        final DiagramException ex = catchThrowableOfType(DiagramException.class,
            () -> DiagramLoader.load(EXAMPLES.resolve("bad-unknown-call.yaml")));

        assertThat(ex).isNotNull();
        assertThat(ex.problems()).containsExactly("services[1].calls[1].to: unknown service 'biling'");
    }

    @Test
    void shouldKeepTheSourceTextVerbatim() throws Exception {
        final Path path = EXAMPLES.resolve("checkout.yaml");
        assertThat(DiagramLoader.load(path).source()).isEqualTo(Files.readString(path, StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- defaults

    @Test
    void shouldApplyDefaults() throws Exception {
        final Diagram d = DiagramLoader.parse(MINIMAL);

        assertThat(d.tickNs()).isEqualTo(DiagramLoader.DEFAULT_TICK_NS).isEqualTo(50_000_000L);
        assertThat(d.hasSeed()).isFalse();
        assertThat(d.seed()).isEqualTo(Diagram.NO_SEED);
        final ServiceSpec api = d.service(0);
        assertThat(api.replicas()).isEqualTo(1);
        assertThat(api.concurrency()).isEqualTo(1);
        assertThat(api.queueCapacity()).isEqualTo(ServiceSpec.UNBOUNDED);
        assertThat(api.failureRate()).isZero();
        assertThat(api.calls()).isEmpty();
        assertThat(api.latency()).isEqualTo(new LatencySpec(LatencySpec.Kind.EXPONENTIAL, 5_000_000L, 0L));
        assertThat(d.load()).containsExactly(new LoadSpec("api", 0, "api", 100.0, LoadSpec.Arrivals.POISSON));
    }

    @Test
    void shouldDefaultACallToProbabilityOneAndAHundredMicroseconds() throws Exception {
        final Diagram d = DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            calls:
              - to: db
            """));

        assertThat(d.service(0).calls()).containsExactly(new CallSpec(1, "db", 1.0, 100_000L));
        assertThat(DiagramLoader.DEFAULT_CALL_DELAY_NS).isEqualTo(100_000L);
    }

    @Test
    void shouldReadEveryField() throws Exception {
        final Diagram d = DiagramLoader.parse("""
            name: full
            tick: 10ms
            seed: -7
            services:
              - name: api
                replicas: 3
                concurrency: 4
                queue: 0
                failureRate: 0.25
                latency: {distribution: constant, mean: 2ms}
                calls:
                  - {to: db, probability: 0.5, delay: 0}
                  - {to: api, probability: 0.1, delay: 1.5ms}
              - name: db
                queue: unbounded
                latency: {distribution: lognormal, mean: 3ms, sd: 500us}
            load:
              - {name: web, target: api, rate: 5/ms, arrivals: constant}
              - {target: db, rate: 1200/min}
            """);

        assertThat(d.name()).isEqualTo("full");
        assertThat(d.tickNs()).isEqualTo(10_000_000L);
        assertThat(d.seed()).isEqualTo(-7L);
        assertThat(d.service(0)).isEqualTo(new ServiceSpec(0, "api", 3, 4,
            new LatencySpec(LatencySpec.Kind.CONSTANT, 2_000_000L, 0L), 0, 0.25,
            List.of(new CallSpec(1, "db", 0.5, 0L), new CallSpec(0, "api", 0.1, 1_500_000L))));
        assertThat(d.service(0).servers()).isEqualTo(12);
        assertThat(d.service(1)).isEqualTo(new ServiceSpec(1, "db", 1, 1,
            new LatencySpec(LatencySpec.Kind.LOGNORMAL, 3_000_000L, 500_000L), ServiceSpec.UNBOUNDED, 0.0, List.of()));
        assertThat(d.load()).containsExactly(
            new LoadSpec("web", 0, "api", 5000.0, LoadSpec.Arrivals.CONSTANT),
            new LoadSpec("db", 1, "db", 20.0, LoadSpec.Arrivals.POISSON));
    }

    @ParameterizedTest(name = "tick {0}")
    @CsvSource({"1ms, 1000000", "1s, 1000000000", "1000us, 1000000", "250ms, 250000000"})
    void shouldAcceptTicksFromOneMillisecondToOneSecond(final String tick, final long ns) throws Exception {
        assertThat(DiagramLoader.parse(MINIMAL + "tick: " + tick + "\n").tickNs()).isEqualTo(ns);
    }

    @Test
    void shouldAcceptABareRateAsPerSecond() throws Exception {
        assertThat(DiagramLoader.parse(MINIMAL.replace("100/s", "250")).load().get(0).ratePerSec()).isEqualTo(250.0);
        assertThat(DiagramLoader.parse(MINIMAL.replace("100/s", "12.5")).load().get(0).ratePerSec()).isEqualTo(12.5);
    }

    @Test
    void shouldAcceptProbabilitiesSummingToOneDespiteRounding() {
        assertThatCode(() -> DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            calls:
              - {to: db, probability: 0.1}
              - {to: db, probability: 0.2}
              - {to: api, probability: 0.7}
            """))).doesNotThrowAnyException();
    }

    // ---------------------------------------------------------------- JSON and syntax

    @Test
    void shouldAcceptJson() throws Exception {
        final Diagram d = DiagramLoader.parse("""
            {
              "name": "shop", "tick": "20ms", "seed": 9,
              "services": [
                {"name": "api", "replicas": 2, "latency": {"distribution": "lognormal", "mean": "5ms", "sd": "2ms"},
                 "calls": [{"to": "db", "probability": 0.5, "delay": "250us"}]},
                {"name": "db", "queue": 16, "latency": {"mean": "1ms"}}
              ],
              "load": [{"target": "api", "rate": 800}]
            }
            """);

        assertThat(d.tickNs()).isEqualTo(20_000_000L);
        assertThat(d.seed()).isEqualTo(9L);
        assertThat(d.service(0).calls()).containsExactly(new CallSpec(1, "db", 0.5, 250_000L));
        assertThat(d.service(1).queueCapacity()).isEqualTo(16);
        assertThat(d.load().get(0).ratePerSec()).isEqualTo(800.0);
    }

    @Test
    void shouldAcceptJsonIndentedWithTabs() throws Exception {
        final Diagram d = DiagramLoader.parse("{\n\t\"name\": \"shop\",\n\t\"services\": [\n"
            + "\t\t{\"name\": \"api\", \"latency\": {\"mean\": \"5ms\"}}\n\t],\n"
            + "\t\"load\": [{\"target\": \"api\", \"rate\": \"100/s\"}]\n}\n");

        assertThat(d.service(0).latency().meanNs()).isEqualTo(5_000_000L);
    }

    @Test
    void shouldAcceptYamlFlowStyleAndAByteOrderMark() throws Exception {
        assertThat(DiagramLoader.parse(
            "{name: shop, services: [{name: api, latency: {mean: 5ms}}], load: [{target: api, rate: 100/s}]}")
            .name()).isEqualTo("shop");
        assertThat(DiagramLoader.parse("\uFEFF" + MINIMAL).name()).isEqualTo("shop");
    }

    @Test
    void shouldReportJsonFieldPathsLikeYaml() {
        assertThat(problemsOf("""
            {"name": "shop", "services": [{"name": "api", "latency": {"mean": "-5ms"}}],
             "load": [{"target": "api", "rate": "100/s"}]}
            """)).containsExactly("services[0].latency.mean: must be > 0 (got -5ms)");
    }

    @Test
    void shouldRefuseBadYamlOnOneLineWithTheLine() {
        final List<String> problems = problemsOf("name: shop\nservices: [\n  {name: api\n");

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("not valid YAML or JSON: ").contains("at line ").doesNotContain("\n");
        assertThat(problemsOf("name: shop\nservices: [\n")).containsExactly(
            "not valid YAML or JSON: expected the node content, but found '<stream end>' at line 3, column 1");
    }

    @Test
    void shouldRefuseBadJsonOnOneLineWithTheLine() {
        assertThat(problemsOf("{\"name\": \"shop\",\n \"services\": [}")).singleElement().asString()
            .startsWith("not valid YAML or JSON: Unexpected close marker '}'")
            .endsWith("at line 2, column 15")
            .doesNotContain("\n");
    }

    @Test
    void shouldRefuseDuplicateKeys() {
        assertThat(problemsOf(MINIMAL + "name: again\n"))
            .containsExactly("not valid YAML or JSON: Duplicate field 'name' at line 8, column 5");
        assertThat(problemsOf("{\"name\": \"a\", \"name\": \"b\"}")).singleElement().asString()
            .startsWith("not valid YAML or JSON: Duplicate field 'name'");
    }

    @Test
    void shouldRefuseTrailingContentInsteadOfIgnoringIt() {
        assertThat(problemsOf(MINIMAL + "---\nname: second\n")).singleElement().asString()
            .startsWith("not valid YAML or JSON: Trailing token");
        assertThat(problemsOf("{\"name\": \"shop\"} junk")).singleElement().asString()
            .startsWith("not valid YAML or JSON: Unrecognized token 'junk'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   \n", "- a\n- b\n", "just text", "42"})
    void shouldRefuseADiagramThatIsNotAMapping(final String text) {
        assertThat(problemsOf(text)).containsExactly("a diagram is a mapping with name, services and load");
    }

    // ---------------------------------------------------------------- field errors

    @Test
    void shouldNameTheNegativeLatencyField() {
        assertThat(problemsOf(MINIMAL.replace("5ms", "-5ms")))
            .containsExactly("services[0].latency.mean: must be > 0 (got -5ms)");
        assertThat(problemsOf(MINIMAL.replace("5ms", "0")))
            .containsExactly("services[0].latency.mean: must be > 0 (got 0)");
    }

    @Test
    void shouldNameTheUnknownCallTarget() {
        assertThat(problemsOf(withApi("""
            latency: {mean: 5ms}
            calls:
              - {to: db, probability: 0.5}
              - {to: cache, probability: 0.2}
            """))).containsExactly("services[0].calls[1].to: unknown service 'cache'");
    }

    @Test
    void shouldRequireTheCallTargetAsAName() {
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{probability: 0.1}, {to: 7, probability: 0.1}, "
            + "{to: null, probability: 0.1}]")))
            .containsExactly(
                "services[0].calls[0].to: is required: the name of the called service",
                "services[0].calls[1].to: is required: the name of the called service",
                "services[0].calls[2].to: is required: the name of the called service");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "top level | colour: red | colour",
        "service   | latncy: {mean: 1ms} | services[0].latncy",
        "latency   | latency: {mean: 1ms, p99: 9ms} | services[0].latency.p99",
        "call      | calls: [{to: db, weight: 2}] | services[0].calls[0].weight",
        "load      | rate_: 9/s | load[0].rate_",
    })
    void shouldRefuseUnknownFieldsByPath(final String level, final String yaml, final String path) {
        final String text = switch (level) {
            case "top level" -> MINIMAL + yaml + "\n";
            case "load" -> MINIMAL + "    " + yaml + "\n";
            default -> withApi(yaml.startsWith("latency") ? yaml : "latency: {mean: 5ms}\n" + yaml);
        };

        assertThat(problemsOf(text)).filteredOn(p -> p.startsWith(path + ": ")).singleElement().asString()
            .startsWith(path + ": unknown field (expected one of [");
    }

    @Test
    void shouldListTheExpectedFieldsOfAnUnknownField() {
        assertThat(problemsOf(MINIMAL + "colour: red\n"))
            .containsExactly("colour: unknown field (expected one of [load, name, seed, services, tick])");
        assertThat(problemsOf(MINIMAL.replace("latency:", "latncy:"))).containsExactly(
            "services[0].latncy: unknown field (expected one of "
                + "[calls, concurrency, failureRate, latency, name, queue, replicas])",
            "services[0].latency: is required: {distribution, mean[, sd]}");
    }

    @Test
    void shouldRefuseADuplicateServiceName() {
        assertThat(problemsOf("""
            name: shop
            services:
              - {name: api, latency: {mean: 1ms}}
              - {name: db, latency: {mean: 1ms}}
              - {name: api, latency: {mean: 2ms}}
            load: [{target: api, rate: 1/s}]
            """)).containsExactly("services[2].name: duplicate service name 'api'");
    }

    @Test
    void shouldRefuseProbabilitiesSummingAboveOne() {
        assertThat(problemsOf(withApi("""
            latency: {mean: 5ms}
            calls:
              - {to: db, probability: 0.6}
              - {to: db, probability: 0.3}
              - {to: api, probability: 0.2}
            """))).containsExactly("services[0].calls: probabilities sum to 1.1, more than 1");
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{to: db}, {to: api}]")))
            .containsExactly("services[0].calls: probabilities sum to 2.0, more than 1");
    }

    @Test
    void shouldNotCountARefusedProbabilityInTheSum() {
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{to: db, probability: 1.5}, "
            + "{to: api, probability: 0.5}]")))
            .containsExactly("services[0].calls[0].probability: must be a probability in (0, 1] (got 1.5)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0.1", "1.01", "'0.5'", "half"})
    void shouldRefuseACallProbabilityOutsideZeroToOne(final String p) {
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{to: db, probability: " + p + "}]")))
            .singleElement().asString()
            .startsWith("services[0].calls[0].probability: must be a probability in (0, 1] (got ");
    }

    @ParameterizedTest(name = "rate {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "800/fortnight | load[0].rate: unknown rate unit '/fortnight' (/ms, /s, /min, /h): '800/fortnight'",
        "lots          | load[0].rate: not a rate (say 800/s, 5/ms, 1200/min): 'lots'",
        "800 per sec   | load[0].rate: not a rate (say 800/s, 5/ms, 1200/min): '800 per sec'",
        "0/s           | load[0].rate: must be > 0 (got 0/s)",
        "-5/s          | load[0].rate: must be > 0 (got -5/s)",
        "0             | load[0].rate: must be > 0 (got 0)",
    })
    void shouldRefuseABadRate(final String rate, final String problem) {
        assertThat(problemsOf(MINIMAL.replace("100/s", rate))).containsExactly(problem);
    }

    @Test
    void shouldRequireARate() {
        assertThat(problemsOf(MINIMAL.replace("    rate: 100/s\n", "")))
            .containsExactly("load[0].rate: is required (say 800/s)");
    }

    @Test
    void shouldRefuseADurationWithoutAUnitOnce() {
        assertThat(problemsOf(MINIMAL.replace("5ms", "5")))
            .containsExactly("services[0].latency.mean: needs a unit, e.g. 250us, 5ms, 2s (got 5)");
        assertThat(problemsOf(MINIMAL.replace("5ms", "'5'")))
            .containsExactly("services[0].latency.mean: not a duration (say 250us, 5ms, 2s): '5'");
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: lognormal, mean: 5ms, sd: 2}")))
            .containsExactly("services[0].latency.sd: needs a unit, e.g. 250us, 5ms, 2s (got 2)");
        assertThat(problemsOf(MINIMAL + "tick: 50\n"))
            .containsExactly("tick: needs a unit, e.g. 250us, 5ms, 2s (got 50)");
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{to: db, delay: 100}]")))
            .containsExactly("services[0].calls[0].delay: needs a unit, e.g. 250us, 5ms, 2s (got 100)");
    }

    @Test
    void shouldRefuseAnUnknownDurationUnitOnce() {
        assertThat(problemsOf(MINIMAL.replace("5ms", "5parsecs"))).containsExactly(
            "services[0].latency.mean: unknown duration unit 'parsecs' (ns, us, ms, s, min, h): '5parsecs'");
    }

    @ParameterizedTest(name = "tick {0}")
    @CsvSource(delimiter = '|', value = {
        "0      | tick: must be between 1ms and 1s (got 0s)",
        "999us  | tick: must be between 1ms and 1s (got 999us)",
        "1001ms | tick: must be between 1ms and 1s (got 1001ms)",
        "2s     | tick: must be between 1ms and 1s (got 2s)",
        "-50ms  | tick: must be between 1ms and 1s (got -50ms)",
    })
    void shouldRefuseATickOutOfRange(final String tick, final String problem) {
        assertThat(problemsOf(MINIMAL + "tick: " + tick + "\n")).containsExactly(problem);
    }

    @Test
    void shouldRequireSdForALognormal() {
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: lognormal, mean: 5ms}")))
            .containsExactly("services[0].latency.sd: is required for a lognormal distribution");
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: lognormal, mean: 5ms, sd: 0}")))
            .containsExactly("services[0].latency.sd: must be > 0 (got 0)");
    }

    @Test
    void shouldRefuseSdForAnotherDistribution() {
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: exponential, mean: 5ms, sd: 1ms}")))
            .containsExactly("services[0].latency.sd: only a lognormal distribution takes sd");
    }

    @Test
    void shouldRefuseAnUnknownDistribution() {
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: pareto, mean: 5ms}")))
            .containsExactly("services[0].latency.distribution: unknown distribution 'pareto' "
                + "(constant, exponential, lognormal)");
    }

    @Test
    void shouldRequireLatencyAndItsMean() {
        assertThat(problemsOf(MINIMAL.replace("    latency: {mean: 5ms}\n", "")))
            .containsExactly("services[0].latency: is required: {distribution, mean[, sd]}");
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: constant}")))
            .containsExactly("services[0].latency.mean: is required");
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "5ms")))
            .containsExactly("services[0].latency: must be a mapping {distribution, mean[, sd]} (got \"5ms\")");
    }

    @Test
    void shouldRefuseBadServiceNumbers() {
        assertThat(problemsOf(withApi("""
            latency: {mean: 5ms}
            replicas: 0
            concurrency: 2.5
            queue: -1
            failureRate: 1.5
            """))).containsExactly(
            "services[0].replicas: must be an integer >= 1 (got 0)",
            "services[0].concurrency: must be an integer >= 1 (got 2.5)",
            "services[0].queue: must be a capacity >= 0 or 'unbounded' (got -1)",
            "services[0].failureRate: must be a probability in [0, 1] (got 1.5)");
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\nqueue: lots")))
            .containsExactly("services[0].queue: must be a capacity >= 0 or 'unbounded' (got \"lots\")");
    }

    @Test
    void shouldRefuseTooManyServers() {
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\nreplicas: 65536\nconcurrency: 65536")))
            .containsExactly("services[0]: replicas x concurrency is too large");
    }

    @Test
    void shouldRefuseANegativeCallDelayAndAcceptABareZero() throws Exception {
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{to: db, delay: -1ms}]")))
            .containsExactly("services[0].calls[0].delay: must be >= 0 (got -1ms)");
        assertThat(DiagramLoader.parse(withApi("latency: {mean: 5ms}\ncalls: [{to: db, delay: 0}]"))
            .service(0).calls().get(0).delayNs()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"'has space'", "-leading-dash", "''", "yes", "12", "\"dé\""})
    void shouldRefuseABadName(final String name) {
        assertThat(problemsOf(MINIMAL.replace("name: shop", "name: " + name))).singleElement().asString()
            .startsWith("name: must be 1-64 of letters, digits, '_', '.', '-' (got ");
    }

    @Test
    void shouldAcceptNamesUpToSixtyFourCharacters() throws Exception {
        final String longest = "a" + "b-c_d.".repeat(10) + "xyz";
        assertThat(longest).hasSize(64);
        assertThat(DiagramLoader.parse(MINIMAL.replace("name: shop", "name: " + longest)).name()).isEqualTo(longest);
        assertThat(problemsOf(MINIMAL.replace("name: shop", "name: " + longest + "z"))).singleElement().asString()
            .startsWith("name: must be 1-64");
    }

    @Test
    void shouldRequireNameServicesAndLoad() {
        assertThat(problemsOf("tick: 5ms\n")).containsExactly(
            "name: is required",
            "services: is required and must list at least one entry",
            "load: is required and must list at least one entry");
        assertThat(problemsOf("name: shop\nservices: []\nload: []\n")).containsExactly(
            "services: must list at least one entry",
            "load: must list at least one entry");
        assertThat(problemsOf("name: shop\nservices: {api: 1}\nload: [{target: api, rate: 1}]\n")).containsExactly(
            "services: must be a list",
            "load[0].target: unknown service 'api'");
    }

    @Test
    void shouldNameTheUnknownLoadTarget() {
        assertThat(problemsOf(MINIMAL.replace("target: api", "target: web")))
            .containsExactly("load[0].target: unknown service 'web'");
        assertThat(problemsOf(MINIMAL.replace("  - target: api\n    rate", "  - rate")))
            .containsExactly("load[0].target: is required: the name of the service the load calls");
    }

    @Test
    void shouldRefuseUnknownArrivals() {
        assertThat(problemsOf(MINIMAL + "    arrivals: bursty\n"))
            .containsExactly("load[0].arrivals: unknown arrivals 'bursty' (poisson, constant)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "abc", "99999999999999999999"})
    void shouldRefuseASeedThatIsNotALong(final String seed) {
        assertThat(problemsOf(MINIMAL + "seed: " + seed + "\n")).containsExactly("seed: must be an integer");
    }

    @Test
    void shouldReportEveryProblemAtOnce() {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> DiagramLoader.parse("""
            name: shop
            tick: 5s
            services:
              - name: api
                latency: {mean: -1ms}
                calls: [{to: nowhere}]
            load:
              - {target: api, rate: fast}
            """));

        assertThat(ex).isNotNull();
        assertThat(ex.problems()).containsExactly(
            "tick: must be between 1ms and 1s (got 5s)",
            "services[0].latency.mean: must be > 0 (got -1ms)",
            "services[0].calls[0].to: unknown service 'nowhere'",
            "load[0].rate: not a rate (say 800/s, 5/ms, 1200/min): 'fast'");
        assertThat(ex).hasMessage("tick: must be between 1ms and 1s (got 5s) (and 3 more)");
    }

    // ---------------------------------------------------------------- helpers

    /** A diagram whose first service is {@code api} with the given fields, followed by a service {@code db}. */
    private static String withApi(final String apiFields) {
        return "name: shop\nservices:\n  - name: api\n" + apiFields.indent(4)
            + "  - name: db\n    latency: {mean: 1ms}\nload:\n  - target: api\n    rate: 100/s\n";
    }

    private static List<String> problemsOf(final String text) {
        final DiagramException ex = catchThrowableOfType(DiagramException.class, () -> DiagramLoader.parse(text));
        assertThat(ex).as("expected the diagram to be refused:%n%s", text).isNotNull();
        return ex.problems();
    }

    private static int byName(final Diagram d, final String name) {
        return d.services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().id();
    }

    private static List<String> callees(final Diagram d, final String name) {
        return d.service(byName(d, name)).calls().stream().map(CallSpec::to).toList();
    }

    /**
     * Solves the traffic equations of the open network: {@code lambda_j = external_j + sum_i lambda_i (1 - f_i) p_ij}.
     * Iterating converges because every service loses a share of what it receives (the calls sum to at most 1).
     */
    private static double[] arrivalRates(final Diagram d) {
        final int n = d.services().size();
        double[] lambda = new double[n];
        for (int iteration = 0; iteration < 10_000; iteration++) {
            final double[] next = new double[n];
            for (final LoadSpec load : d.load()) {
                next[load.target()] += load.ratePerSec();
            }
            for (final ServiceSpec s : d.services()) {
                for (final CallSpec call : s.calls()) {
                    next[call.target()] += lambda[s.id()] * (1 - s.failureRate()) * call.probability();
                }
            }
            lambda = next;
        }
        return lambda;
    }
}
