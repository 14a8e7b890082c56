package io.tickwire.bench.harness;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.transport.FeedServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code tickwire bench e2e} or {@code fanout}: the engine and Tickwire's {@link FeedServer} in this
 * process, the clients in another JVM ({@link FeedClientsMain}) launched here, and, for {@code --peer node}, the
 * Node.js {@code ws} broadcaster ({@code bench/peers/node-broadcaster.mjs}) between them: it subscribes to
 * Tickwire's feed once and re-broadcasts every frame, unchanged, to the same client process, which measures it by
 * the same intended-time rule. (So the node peer's path has one loopback hop more than Tickwire's — Tickwire feed →
 * Node — the price of sending it byte-identical frames from the same engine; see bench/README.md.)
 */
public final class E2eHarness {
    /** Run settings, {@code Context}-style, with the defaults of {@code bench e2e}. */
    public static final class Context {
        double tickRate = 100;
        int services = 100;
        int clients = 10;
        long durationMs = 30_000;
        long warmupMs = 5_000;
        Path outDir = Path.of("bench-results");
        String peer = "tickwire";
        String name = "e2e";

        public Context tickRate(final double perSecond) {
            this.tickRate = perSecond;
            return this;
        }

        public Context services(final int services) {
            this.services = services;
            return this;
        }

        public Context clients(final int clients) {
            this.clients = clients;
            return this;
        }

        public Context durationMs(final long ms) {
            this.durationMs = ms;
            return this;
        }

        public Context warmupMs(final long ms) {
            this.warmupMs = ms;
            return this;
        }

        public Context outDir(final Path dir) {
            this.outDir = dir;
            return this;
        }

        public Context peer(final String peer) {
            this.peer = peer;
            return this;
        }

        public Context name(final String name) {
            this.name = name;
            return this;
        }

        /** Tick length in µs: 1/rate, or 1 ms at speed max. */
        long tickUs() {
            return tickRate <= 0 ? 1000 : Math.round(1e6 / tickRate);
        }
    }

    private E2eHarness() {
    }

    /** A diagram of {@code n} independent services, each with its own load: frame size grows with {@code n}. */
    static String diagram(final int services, final long tickUs) {
        final StringBuilder y = new StringBuilder();
        y.append("name: bench\ntick: ").append(tickUs).append("us\nseed: 1\nservices:\n");
        for (int i = 0; i < services; i++) {
            y.append("  - name: s").append(i).append("\n    latency: { distribution: exponential, mean: 1ms }\n");
        }
        y.append("load:\n");
        for (int i = 0; i < services; i++) {
            y.append("  - { target: s").append(i).append(", rate: 100/s }\n");
        }
        return y.toString();
    }

