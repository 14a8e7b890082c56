package io.tickwire.transport.test;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.SimulationRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one server fixture of the feed's tests (published in transport's test-jar): a {@link FeedServer} on
 * 127.0.0.1 and an ephemeral port, simulations launched on it from a diagram (YAML text, a parsed one, or a file of
 * the repo's {@code examples/}), {@link FeedTestClient}s connected to it, and all of it torn down by
 * {@link #close()} (clients first). Use it in try-with-resources or close it in {@code @AfterEach}.
 * <pre>
 * try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml", new Simulation.Context().speed(20),
 *         null).awaitTicks(1)) {
 *     final FeedTestClient client = feed.connect("?sim=" + feed.simulation().id());
 *     ...
 * }
 * </pre>
 */
public final class FeedServerFixture implements AutoCloseable {
    private static final long AWAIT_TICKS_MS = 20_000;

    private final FeedServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private volatile Simulation first;

    private FeedServerFixture(final FeedServer server) {
        this.server = server;
    }

    /** A server with the default context. */
    public static FeedServerFixture start() throws InterruptedException {
        return start(new FeedServer.Context());
    }

    /** A server with {@code ctx}, bound to 127.0.0.1 on an ephemeral port whatever {@code ctx} said. */
    public static FeedServerFixture start(final FeedServer.Context ctx) throws InterruptedException {
        return new FeedServerFixture(FeedServer.start(ctx.bindAddress("127.0.0.1").port(0)));
    }

    /**
     * A server with the default context and a run of {@code examples/<file>} on it ({@link #simulation()}),
     * journaled in {@code journal} if not null.
     */
    public static FeedServerFixture startExample(final String file, final Simulation.Context ctx, final Path journal)
        throws Exception {
        final FeedServerFixture fixture = start();
        try {
            fixture.launchExample(file, ctx, journal);
            return fixture;
        } catch (final Exception | Error ex) {
            fixture.close();
            throw ex;
        }
    }

    /** The first simulation launched on this fixture. */
    public Simulation simulation() {
        if (first == null) {
            throw new IllegalStateException("no simulation launched");
        }
        return first;
    }

    /** Wait until {@link #simulation()} has closed at least {@code ticks} ticks. */
    public FeedServerFixture awaitTicks(final long ticks) throws InterruptedException {
        awaitTicks(simulation(), ticks);
        return this;
    }

    public FeedServer server() {
        return server;
    }

    public SimulationRegistry registry() {
        return server.registry();
    }

    public int port() {
        return server.port();
    }

    /** {@code ws://127.0.0.1:PORT/feed}. */
    public String feedUrl() {
        return "ws://127.0.0.1:" + port() + "/feed";
    }

    public URI feedUri() {
        return URI.create(feedUrl());
    }

    /** The dashboard: {@code http://127.0.0.1:PORT/}. */
    public String pageUrl() {
        return "http://127.0.0.1:" + port() + "/";
    }

    /** Launch the diagram in {@code yaml} text; journaled in {@code journal} if not null. */
    public Simulation launch(final String yaml, final Simulation.Context ctx, final Path journal) throws Exception {
        return launch(DiagramLoader.parse(yaml), ctx, journal);
    }

    /** Launch the diagram of {@code examples/<file>} in the repo (e.g. {@code checkout.yaml}). */
    public Simulation launchExample(final String file, final Simulation.Context ctx, final Path journal)
        throws Exception {
        return launch(DiagramLoader.load(example(file)), ctx, journal);
    }

    public Simulation launch(final Diagram diagram, final Simulation.Context ctx, final Path journal)
        throws IOException {
        final Simulation simulation = server.registry().launch(diagram, ctx, journal);
        if (first == null) {
            first = simulation;
        }
        return simulation;
    }

    /** A wire-level client on {@code /feed<query>}, closed with the fixture. */
    public FeedTestClient connect(final String query) throws IOException {
        return closeWithFixture(FeedTestClient.connect(port(), query));
    }

    /** As {@link #connect(String)}, with a small receive buffer: a client that can stall as a slow reader. */
    public FeedTestClient connect(final String query, final int receiveBufferBytes) throws IOException {
        return closeWithFixture(FeedTestClient.connect(port(), query, receiveBufferBytes));
    }

    /** Close {@code resource} (a client of any kind) with the fixture, before the server. */
    public synchronized <T extends AutoCloseable> T closeWithFixture(final T resource) {
        clients.add(resource);
        return resource;
    }

    /** Wait until {@code simulation} has closed at least {@code ticks} ticks (so that a client joining sees them). */
    public static Simulation awaitTicks(final Simulation simulation, final long ticks) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AWAIT_TICKS_MS);
        while (simulation.ticksClosed() < ticks) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no tick " + ticks + " after " + AWAIT_TICKS_MS + " ms: "
                    + simulation.state());
            }
            Thread.sleep(5);
        }
        return simulation;
    }

    /** {@code examples/<file>} of the repo, found from the working directory of any module upwards. */
    public static Path example(final String file) {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            final Path candidate = dir.resolve("examples").resolve(file);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new UncheckedIOException(new IOException("no examples/" + file + " above " + Paths.get("")
            .toAbsolutePath()));
    }

    /** The clients, then the server. */
    @Override
    public synchronized void close() {
        for (final AutoCloseable c : clients) {
            try {
                c.close();
            } catch (final Exception ex) {
                // closing anyway
            }
        }
        clients.clear();
        server.close();
    }
}
