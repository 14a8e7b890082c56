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
        assertThat(d.tickLengthNs()).isEqualTo(50_000_000L);
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
        assertThat(d.tickLengthNs()).isEqualTo(50_000_000L);
        assertThat(d.seed()).isEqualTo(42L);
        // The attached databases come after the diagram's own services.
        assertThat(d.services()).extracting(ServiceSpec::name).containsExactly("gateway", "auth", "catalog",
            "orders", "payments", "inventory", "catalog.db", "orders.db");
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
        assertThat(callees(d, "gateway")).containsExactly("auth", "catalog", "orders");
        final ServiceSpec gateway = d.service(byName(d, "gateway"));
        assertThat(gateway.syncCalls()).extracting(CallSpec::to).containsExactly("auth");
        assertThat(gateway.syncCalls().get(0).timeoutNs()).isEqualTo(25_000_000L);
        assertThat(gateway.syncCalls().get(0).retry()).isEqualTo(new RetrySpec(2, 10_000_000L, 100_000_000L, true));
        assertThat(callees(d, "catalog")).containsExactly("catalog.db");
        final ServiceSpec orders = d.service(byName(d, "orders"));
        assertThat(orders.fanout()).isEqualTo(ServiceSpec.Fanout.PARALLEL);
        assertThat(orders.databaseCalls()).isEqualTo(2);
        assertThat(callees(d, "orders")).containsExactly("orders.db", "orders.db", "payments", "inventory");
        assertThat(orders.forwardCalls()).isEmpty();
        for (final String leaf : new String[] {"auth", "payments", "inventory", "catalog.db", "orders.db"}) {
            assertThat(callees(d, leaf)).as(leaf).isEmpty();
        }
        final ServiceSpec db = d.service(byName(d, "orders.db"));
        assertThat(db.latency()).isEqualTo(new LatencySpec(LatencySpec.Kind.LOGNORMAL, 3_000_000L, 2_000_000L));
        assertThat(db.servers()).isEqualTo(4);
        assertThat(db.storage()).isEqualTo(new DatabaseSpec(20L << 30, 4096, 0, 0.115));
        assertThat(d.service(byName(d, "catalog.db")).storage())
            .isEqualTo(new DatabaseSpec(50L << 30, 0, 2.0 * (1L << 30), 0.115));
        assertThat(d.load()).containsExactly(
            new LoadSpec("shoppers", 0, "gateway", 400.0, LoadSpec.Arrivals.POISSON));
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

        assertThat(d.tickLengthNs()).isEqualTo(DiagramLoader.DEFAULT_TICK_NS).isEqualTo(50_000_000L);
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
        assertThat(d.tickLengthNs()).isEqualTo(10_000_000L);
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
        assertThat(DiagramLoader.parse(MINIMAL + "tick: " + tick + "\n").tickLengthNs()).isEqualTo(ns);
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

        assertThat(d.tickLengthNs()).isEqualTo(20_000_000L);
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
        "latency   | latency: {mean: 1ms, stdev: 9ms} | services[0].latency.stdev",
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
            .containsExactly("colour: unknown field (expected one of [alerts, autoscale, faults, load, name, partitions, "
                + "seed, services, tick])");
        assertThat(problemsOf(MINIMAL.replace("latency:", "latncy:"))).containsExactly(
            "services[0].latncy: unknown field (expected one of "
                + "[balancer, calls, concurrency, cost, database, failureRate, failures, fanout, health, latency, name, "
                + "queue, rateLimit, replicas, startup, terminationGrace])",
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
            """))).containsExactly("services[0].calls: forward probabilities sum to 1.1, more than 1");
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\ncalls: [{to: db}, {to: api}]")))
            .containsExactly("services[0].calls: forward probabilities sum to 2.0, more than 1");
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
        assertThat(problemsOf(MINIMAL.replace("{mean: 5ms}", "{distribution: weibull, mean: 5ms}")))
            .containsExactly("services[0].latency.distribution: unknown distribution 'weibull' "
                + "(constant, exponential, erlang, hyperexponential, uniform, lognormal, pareto, empirical)");
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
            "services[0].replicas: must be an integer in [1, 1000000] (got 0)",
            "services[0].concurrency: must be an integer in [1, 1000000] (got 2.5)",
            "services[0].queue: must be a capacity >= 0 or 'unbounded' (got -1)",
            "services[0].failureRate: must be a probability in [0, 1] (got 1.5)");
        assertThat(problemsOf(withApi("latency: {mean: 5ms}\nqueue: lots")))
            .containsExactly("services[0].queue: must be a capacity >= 0 or 'unbounded' (got \"lots\")");
    }

    // ---------------------------------------------------------------- resilience: rate limits, bulkheads, breakers

    @Test
    void shouldReadRateLimitsBulkheadsAndBreakersWithResilience4jsDefaults() throws Exception {
        final Diagram d = DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            rateLimit: {rate: 200/s, burst: 20}
            calls:
              - {to: db, mode: sync, bulkhead: {maxConcurrent: 4, maxWait: 5ms},
                 breaker: {slidingWindowType: time-based, slidingWindowSize: 10, failureRateThreshold: "25%",
                           fallback: 2ms}}
              - {to: db, mode: sync, breaker: {}}
            """));
        assertThat(d.service(0).rateLimit()).isEqualTo(new RateLimitSpec(200, 20));
        final CallSpec first = d.service(0).calls().get(0);
        assertThat(first.bulkhead()).isEqualTo(new BulkheadSpec(4, 5_000_000L));
        assertThat(first.breaker()).isEqualTo(new BreakerSpec(BreakerSpec.Window.TIME_BASED, 10, 100, 25, 100,
            60_000_000_000L, 60_000_000_000L, 10, 2_000_000L));
        assertThat(d.service(0).calls().get(1).breaker()).isEqualTo(new BreakerSpec(BreakerSpec.Window.COUNT_BASED,
            100, 100, 50, 100, 60_000_000_000L, 60_000_000_000L, 10, BreakerSpec.FAIL_FAST));
        assertThat(d.service(1).rateLimit()).isNull();
        assertThat(DiagramLoader.parse(withLoad("rate: 100/s, rateLimit: {rate: 50/s}")).load().get(0).rateLimit())
            .isEqualTo(new RateLimitSpec(50, 1));
    }

    @Test
    void shouldRefuseBadResilienceFieldsByPath() {
        assertThat(problemsOf(withApi("""
            latency: {mean: 5ms}
            rateLimit: {burst: 0, sometimes: 1}
            calls:
              - {to: db, bulkhead: {maxConcurrent: 2}}
              - {to: db, mode: sync, bulkhead: {maxWait: -1ms},
                 breaker: {failureRateThreshold: 150, slidingWindowType: sliding, waitDurationInOpenState: 0}}
            """))).containsExactly(
            "services[0].calls[0].bulkhead: only a sync call takes bulkhead: a forward call does not wait for an "
                + "answer",
            "services[0].calls[1].bulkhead.maxConcurrent: is required: the call's attempts outstanding at once",
            "services[0].calls[1].bulkhead.maxWait: must be >= 0 (got -1ms)",
            "services[0].calls[1].breaker.slidingWindowType: must be count-based or time-based (got \"sliding\")",
            "services[0].calls[1].breaker.failureRateThreshold: must be a percentage in (0, 100], such as 50 or "
                + "\"50%\" (got 150)",
            "services[0].calls[1].breaker.waitDurationInOpenState: must be > 0 (got 0)",
            "services[0].rateLimit.sometimes: unknown field (expected one of [burst, rate])",
            "services[0].rateLimit.rate: is required: the tokens added per second (say 100/s)",
            "services[0].rateLimit.burst: must be an integer in [1, 1000000] (got 0)");
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
            .containsExactly("load[0].arrivals: unknown arrivals 'bursty' (poisson, constant, closed)");
    }

    @Test
    void shouldReadCostAndRefuseBadPrices() throws DiagramException {
        final String costed = MINIMAL.replace("    latency: {mean: 5ms}\n",
            "    latency: {mean: 5ms}\n    cost: {perReplicaHour: 0.12, perMillionRequests: 0.4}\n");
        assertThat(costed).isNotEqualTo(MINIMAL);
        assertThat(DiagramLoader.parse(costed).service(0).cost()).isEqualTo(new CostSpec(0.12, 0.4));
        assertThat(DiagramLoader.parse(MINIMAL).service(0).cost()).isEqualTo(CostSpec.NONE);
        assertThat(problemsOf(costed.replace("0.12", "-1")))
            .containsExactly("services[0].cost.perReplicaHour: must be a number >= 0, in the diagram's currency "
                + "unit (got -1)");
        assertThat(problemsOf(costed.replace("perMillionRequests", "perGB")))
            .containsExactly("services[0].cost.perGB: unknown field (expected one of [perMillionRequests, "
                + "perReplicaHour])");
    }

    @Test
    void shouldRefuseDuplicateLoadNames() {
        assertThat(problemsOf(MINIMAL + "  - target: api\n    rate: 5/s\n")).containsExactly("load[1].name: duplicate "
            + "load name 'api' (a load is named after its target unless it has a name: give each load on one service "
            + "its own)");
    }

    @Test
    void shouldRefuseAClosedLoadWithoutThinkTimeThatCanBeRejected() {
        final String closed = MINIMAL.replace("    rate: 100/s\n", "    users: 3\n")
            .replace("    latency: {mean: 5ms}\n", "    latency: {mean: 5ms}\n    queue: 0\n");
        assertThat(problemsOf(closed)).containsExactly("load[0].think: must be > 0: 'api' has a bounded queue, and a "
            + "user rejected there would retry at the same instant for ever");
        org.assertj.core.api.Assertions.assertThatCode(() -> DiagramLoader.parse(closed.replace("users: 3",
            "users: 3\n    think: 1ms"))).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseACallCycleWithNoExit() {
        final String cycle = """
            name: loop
            services:
              - name: a
                latency: {mean: 1ms}
                calls: [ { to: b } ]
              - name: b
                latency: {mean: 1ms}
                calls: [ { to: a, probability: 0.5 }, { to: c, probability: 0.5 } ]
              - name: c
                latency: {mean: 1ms}
                calls: [ { to: a } ]
            load:
              - { target: a, rate: 10/s }
            """;
        assertThat(problemsOf(cycle)).containsExactly("services[0].calls: every request reaching 'a' cycles "
            + "through calls for ever: no call chain from it ends (add probability to leave, calls summing below 1, "
            + "or a failureRate)");
        // Any exit anywhere on the cycle makes it a valid feedback network.
        final String leaky = cycle.replace("calls: [ { to: a } ]", "calls: [ { to: a, probability: 0.9 } ]");
        assertThat(leaky).isNotEqualTo(cycle);
        org.assertj.core.api.Assertions.assertThatCode(() -> DiagramLoader.parse(leaky)).doesNotThrowAnyException();
        final String failing = cycle.replace("  - name: c\n    latency: {mean: 1ms}",
            "  - name: c\n    failureRate: 0.01\n    latency: {mean: 1ms}");
        assertThat(failing).isNotEqualTo(cycle);
        org.assertj.core.api.Assertions.assertThatCode(() -> DiagramLoader.parse(failing)).doesNotThrowAnyException();
    }

    @Test
    void shouldReadAClosedLoadAndRefuseItsContradictions() throws DiagramException {
        final String closed = MINIMAL.replace("    rate: 100/s\n", "    users: 25\n    think: 2s\n");
        assertThat(closed).isNotEqualTo(MINIMAL);
        final LoadSpec load = DiagramLoader.parse(closed).load().get(0);
        assertThat(load.arrivals()).isEqualTo(LoadSpec.Arrivals.CLOSED);
        assertThat(load.users()).isEqualTo(25);
        assertThat(load.thinkNs()).isEqualTo(2_000_000_000L);
        assertThat(problemsOf(closed + "    rate: 5/s\n"))
            .containsExactly("load[0].rate: a closed load (users) has no rate: its throughput is an outcome");
        assertThat(problemsOf(closed.replace("users: 25", "users: 0")))
            .containsExactly("load[0].users: must be an integer in [1, 1000000] (got 0)");
        assertThat(problemsOf(MINIMAL + "    think: 1s\n"))
            .containsExactly("load[0].think: only closed arrivals (users) take think");
        assertThat(problemsOf(MINIMAL.replace("    rate: 100/s\n", "    arrivals: closed\n")))
            .containsExactly("load[0].users: is required for closed arrivals: the number of users");
    }

    // ---------------------------------------------------------------- load schedules

    @Test
    void shouldReadAScheduleAndADiurnalCycle() throws DiagramException {
        final LoadSpec load = DiagramLoader.parse(withLoad("rate: 400/s, schedule: [{at: 60s, step: 800/s}, "
            + "{at: 120s, ramp: 1200/s, over: 60s}, {at: 200s, spike: 4000/s, for: 10s}], "
            + "diurnal: {period: 24h, amplitude: 0.5, peak: 14h}")).load().get(0);
        assertThat(load.ratePerSec()).isEqualTo(400.0);
        assertThat(load.schedule()).containsExactly(
            new LoadSpec.Change(LoadSpec.Shape.STEP, 60_000_000_000L, 800.0, 0),
            new LoadSpec.Change(LoadSpec.Shape.RAMP, 120_000_000_000L, 1200.0, 60_000_000_000L),
            new LoadSpec.Change(LoadSpec.Shape.SPIKE, 200_000_000_000L, 4000.0, 10_000_000_000L));
        assertThat(load.schedule().get(1).endNs()).isEqualTo(180_000_000_000L);
        assertThat(load.diurnal()).isEqualTo(new LoadSpec.Diurnal(86_400_000_000_000L, 0.5, 50_400_000_000_000L));
        assertThat(load.isScheduled()).isTrue();
    }

    @Test
    void shouldDefaultTheDiurnalPeriodAndPeakAndLeaveAnUnscheduledLoadAsItWas() throws DiagramException {
        assertThat(DiagramLoader.parse(withLoad("rate: 5/s, diurnal: {amplitude: 0.25}")).load().get(0).diurnal())
            .isEqualTo(new LoadSpec.Diurnal(LoadSpec.Diurnal.DAY_NS, 0.25, 0));
        final LoadSpec plain = DiagramLoader.parse(MINIMAL).load().get(0);
        assertThat(plain.schedule()).isEmpty();
        assertThat(plain.diurnal()).isEqualTo(LoadSpec.Diurnal.NONE);
        assertThat(plain.isScheduled()).isFalse();
        // An empty schedule and a flat cycle are no schedule at all.
        assertThat(DiagramLoader.parse(withLoad("rate: 100/s, schedule: [], diurnal: {amplitude: 0}")).load().get(0)
            .isScheduled()).isFalse();
    }

    @Test
    void shouldAcceptARampAndADiurnalCycleOnConstantArrivalsAndAChangeAtZero() throws DiagramException {
        final LoadSpec load = DiagramLoader.parse(withLoad("rate: 5/s, arrivals: constant, "
            + "schedule: [{at: 0, ramp: 50/s, over: 1min}, {at: 1min, spike: 70/s, for: 1s}], "
            + "diurnal: {period: 1h, amplitude: 0.1, peak: 30min}")).load().get(0);
        assertThat(load.arrivals()).isEqualTo(LoadSpec.Arrivals.CONSTANT);
        assertThat(load.schedule()).hasSize(2);
        assertThat(load.diurnal().periodNs()).isEqualTo(3_600_000_000_000L);
    }

    @Test
    void shouldAcceptEveryScheduleExampleInTheDocs() throws Exception {
        // Every one-line scheduled load in docs/diagram.md must load, so that the docs can't drift from the parser.
        final List<String> examples = Files.readAllLines(Path.of("..", "docs", "diagram.md")).stream()
            .map(String::strip)
            .filter(line -> line.startsWith("- {") && (line.contains("schedule:") || line.contains("diurnal:")))
            .map(line -> line.replaceAll("\\s+#.*$", "").substring(2))
            .toList();

        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (final String example : examples) {
            final String text = "name: shop\nservices:\n  - {name: gateway, latency: {mean: 5ms}}\nload:\n  - "
                + example.replaceAll("target: \\w+", "target: gateway") + "\n";
            assertThatCode(() -> DiagramLoader.parse(text)).as(example).doesNotThrowAnyException();
            assertThat(DiagramLoader.parse(text).load().get(0).isScheduled()).as(example).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "schedule: {at: 1s, step: 5/s} | load[0].schedule: must be a list",
        "schedule: [5] | load[0].schedule[0]: must be a mapping such as {at: 60s, step: 800/s} (got 5)",
        "schedule: [{at: 1s}] | load[0].schedule[0]: give one of step, ramp or spike, e.g. {at: 60s, step: 800/s}",
        "schedule: [{at: 1s, step: 5/s, ramp: 9/s}] "
            + "| load[0].schedule[0].ramp: give only one of step, ramp or spike (got step and ramp)",
        "schedule: [{at: 1s, step: 5/s, when: 2s}] "
            + "| load[0].schedule[0].when: unknown field (expected one of [at, for, over, ramp, spike, step])",
        "schedule: [{step: 5/s}] "
            + "| load[0].schedule[0].at: is required: when the change starts, from the start of the run (e.g. 60s)",
        "schedule: [{at: -1s, step: 5/s}] | load[0].schedule[0].at: must be >= 0 (got -1s)",
        "schedule: [{at: 5, step: 5/s}] | load[0].schedule[0].at: needs a unit, e.g. 250us, 5ms, 2s (got 5)",
        "schedule: [{at: 1s, step: 0/s}] | load[0].schedule[0].step: must be > 0 (got 0/s)",
        "schedule: [{at: 1s, spike: -5/s, for: 1s}] | load[0].schedule[0].spike: must be > 0 (got -5/s)",
        "schedule: [{at: 1s, ramp: lots, over: 1s}] "
            + "| load[0].schedule[0].ramp: not a rate (say 800/s, 5/ms, 1200/min): 'lots'",
        "schedule: [{at: 1s, ramp: 5/s}] "
            + "| load[0].schedule[0].over: is required for a ramp: how long it takes to reach the rate, e.g. 60s",
        "schedule: [{at: 1s, ramp: 5/s, over: 0}] | load[0].schedule[0].over: must be > 0 (got 0)",
        "schedule: [{at: 1s, spike: 5/s}] "
            + "| load[0].schedule[0].for: is required for a spike: how long it lasts, e.g. 10s",
        "schedule: [{at: 1s, spike: 5/s, for: -2s}] | load[0].schedule[0].for: must be > 0 (got -2s)",
        "schedule: [{at: 1s, step: 5/s, over: 2s}] | load[0].schedule[0].over: only a ramp takes over",
        "schedule: [{at: 1s, ramp: 5/s, over: 2s, for: 1s}] | load[0].schedule[0].for: only a spike takes for",
        "schedule: [{at: 60s, step: 5/s}, {at: 30s, step: 9/s}] "
            + "| load[0].schedule[1].at: must be after schedule[0].at = 60s: changes are applied in order (got 30s)",
        "schedule: [{at: 60s, step: 5/s}, {at: 1min, step: 9/s}] "
            + "| load[0].schedule[1].at: must be after schedule[0].at = 60s: changes are applied in order (got 1min)",
        "schedule: [{at: 120s, ramp: 5/s, over: 60s}, {at: 150s, step: 9/s}] "
            + "| load[0].schedule[1].at: must be >= 180s, the end of schedule[0]: changes may not overlap (got 150s)",
        "schedule: [{at: 1s, spike: 5/s, for: 2s}, {at: 2s, spike: 9/s, for: 1s}] "
            + "| load[0].schedule[1].at: must be >= 3s, the end of schedule[0]: changes may not overlap (got 2s)",
        "diurnal: 0.5 | load[0].diurnal: must be a mapping such as {period: 24h, amplitude: 0.5, peak: 14h} (got 0.5)",
        "diurnal: {period: 24h} "
            + "| load[0].diurnal.amplitude: is required: the swing around the scheduled rate, in [0, 1), e.g. 0.5",
        "diurnal: {amplitude: 1} "
            + "| load[0].diurnal.amplitude: must be a number in [0, 1), so that the rate stays > 0 (got 1)",
        "diurnal: {amplitude: -0.1} "
            + "| load[0].diurnal.amplitude: must be a number in [0, 1), so that the rate stays > 0 (got -0.1)",
        "diurnal: {amplitude: 0.5, period: 0} | load[0].diurnal.period: must be > 0 (got 0)",
        "diurnal: {amplitude: 0.5, period: 1h, peak: 90min} "
            + "| load[0].diurnal.peak: must be >= 0 and < the period, 1h (got 90min)",
        "diurnal: {amplitude: 0.5, peak: -1h} "
            + "| load[0].diurnal.peak: must be >= 0 and < the period, 24h by default (got -1h)",
        "diurnal: {amplitude: 0.5, phase: 1h} "
            + "| load[0].diurnal.phase: unknown field (expected one of [amplitude, peak, period])",
    })
    void shouldRefuseABadScheduleWithItsFieldPath(final String fields, final String problem) {
        assertThat(problemsOf(withLoad("rate: 100/s, " + fields))).containsExactly(problem);
    }

    @Test
    void shouldRefuseAScheduleOnAClosedLoad() {
        assertThat(problemsOf(withLoad("users: 5, schedule: [{at: 1s, step: 5/s}], diurnal: {amplitude: 0.5}")))
            .containsExactly(
                "load[0].schedule: a closed load (users) has no rate to vary: only open arrivals take schedule",
                "load[0].diurnal: a closed load (users) has no rate to vary: only open arrivals take diurnal");
    }

    @Test
    void shouldReportEveryScheduleProblemAtOnce() {
        assertThat(problemsOf(withLoad("rate: 100/s, schedule: [{at: 10s, step: 0/s}, {at: 20s, ramp: 5/s}, "
            + "{at: 15s, spike: 9/s, for: 1s}], diurnal: {amplitude: 2, peak: 25h}"))).containsExactly(
            "load[0].schedule[0].step: must be > 0 (got 0/s)",
            "load[0].schedule[1].over: is required for a ramp: how long it takes to reach the rate, e.g. 60s",
            "load[0].schedule[2].at: must be after schedule[1].at = 20s: changes are applied in order (got 15s)",
            "load[0].diurnal.amplitude: must be a number in [0, 1), so that the rate stays > 0 (got 2)",
            "load[0].diurnal.peak: must be >= 0 and < the period, 24h by default (got 25h)");
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

    // ---------------------------------------------------------------- latency families

    @Test
    void shouldReadEveryLatencyFamily() throws Exception {
        final Diagram d = DiagramLoader.parse("""
            name: families
            services:
              - {name: c, latency: {distribution: constant, mean: 2ms}}
              - {name: x, latency: {distribution: exponential, mean: 2ms}}
              - {name: e, latency: {distribution: erlang, mean: 2ms, k: 4}}
              - {name: h, latency: {distribution: hyperexponential, mean: 2ms, cv: 3}}
              - {name: u, latency: {distribution: uniform, min: 0, max: 4ms}}
              - {name: l, latency: {distribution: lognormal, mean: 2ms, sd: 1ms}}
              - {name: q, latency: {distribution: lognormal, p50: 2ms, p99: 20ms}}
              - {name: s, latency: {distribution: pareto, scale: 1ms, shape: 2.5}}
              - {name: m, latency: {distribution: pareto, mean: 3ms, shape: 3}}
              - {name: p, latency: {distribution: empirical, points: {p50: 2ms, p90: 5ms, p99: 20ms, p100: 60ms}}}
            load: [{target: c, rate: 1/s}]
            """);

        final long ms = 1_000_000L;
        assertThat(d.services()).extracting(ServiceSpec::latency).containsExactly(
            LatencySpec.constant(2 * ms),
            LatencySpec.exponential(2 * ms),
            LatencySpec.erlang(2 * ms, 4),
            LatencySpec.hyperexponential(2 * ms, 3.0),
            LatencySpec.uniform(0, 4 * ms),
            LatencySpec.lognormal(2 * ms, ms),
            LatencySpec.lognormalByPercentiles(2 * ms, 20 * ms),
            LatencySpec.pareto(ms, 2.5),
            LatencySpec.paretoByMean(3 * ms, 3.0),
            LatencySpec.empirical(new double[] {0, 50, 90, 99, 100}, new long[] {0, 2 * ms, 5 * ms, 20 * ms, 60 * ms}));
        // The alternative forms convert to the canonical parameters with their stated means.
        assertThat(d.service(8).latency().param(0)).isCloseTo(2.0 * ms, within(1e-6));
        assertThat(d.service(8).latency().mean()).isCloseTo(3.0 * ms, within(1e-6));
        assertThat(d.service(6).latency().kind()).isEqualTo(LatencySpec.Kind.LOGNORMAL);
    }

    @Test
    void shouldReadEmpiricalPointsWithAnExplicitP0AndDecimalPercentiles() throws Exception {
        final LatencySpec spec = DiagramLoader.parse(withApi(
            "latency: {distribution: empirical, points: {p0: 1ms, p50: 2ms, p99.9: 20ms, p100: 25.5ms}}"))
            .service(0).latency();

        assertThat(spec).isEqualTo(LatencySpec.empirical(new double[] {0, 50, 99.9, 100},
            new long[] {1_000_000L, 2_000_000L, 20_000_000L, 25_500_000L}));
    }

    @Test
    void shouldReadEveryLatencyFamilyFromJson() throws Exception {
        final Diagram d = DiagramLoader.parse("""
            {"name": "j", "services": [
              {"name": "p", "latency": {"distribution": "empirical", "points": {"p90": "5ms", "p100": "9ms"}}},
              {"name": "e", "latency": {"distribution": "erlang", "mean": "5ms", "k": 2}}],
             "load": [{"target": "p", "rate": 1}]}
            """);

        assertThat(d.service(0).latency())
            .isEqualTo(LatencySpec.empirical(new double[] {0, 90, 100}, new long[] {0, 5_000_000L, 9_000_000L}));
        assertThat(d.service(1).latency()).isEqualTo(LatencySpec.erlang(5_000_000L, 2));
    }

    @Test
    void shouldAcceptEveryLatencyExampleInTheDocs() throws Exception {
        // Every one-line `latency: {...}` in docs/diagram.md must load, so that the docs can't drift from the parser.
        final List<String> examples = Files.readAllLines(Path.of("..", "docs", "diagram.md")).stream()
            .map(String::strip)
            .filter(line -> line.startsWith("latency: {distribution: "))
            .map(line -> line.replaceAll("\\s+#.*$", ""))
            .toList();

        assertThat(examples).hasSizeGreaterThanOrEqualTo(10);
        for (final String example : examples) {
            assertThatCode(() -> DiagramLoader.parse(withApi(example))).as(example).doesNotThrowAnyException();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // erlang
        "{distribution: erlang, mean: 5ms} "
            + "| services[0].latency.k: is required for an erlang distribution: the number of phases",
        "{distribution: erlang, mean: 5ms, k: 0} | services[0].latency.k: must be an integer from 1 to 1000 (got 0)",
        "{distribution: erlang, mean: 5ms, k: 2.5} "
            + "| services[0].latency.k: must be an integer from 1 to 1000 (got 2.5)",
        "{distribution: erlang, mean: 5ms, k: 1001} "
            + "| services[0].latency.k: must be an integer from 1 to 1000 (got 1001)",
        "{distribution: erlang, k: 3} | services[0].latency.mean: is required",
        "{distribution: erlang, mean: -1ms, k: 3} | services[0].latency.mean: must be > 0 (got -1ms)",
        // hyperexponential
        "{distribution: hyperexponential, mean: 5ms} "
            + "| services[0].latency.cv: is required for a hyperexponential distribution",
        "{distribution: hyperexponential, mean: 5ms, cv: 1} "
            + "| services[0].latency.cv: must be > 1 (got 1): cv 1 is the exponential, below 1 use erlang",
        "{distribution: hyperexponential, mean: 5ms, cv: 0.5} "
            + "| services[0].latency.cv: must be > 1 (got 0.5): cv 1 is the exponential, below 1 use erlang",
        "{distribution: hyperexponential, mean: 5ms, cv: high} "
            + "| services[0].latency.cv: must be a number (got \"high\")",
        "{distribution: hyperexponential, cv: 2} | services[0].latency.mean: is required",
        "{distribution: hyperexponential, mean: 5ms, cv: 1.0e+200} | services[0].latency.cv: is too large (got 1.0E200)",
        // uniform
        "{distribution: uniform, min: 1ms} | services[0].latency.max: is required for a uniform distribution",
        "{distribution: uniform, max: 1ms} | services[0].latency.min: is required for a uniform distribution",
        "{distribution: uniform, min: -1ms, max: 1ms} | services[0].latency.min: must be >= 0 (got -1ms)",
        "{distribution: uniform, min: 2ms, max: 2ms} | services[0].latency.max: must be > min = 2ms (got 2ms)",
        "{distribution: uniform, min: 0, max: 0} | services[0].latency.max: must be > min = 0 (got 0)",
        "{distribution: uniform, min: 3ms, max: 1ms} | services[0].latency.max: must be > min = 3ms (got 1ms)",
        "{distribution: uniform, min: 1ms, max: 5ms, mean: 3ms} "
            + "| services[0].latency.mean: a uniform distribution takes min and max, not mean",
        // lognormal
        "{distribution: lognormal, p50: 2ms} | services[0].latency.p99: is required with p50",
        "{distribution: lognormal, p99: 2ms} | services[0].latency.p50: is required with p99",
        "{distribution: lognormal, p50: 5ms, p99: 5ms} | services[0].latency.p99: must be > p50 = 5ms (got 5ms)",
        "{distribution: lognormal, p50: 5ms, p99: 1ms} | services[0].latency.p99: must be > p50 = 5ms (got 1ms)",
        "{distribution: lognormal, p50: 0, p99: 5ms} | services[0].latency.p50: must be > 0 (got 0)",
        "{distribution: lognormal, mean: 5ms, p99: 9ms} "
            + "| services[0].latency.p99: give either mean and sd, or p50 and p99, not both",
        "{distribution: lognormal, sd: 2ms, p50: 1ms, p99: 9ms} "
            + "| services[0].latency.p50: give either mean and sd, or p50 and p99, not both",
        "{distribution: lognormal, sd: 1ms} | services[0].latency.mean: is required (or give p50 and p99)",
        // pareto
        "{distribution: pareto, scale: 1ms} | services[0].latency.shape: is required for a pareto distribution",
        "{distribution: pareto, scale: 1ms, shape: 1} "
            + "| services[0].latency.shape: must be > 1, or the mean is infinite (got 1)",
        "{distribution: pareto, mean: 3ms, shape: 0.5} "
            + "| services[0].latency.shape: must be > 1, or the mean is infinite (got 0.5)",
        "{distribution: pareto, scale: 1ms, shape: 3ms} | services[0].latency.shape: must be a number (got \"3ms\")",
        "{distribution: pareto, shape: 3} "
            + "| services[0].latency.scale: is required for a pareto distribution (or give mean)",
        "{distribution: pareto, scale: 1ms, mean: 3ms, shape: 3} "
            + "| services[0].latency.mean: give either scale or mean, not both",
        "{distribution: pareto, scale: 0, shape: 3} | services[0].latency.scale: must be > 0 (got 0)",
        "{distribution: pareto, mean: -3ms, shape: 3} | services[0].latency.mean: must be > 0 (got -3ms)",
        // empirical
        "{distribution: empirical} | services[0].latency.points: is required for an empirical distribution, "
            + "e.g. {p50: 2ms, p99: 20ms, p100: 60ms}",
        "{distribution: empirical, points: [2ms]} | services[0].latency.points: must be a mapping from percentile "
            + "to duration, e.g. {p50: 2ms, p99: 20ms, p100: 60ms} (got [\"2ms\"])",
        "{distribution: empirical, points: {p50: 2ms, p99: 20ms}} "
            + "| services[0].latency.points.p100: is required: the largest service time",
        "{distribution: empirical, points: {}} "
            + "| services[0].latency.points.p100: is required: the largest service time",
        "{distribution: empirical, points: {p50: 2ms, p101: 20ms, p100: 30ms}} "
            + "| services[0].latency.points.p101: not a percentile: write p0 to p100, e.g. p50, p99.9",
        "{distribution: empirical, points: {median: 2ms, p100: 30ms}} "
            + "| services[0].latency.points.median: not a percentile: write p0 to p100, e.g. p50, p99.9",
        "{distribution: empirical, points: {p90: 5ms, p50: 2ms, p100: 30ms}} "
            + "| services[0].latency.points.p50: percentiles must increase: p50 comes after p90",
        "{distribution: empirical, points: {p99: 5ms, p99.0: 6ms, p100: 9ms}} "
            + "| services[0].latency.points.p99.0: percentiles must increase: p99.0 comes after p99",
        "{distribution: empirical, points: {p50: 5ms, p90: 5ms, p100: 30ms}} "
            + "| services[0].latency.points.p90: must be > p50 = 5ms: values increase with the percentile (got 5ms)",
        "{distribution: empirical, points: {p50: 5ms, p90: 4ms, p100: 30ms}} "
            + "| services[0].latency.points.p90: must be > p50 = 5ms: values increase with the percentile (got 4ms)",
        "{distribution: empirical, points: {p50: 0, p100: 30ms}} | services[0].latency.points.p50: "
            + "must be > p0 = 0 (the default): values increase with the percentile (got 0)",
        "{distribution: empirical, points: {p0: 2ms, p50: 1ms, p100: 30ms}} "
            + "| services[0].latency.points.p50: must be > p0 = 2ms: values increase with the percentile (got 1ms)",
        "{distribution: empirical, points: {p0: -1ms, p100: 3ms}} "
            + "| services[0].latency.points.p0: must be >= 0 (got -1ms)",
        "{distribution: empirical, points: {p50: 2, p100: 3ms}} "
            + "| services[0].latency.points.p50: needs a unit, e.g. 250us, 5ms, 2s (got 2)",
        "{distribution: empirical, mean: 2ms, points: {p100: 3ms}} "
            + "| services[0].latency.mean: an empirical distribution takes points, not mean",
        // fields that belong to another family, and typos
        "{distribution: exponential, mean: 5ms, k: 3} | services[0].latency.k: only an erlang distribution takes k",
        "{distribution: constant, mean: 5ms, shape: 3} "
            + "| services[0].latency.shape: only a pareto distribution takes shape",
        "{distribution: erlang, mean: 5ms, k: 2, cv: 2} "
            + "| services[0].latency.cv: only a hyperexponential distribution takes cv",
        "{distribution: pareto, mean: 3ms, shape: 3, sd: 1ms} "
            + "| services[0].latency.sd: only a lognormal distribution takes sd",
        "{distribution: lognormal, mean: 3ms, sd: 1ms, max: 9ms} "
            + "| services[0].latency.max: only a uniform distribution takes max",
        "{distribution: uniform, min: 0, max: 1ms, points: {p100: 1ms}} "
            + "| services[0].latency.points: only an empirical distribution takes points",
        "{mean: 5ms, stdev: 1ms} | services[0].latency.stdev: unknown field (expected one of [distribution, mean])",
        "{distribution: erlang, mean: 5ms, k: 2, phases: 2} "
            + "| services[0].latency.phases: unknown field (expected one of [distribution, k, mean])",
    })
    void shouldRefuseABadLatencyWithItsFieldPath(final String latency, final String problem) {
        assertThat(problemsOf(withApi("latency: " + latency))).containsExactly(problem);
    }

    @Test
    void shouldReportEveryLatencyProblemAtOnce() {
        assertThat(problemsOf(withApi("latency: {distribution: uniform, min: -1ms, max: fast, k: 2}"))).containsExactly(
            "services[0].latency.k: only an erlang distribution takes k",
            "services[0].latency.min: must be >= 0 (got -1ms)",
            "services[0].latency.max: not a duration (say 250us, 5ms, 2s): 'fast'");
        assertThat(problemsOf(withApi("latency: {distribution: weibull, mean: 5ms, colour: red}"))).containsExactly(
            "services[0].latency.colour: unknown field (expected one of "
                + "[cv, distribution, k, max, mean, min, p50, p99, points, scale, sd, shape])",
            "services[0].latency.distribution: unknown distribution 'weibull' "
                + "(constant, exponential, erlang, hyperexponential, uniform, lognormal, pareto, empirical)");
    }

    // ---------------------------------------------------------------- helpers

    /** A diagram whose first service is {@code api} with the given fields, followed by a service {@code db}. */
    /** One service, api, and one load on it with the given flow-mapping fields besides its target. */
    private static String withLoad(final String loadFields) {
        return "name: shop\nservices:\n  - name: api\n    latency: {mean: 5ms}\nload:\n  - {target: api, "
            + loadFields + "}\n";
    }

    // ---------------------------------------------------------------- sync calls, retries, databases

    @Test
    void shouldLoadTheFullExampleOfTheDocs() throws Exception {
        final String doc = Files.readString(Path.of("..", "docs", "diagram.md"));
        final int section = doc.indexOf("## A full example");
        final int start = doc.indexOf("```yaml\n", section) + "```yaml\n".length();
        final Diagram d = DiagramLoader.parse(doc.substring(start, doc.indexOf("```", start)));
        assertThat(d.services()).extracting(ServiceSpec::name)
            .containsExactly("web", "auth", "flags", "api", "db", "cron", "api.db");
        assertThat(d.partitions()).isEqualTo(2);
        assertThat(d.service(0).fanout()).isEqualTo(ServiceSpec.Fanout.PARALLEL);
        assertThat(d.service(0).syncCalls()).hasSize(2);
        assertThat(d.service(3).databaseCalls()).isEqualTo(1);
        assertThat(d.service(3).replicaSpec().balancer()).isEqualTo(ReplicaSpec.Balancer.LEAST_CONNECTIONS);
        assertThat(d.service(3).replicaSpec().failures()).isEqualTo(FailureSpec.exponential(7_200_000_000_000L));
    }

    @Test
    void shouldReadSyncCallsWithTimeoutRetryAndFanout() throws Exception {
        final Diagram d = DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            fanout: parallel
            calls:
              - {to: db, mode: sync, probability: 0.5, delay: 200us, timeout: 50ms,
                 retry: {attempts: 3, backoff: 5ms, maxBackoff: 20ms, jitter: none}}
              - {to: db, mode: sync}
            """));
        final ServiceSpec api = d.service(0);
        assertThat(api.fanout()).isEqualTo(ServiceSpec.Fanout.PARALLEL);
        assertThat(api.calls()).containsExactly(
            new CallSpec(1, "db", 0.5, 200_000L, CallSpec.Mode.SYNC, 50_000_000L,
                new RetrySpec(3, 5_000_000L, 20_000_000L, false)),
            new CallSpec(1, "db", 1.0, 100_000L, CallSpec.Mode.SYNC, CallSpec.NO_TIMEOUT, RetrySpec.NONE));
        assertThat(api.syncCalls()).hasSize(2);
        assertThat(api.forwardCalls()).isEmpty();
        // Backoff doubles per retry, capped: 5, 10, 20, 20 ms.
        final RetrySpec retry = api.calls().get(0).retry();
        assertThat(new long[] {retry.backoffNs(1), retry.backoffNs(2), retry.backoffNs(3), retry.backoffNs(4)})
            .containsExactly(5_000_000L, 10_000_000L, 20_000_000L, 20_000_000L);
    }

    @Test
    void shouldNotCountSyncCallsInTheForwardProbabilitySum() throws Exception {
        final Diagram d = DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            calls:
              - {to: db, mode: sync}
              - {to: db, probability: 0.9}
            """.replace("to: db, probability: 0.9", "to: api, probability: 0.5")));
        assertThat(d.service(0).forwardCalls()).hasSize(1);
    }

    @Test
    void shouldRefuseForwardCallsOnAServiceThatAnswersSyncCalls() {
        assertThat(problemsOf("""
            name: shop
            services:
              - {name: api, latency: {mean: 1ms}, calls: [{to: auth, mode: sync}]}
              - {name: auth, latency: {mean: 1ms}, calls: [{to: db, probability: 0.5}]}
              - {name: db, latency: {mean: 1ms}}
            load: [{target: api, rate: 1/s}]
            """)).containsExactly("services[1].calls[0].mode: 'auth' answers sync calls (from 'api'), so it cannot "
            + "forward the request: make this call sync");
    }

    @Test
    void shouldRefuseASyncCallCycleNamingIt() {
        assertThat(problemsOf("""
            name: shop
            services:
              - {name: api, latency: {mean: 1ms}, calls: [{to: auth, mode: sync}]}
              - {name: auth, latency: {mean: 1ms}, calls: [{to: users, mode: sync}]}
              - {name: users, latency: {mean: 1ms}, calls: [{to: auth, mode: sync}]}
            load: [{target: api, rate: 1/s}]
            """)).containsExactly("services[2].calls[0]: sync calls form a cycle: auth -> users -> auth "
            + "(each caller would wait on itself)");
        assertThat(problemsOf(withApi("latency: {mean: 1ms}\ncalls: [{to: api, mode: sync}]")))
            .containsExactly("services[0].calls[0]: sync calls form a cycle: api -> api (each caller would wait on "
                + "itself)");
    }

    @Test
    void shouldRefuseBadSyncCallFieldsWithTheirPaths() {
        assertThat(problemsOf(withApi("""
            latency: {mean: 1ms}
            fanout: sideways
            calls:
              - {to: db, mode: async, probability: 0.5}
              - {to: db, probability: 0.5, timeout: 5ms, retry: {attempts: 1}}
              - {to: db, mode: sync, timeout: 0, retry: {attempts: -1, backoff: 5ms, maxBackoff: 1ms, jitter: half}}
              - {to: db, mode: sync, retry: {backoff: 5ms, tries: 2}}
            """))).containsExactlyInAnyOrder(
            "services[0].calls[0].mode: must be forward or sync (got \"async\")",
            "services[0].calls[1].timeout: only a sync call takes timeout: a forward call does not wait for an answer",
            "services[0].calls[1].retry: only a sync call takes retry: a forward call does not wait for an answer",
            "services[0].calls[2].timeout: must be > 0 (got 0)",
            "services[0].calls[2].retry.attempts: must be an integer in [0, 100] (got -1)",
            "services[0].calls[2].retry.maxBackoff: must be >= backoff, 5ms (got 1ms)",
            "services[0].calls[2].retry.jitter: must be full or none (got \"half\")",
            "services[0].calls[3].retry.tries: unknown field (expected one of [attempts, backoff, jitter, maxBackoff])",
            "services[0].calls[3].retry.attempts: is required: how many times to retry after the first try",
            "services[0].fanout: must be sequential or parallel (got \"sideways\")");
    }

    @Test
    void shouldAddAnAttachedDatabaseAsAnImplicitServiceAfterTheOthers() throws Exception {
        final Diagram d = DiagramLoader.parse("""
            name: shop
            services:
              - name: api
                latency: {mean: 1ms}
                database:
                  latency: {distribution: exponential, mean: 2ms}
                  queries: 2
                  connections: 5
                  queue: 50
                  failureRate: 0.01
                  size: 10GB
                  writeBytes: 2KB
                  growth: 1GB/day
                  delay: 300us
                  cost: {perGBMonth: 0.10, perReplicaHour: 0.5}
                calls: [{to: auth, mode: sync}]
              - {name: auth, latency: {mean: 1ms}}
            load: [{target: api, rate: 1/s}]
            """);
        assertThat(d.services()).extracting(ServiceSpec::name).containsExactly("api", "auth", "api.db");
        final ServiceSpec db = d.service(2);
        assertThat(db.servers()).isEqualTo(5);
        assertThat(db.queueCapacity()).isEqualTo(50);
        assertThat(db.failureRate()).isEqualTo(0.01);
        assertThat(db.storage()).isEqualTo(new DatabaseSpec(10L << 30, 2048, 1L << 30, 0.10));
        assertThat(db.cost()).isEqualTo(new CostSpec(0.5, 0));
        final ServiceSpec api = d.service(0);
        assertThat(api.databaseCalls()).isEqualTo(2);
        assertThat(api.calls()).extracting(CallSpec::to).containsExactly("api.db", "api.db", "auth");
        assertThat(api.calls().get(0).delayNs()).isEqualTo(300_000L);
        assertThat(api.calls().get(0).isSync()).isTrue();
    }

    @Test
    void shouldDefaultADatabaseAndRefuseItsBadFields() throws Exception {
        final Diagram d = DiagramLoader.parse(withApi("latency: {mean: 1ms}\ndatabase: {latency: {mean: 2ms}}"));
        final ServiceSpec db = d.service(2);
        assertThat(db.name()).isEqualTo("api.db");
        assertThat(db.servers()).isEqualTo(DiagramLoader.DEFAULT_DB_CONNECTIONS);
        assertThat(db.queueCapacity()).isEqualTo(ServiceSpec.UNBOUNDED);
        assertThat(db.storage()).isEqualTo(new DatabaseSpec(10L << 30, 2048, 0, 0));
        assertThat(d.service(0).databaseCalls()).isEqualTo(1);
        assertThat(d.service(0).calls().get(0).delayNs()).isEqualTo(DiagramLoader.DEFAULT_CALL_DELAY_NS);

        assertThat(problemsOf(withApi("""
            latency: {mean: 1ms}
            database: {queries: -1, size: 10 parsecs, growth: 1GB, cost: {perGBMonth: -1}, colour: red}
            """))).containsExactlyInAnyOrder(
            "services[0].database.colour: unknown field (expected one of [connections, cost, delay, failureRate, "
                + "growth, latency, queries, queue, size, writeBytes])",
            "services[0].database.latency: is required: {distribution, mean[, sd]}",
            "services[0].database.size: unknown size unit 'parsecs' (B, KB, MB, GB, TB): '10 parsecs'",
            "services[0].database.growth: not a growth (say 1GB/day, 10MB/h): '1GB'",
            "services[0].database.cost.perGBMonth: must be a number >= 0, in the diagram's currency unit (got -1)");
        assertThat(problemsOf("""
            name: shop
            services:
              - {name: api, latency: {mean: 1ms}, database: {latency: {mean: 1ms}}}
              - {name: api.db, latency: {mean: 1ms}}
            load: [{target: api, rate: 1/s}]
            """)).containsExactly("services[0].database: its implicit service 'api.db' clashes with a service of "
            + "that name");
    }

    @Test
    void shouldRefuseABadServiceNameThatHasADatabase() {
        // The database of a service whose name was refused is not numbered (it used to throw a NullPointerException).
        assertThat(problemsOf("""
            name: shop
            services:
              - {name: 5, latency: {mean: 1ms}, database: {latency: {mean: 1ms}}}
            load: [{target: api, rate: 1/s}]
            """)).containsExactly(
            "services[0].name: must be 1-64 of letters, digits, '_', '.', '-' (got 5)",
            "load[0].target: unknown service 'api'");
    }

    // ---------------------------------------------------------------- replicas: balancer, lifecycle, health, failures

    @Test
    void shouldDefaultTheReplicaModelToTodaysSharedQueue() throws Exception {
        final Diagram d = DiagramLoader.parse(MINIMAL);
        assertThat(d.service(0).replicaSpec()).isSameAs(ReplicaSpec.DEFAULT);
        assertThat(ReplicaSpec.DEFAULT).isEqualTo(new ReplicaSpec(ReplicaSpec.Balancer.SHARED, null, 30_000_000_000L,
            new HealthSpec(10_000_000_000L, 1_000_000_000L, 3), null));
    }

    @Test
    void shouldReadTheBalancerStartupGraceHealthAndFailures() throws Exception {
        final Diagram d = DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            replicas: 3
            balancer: power-of-two
            startup: {distribution: uniform, min: 20s, max: 40s}
            terminationGrace: 45s
            health: {interval: 5s, timeout: 500ms, unhealthyThreshold: 2}
            failures: {mtbf: 2h, distribution: weibull, shape: 1.5}
            """));
        assertThat(d.service(0).replicaSpec()).isEqualTo(new ReplicaSpec(ReplicaSpec.Balancer.POWER_OF_TWO,
            LatencySpec.uniform(20_000_000_000L, 40_000_000_000L), 45_000_000_000L,
            new HealthSpec(5_000_000_000L, 500_000_000L, 2), FailureSpec.weibull(7_200_000_000_000L, 1.5)));
        for (final ReplicaSpec.Balancer b : ReplicaSpec.Balancer.values()) {
            assertThat(DiagramLoader.parse(withApi("latency: {mean: 5ms}\nbalancer: " + b.yamlName()))
                .service(0).replicaSpec().balancer()).isEqualTo(b);
        }
        final ReplicaSpec plain = DiagramLoader.parse(withApi("""
            latency: {mean: 5ms}
            startup: 30s
            terminationGrace: 0
            health: {timeout: 2s}
            failures: {mtbf: 90min}
            """)).service(0).replicaSpec();
        assertThat(plain.startup()).isEqualTo(LatencySpec.constant(30_000_000_000L));
        assertThat(plain.terminationGraceNs()).isZero();
        assertThat(plain.health()).isEqualTo(new HealthSpec(10_000_000_000L, 2_000_000_000L, 3));
        assertThat(plain.failures()).isEqualTo(FailureSpec.exponential(5_400_000_000_000L));
        assertThat(DiagramLoader.parse(withApi("latency: {mean: 5ms}\nstartup: 0")).service(0).replicaSpec())
            .isSameAs(ReplicaSpec.DEFAULT);
    }

    @Test
    void shouldRefuseBadReplicaFieldsWithTheirPaths() {
        assertThat(problemsOf(withApi("""
            latency: {mean: 5ms}
            balancer: sticky
            startup: -5s
            terminationGrace: soon
            health: {interval: 1s, timeout: 2s, unhealthyThreshold: 0, period: 3s}
            failures: {distribution: gamma, shape: 2}
            """))).containsExactly(
            "services[0].balancer: must be shared, round-robin, random, least-connections or power-of-two (got "
                + "\"sticky\")",
            "services[0].startup: must be >= 0 (got -5s)",
            "services[0].terminationGrace: not a duration (say 250us, 5ms, 2s): 'soon'",
            "services[0].health.period: unknown field (expected one of [interval, timeout, unhealthyThreshold])",
            "services[0].health.unhealthyThreshold: must be an integer in [1, 1000] (got 0)",
            "services[0].health.timeout: must be <= interval, 1s: a probe ends before the next is sent (got 2s)",
            "services[0].failures.mtbf: is required: the mean time a replica runs before it crashes, e.g. 2h",
            "services[0].failures.distribution: must be exponential or weibull (got \"gamma\")",
            "services[0].failures.shape: only a weibull distribution takes shape");
        assertThat(problemsOf(withApi("""
            latency: {mean: 5ms}
            startup: {distribution: erlang, mean: 10s}
            health: 5s
            failures: {mtbf: 0, distribution: weibull}
            """))).containsExactly(
            "services[0].startup.k: is required for an erlang distribution: the number of phases",
            "services[0].health: must be a mapping such as {interval: 5s, timeout: 1s, unhealthyThreshold: 3} "
                + "(got \"5s\")",
            "services[0].failures.mtbf: must be > 0 (got 0)",
            "services[0].failures.shape: is required for a weibull distribution: k (1 is the exponential; below 1 "
                + "early failures, above 1 wear-out)");
    }

    @Test
    void shouldReadThePartitionTargetAndRefuseABadOne() throws Exception {
        assertThat(DiagramLoader.parse(MINIMAL).partitions()).isEqualTo(Diagram.DEFAULT_PARTITIONS);
        assertThat(DiagramLoader.parse(MINIMAL + "partitions: 2\n").partitions()).isEqualTo(2);
        assertThat(problemsOf(MINIMAL + "partitions: 0\n"))
            .containsExactly("partitions: must be an integer in [1, 64] (got 0)");
    }

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
}