    public static Summary run(final Context ctx) throws Exception {
        if (ctx.tickRate > 1000 || (ctx.tickRate > 0 && ctx.tickRate < 1)) {
            throw new IllegalArgumentException("--tick-rate must be from 1 to 1000 ticks/s (ticks of 1 ms to 1 s)");
        }
        if (!ctx.peer.equals("tickwire") && !ctx.peer.equals("node")) {
            throw new IllegalArgumentException("--peer must be tickwire or node, not " + ctx.peer);
        }
        final boolean paced = ctx.tickRate > 0;
        final long tickLengthNs = ctx.tickUs() * 1000;
        Files.createDirectories(ctx.outDir);
        System.out.printf(Locale.ROOT, "%s: peer %s, %s, %d services, %d clients, %d s (+%d s warm-up)%n", ctx.name,
            ctx.peer, paced ? String.format(Locale.ROOT, "%.0f ticks/s (speed 1, %d us ticks)", ctx.tickRate,
                ctx.tickUs()) : "speed max (1 ms ticks)", ctx.services, ctx.clients, ctx.durationMs / 1000,
            ctx.warmupMs / 1000);
        // Room for every client (10,000 in the fan-out): beyond the default limit of connections.
        final FeedServer.Context serverCtx = new FeedServer.Context().port(0)
            .maxConnections(Math.max(FeedServer.Context.DEFAULT_MAX_CONNECTIONS, ctx.clients + 64));
        try (FeedServer server = FeedServer.start(serverCtx)) {
            final Simulation sim = server.registry().launch(
                DiagramLoader.parse(diagram(ctx.services, ctx.tickUs())),
                new Simulation.Context().speed(paced ? 1.0 : Simulation.Context.SPEED_MAX).ticks(-1), (Path)null);
            long origin;
            while ((origin = sim.pacingOriginNanos()) == Long.MIN_VALUE) {
                Thread.onSpinWait();
            }
            final String feed = "ws://127.0.0.1:" + server.port() + "/feed?sim=" + sim.id();
            Process node = null;
            try {
                String target = feed;
                if (ctx.peer.equals("node")) {
                    node = NodePeer.start(feed);
                    target = "ws://127.0.0.1:" + NodePeer.awaitPort(node) + "/";
                }
                final List<String> cmd = new ArrayList<>(javaCommand());
                cmd.add(FeedClientsMain.class.getName());
                cmd.addAll(List.of(target, Integer.toString(ctx.clients), Long.toString(origin),
                    Long.toString(paced ? tickLengthNs : 0), Long.toString(ctx.warmupMs), Long.toString(ctx.durationMs),
                    ctx.outDir.toAbsolutePath().toString(), ctx.name));
                final Process clients = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                Summary summary = null;
                try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        final Summary s = Summary.parse(line);
                        if (s != null) {
                            summary = s;
                        } else {
                            System.out.println("  " + line);
                        }
                    }
                }
                final int exit = clients.waitFor();
                if (exit != 0 || summary == null) {
                    throw new IllegalStateException("the client process failed (exit " + exit + ")");
                }
                final long closed = sim.ticksClosed();
                System.out.printf(Locale.ROOT, "  engine: %d ticks closed; files: %s.{hlog,hgrm,html} in %s%n", closed,
                    ctx.name, ctx.outDir.toAbsolutePath());
                return summary;
            } finally {
                sim.stop();
                if (node != null) {
                    node.destroy();
                    if (!node.waitFor(5, TimeUnit.SECONDS)) {
                        node.destroyForcibly();
                    }
                }
            }
        }
    }

    /** This JVM's java, classpath and the module flags it was started with (the pom's list), for the clients. */
    static List<String> javaCommand() {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access")
                || arg.startsWith("--sun-misc-unsafe") || arg.startsWith("-Dchronicle.")
                || arg.startsWith("-Dio.netty.")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    /**
     * The Node.js broadcaster, bench/peers/node-broadcaster.mjs under the checkout, with the {@code ws} package that
     * building bench installs beside it (npm ci from bench/peers/package-lock.json).
     */
    static final class NodePeer {
        private NodePeer() {
        }

        static Path home() {
            final String env = System.getenv("TICKWIRE_HOME");
            if (env != null && Files.exists(Path.of(env, "bench", "peers", "node-broadcaster.mjs"))) {
                return Path.of(env);
            }
            for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.exists(p.resolve("bench/peers/node-broadcaster.mjs"))) {
                    return p;
                }
            }
            throw new IllegalStateException("bench/peers/node-broadcaster.mjs not found (set TICKWIRE_HOME)");
        }

        /** bench/peers/node_modules/ws, or a failure that says how to get it. */
        static Path wsPackage() {
            final Path ws = home().resolve("bench/peers/node_modules/ws");
            if (!Files.isRegularFile(ws.resolve("package.json"))) {
                throw new IllegalStateException("bench/peers/node_modules has no ws: build bench (mvn -B -pl bench -am "
                    + "package, or ./tickwire bench), which installs it with npm ci");
            }
            return ws;
        }

        static Process start(final String upstream) throws IOException {
            final Path script = wsPackage().getParent().getParent().resolve("node-broadcaster.mjs");
            try {
                return new ProcessBuilder("node", script.toString(), upstream)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            } catch (final IOException ex) {
                throw new IllegalStateException("Node.js not found (no node on the PATH): apt-get install nodejs", ex);
            }
        }

        /** The port from the broadcaster's first line, {@code listening PORT}, once it is subscribed upstream. */
        static int awaitPort(final Process node) throws IOException {
            final BufferedReader out = new BufferedReader(
                new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            final String line = out.readLine();
            if (line == null || !line.startsWith("listening ")) {
                throw new IllegalStateException("the node broadcaster did not start: " + line);
            }
            // Keep draining its output so that it never blocks on a full pipe.
            final Thread drain = new Thread(() -> {
                try {
                    String l;
                    while ((l = out.readLine()) != null) {
                        System.out.println("  node: " + l);
                    }
                } catch (final IOException ignored) {
                    // the process ended
                }
            }, "node-peer-output");
            drain.setDaemon(true);
            drain.start();
            return Integer.parseInt(line.substring("listening ".length()).trim());
        }
    }
}
