package io.tickwire.bench.harness;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tickwire bench e2e|fanout|compare [options]} (the {@code ./tickwire} launcher runs this main from
 * {@code bench/target/benchmarks.jar} with the pom's JVM flags; JMH itself stays behind {@code bench/jmh}).
 * Exit 0 on success, 2 on bad input (one line on stderr), 1 on a failure.
 */
public final class BenchMain {
    private static final String USAGE = """
        usage: tickwire bench e2e     [--tick-rate 100] [--services 100] [--clients 10] [--duration 30s] [--warmup 5s]
                                      [--out DIR] [--peer tickwire|node]
               tickwire bench fanout  [--clients 100] [--tick-rate max|N] [--services 10] [--duration 10s] [--warmup 3s]
                                      [--out DIR] [--peer tickwire|node]
               tickwire bench compare [--out DIR] [--duration 15s]
               tickwire bench ingest  [--requests 2000] [--samples 2000] [--series 20000] [--connections 4] [--out DIR]
        """;

    private BenchMain() {
    }

    public static void main(final String[] args) {
        try {
            System.exit(run(args));
        } catch (final IllegalArgumentException ex) {
            System.err.println("tickwire: " + ex.getMessage());
            System.exit(2);
        } catch (final Exception ex) {
            System.err.println("tickwire: bench failed: " + ex);
            ex.printStackTrace();
            System.exit(1);
        }
    }

    static int run(final String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        final Map<String, String> opts = options(args);
        switch (args[0]) {
            case "e2e" -> E2eHarness.run(e2e(opts, new E2eHarness.Context()));
            case "fanout" -> E2eHarness.run(e2e(opts, new E2eHarness.Context().name("fanout").clients(100)
                .services(10).tickRate(0).durationMs(10_000).warmupMs(3_000)));
            case "compare" -> compare(opts);
            case "ingest" -> IngestPeerHarness.run(intOption(opts, "requests", 2000), intOption(opts, "samples", 2000),
                intOption(opts, "series", 20_000), intOption(opts, "connections", 4),
                Path.of(opts.getOrDefault("out", "bench/results")));
            default -> throw new IllegalArgumentException("unknown bench command '" + args[0] + "' (e2e, fanout, "
                + "compare, ingest)");
        }
        return 0;
    }

    private static int intOption(final Map<String, String> opts, final String name, final int dflt) {
        final String v = opts.get(name);
        try {
            final int n = v == null ? dflt : Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("--" + name + " must be a whole number >= 1, got '" + v + "'");
        }
    }

    private static Map<String, String> options(final String[] args) {
        final Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            final String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            final int eq = a.indexOf('=');
            if (eq > 0) {
                opts.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                opts.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
        }
        return opts;
    }

    static E2eHarness.Context e2e(final Map<String, String> opts, final E2eHarness.Context ctx) {
        for (final Map.Entry<String, String> e : opts.entrySet()) {
            final String v = e.getValue();
            switch (e.getKey()) {
                case "tick-rate" -> ctx.tickRate(v.equals("max") ? 0 : positive("--tick-rate", v));
                case "services" -> ctx.services((int)positive("--services", v));
                case "clients" -> ctx.clients((int)positive("--clients", v));
                case "duration" -> ctx.durationMs(millis("--duration", v));
                case "warmup" -> ctx.warmupMs(millis("--warmup", v));
                case "out" -> ctx.outDir(Path.of(v));
                case "peer" -> ctx.peer(v);
                case "name" -> ctx.name(v);
                default -> throw new IllegalArgumentException("unknown option --" + e.getKey());
            }
        }
        if (opts.containsKey("peer") && !opts.containsKey("name")) {
            ctx.name(ctx.name + "-" + ctx.peer);
        }
        return ctx;
    }

    private static double positive(final String option, final String v) {
        try {
            final double d = Double.parseDouble(v);
            if (d > 0) {
                return d;
            }
        } catch (final NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a positive number, not '" + v + "'");
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m}, or plain seconds. */
    static long millis(final String option, final String v) {
        try {
            if (v.endsWith("ms")) {
                return Long.parseLong(v.substring(0, v.length() - 2));
            }
            if (v.endsWith("s")) {
                return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000);
            }
            if (v.endsWith("m")) {
                return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000);
            }
            return Math.round(Double.parseDouble(v) * 1000);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException(option + " must be a duration like 30s or 500ms, not '" + v + "'");
        }
    }

    /**
     * Tickwire and its peers in one run, each peer as a ratio to Tickwire: JMH short runs of the sample path
     * (Disruptor vs ArrayBlockingQueue) and of the tick encode (SBE vs Jackson JSON), then e2e p99 and fan-out
     * frames/s against the Node.js {@code ws} broadcaster. A few minutes in all by default.
     */
    static void compare(final Map<String, String> opts) throws Exception {
        final Path out = Path.of(opts.getOrDefault("out", "bench-results"));
        final long durationMs = millis("--duration", opts.getOrDefault("duration", "15s"));
        final List<String[]> rows = new ArrayList<>();

        final Map<String, Double> samplePath = jmh("io\\.tickwire\\.(engine\\.SamplePathBenchmark|bench\\."
            + "BlockingQueueSamplePathBenchmark)\\.publishSample", Map.of("waitStrategy", "sleeping"));
        final double disruptor = samplePath.get("io.tickwire.engine.SamplePathBenchmark.publishSample");
        final double abq = samplePath.get("io.tickwire.bench.BlockingQueueSamplePathBenchmark.publishSample");
        rows.add(row("sample path, samples/s (higher is better)", disruptor, "ArrayBlockingQueue + objects", abq,
            abq / disruptor, disruptor / abq));

        final Map<String, Double> codec = jmh("io\\.tickwire\\.bench\\.CodecBenchmark\\.tickEncode(Json)?$",
            Map.of());
        final double sbe = codec.get("io.tickwire.bench.CodecBenchmark.tickEncode");
        final double json = codec.get("io.tickwire.bench.CodecBenchmark.tickEncodeJson");
        rows.add(row("100-service tick encode, ns/op (lower is better)", sbe, "Jackson JSON", json, json / sbe, json / sbe));

        final Summary e2eTw = E2eHarness.run(new E2eHarness.Context().outDir(out).durationMs(durationMs)
            .warmupMs(5_000).name("compare-e2e-tickwire"));
        final Summary e2eNode = E2eHarness.run(new E2eHarness.Context().outDir(out).durationMs(durationMs)
            .warmupMs(5_000).peer("node").name("compare-e2e-node"));
        rows.add(new String[] {"e2e p99 us, 100 ticks/s, 100 services, 10 clients (lower is better)",
            fmt(e2eTw.p99() / 1e3), "Node.js ws broadcaster", fmt(e2eNode.p99() / 1e3),
            ratio((double)e2eNode.p99() / e2eTw.p99()), ratio((double)e2eNode.p99() / e2eTw.p99())});
        rows.add(new String[] {"e2e p50 us, same runs", fmt(e2eTw.p50() / 1e3), "Node.js ws broadcaster",
            fmt(e2eNode.p50() / 1e3), ratio((double)e2eNode.p50() / e2eTw.p50()),
            ratio((double)e2eNode.p50() / e2eTw.p50())});

        final long fanoutMs = Math.min(durationMs, 10_000);
        final Summary fanTw = E2eHarness.run(new E2eHarness.Context().outDir(out).clients(100).services(10)
            .tickRate(0).durationMs(fanoutMs).warmupMs(3_000).name("compare-fanout-tickwire"));
        final Summary fanNode = E2eHarness.run(new E2eHarness.Context().outDir(out).clients(100).services(10)
            .tickRate(0).durationMs(fanoutMs).warmupMs(3_000).peer("node").name("compare-fanout-node"));
        rows.add(row("fan-out frames/s decoded, 100 clients, speed max (higher is better)", fanTw.framesPerSecond(),
            "Node.js ws broadcaster", fanNode.framesPerSecond(), fanNode.framesPerSecond() / fanTw.framesPerSecond(),
            fanTw.framesPerSecond() / fanNode.framesPerSecond()));

        System.out.printf(Locale.ROOT, "%ncompare (%d cores, Java %s, load average %.2f at the end):%n",
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("| %s | %s | %s | %s | %s | %s |%n", "figure", "Tickwire", "peer", "peer figure",
            "peer / Tickwire", "Tickwire's advantage (x)");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (final String[] r : rows) {
            System.out.printf("| %s | %s | %s | %s | %s | %s |%n", (Object[])r);
        }
    }

    private static String[] row(final String what, final double tickwire, final String peer, final double peerValue,
                                final double ratio, final double advantage) {
        return new String[] {what, fmt(tickwire), peer, fmt(peerValue), ratio(ratio), ratio(advantage)};
    }

    private static String fmt(final double v) {
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2f M", v / 1e6) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String ratio(final double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    /** A short JMH run (1 fork, 2 × 1 s warm-up, 3 × 1 s measured) with this JVM's module flags in the fork. */
    private static Map<String, Double> jmh(final String include, final Map<String, String> params) throws Exception {
        final List<String> flags = new ArrayList<>();
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access")
                || arg.startsWith("--sun-misc-unsafe") || arg.startsWith("-D")) {
                flags.add(arg);
            }
        }
        flags.add("-Xms1g");
        flags.add("-Xmx1g");
        final OptionsBuilder ob = new OptionsBuilder();
        ob.include(include).forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(1)).measurementIterations(3)
            .measurementTime(TimeValue.seconds(1)).jvmArgsAppend(flags.toArray(new String[0]))
            .shouldFailOnError(true);
        params.forEach(ob::param);
        final Collection<RunResult> results = new Runner(ob.build()).run();
        final Map<String, Double> scores = new HashMap<>();
        for (final RunResult r : results) {
            scores.put(r.getParams().getBenchmark(), r.getPrimaryResult().getScore());
        }
        return scores;
    }
}
