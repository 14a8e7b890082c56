package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.transport.FeedServer;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/** A feed server on an ephemeral port with the checkout example running on it, for clients under test. */
final class LiveFeed implements AutoCloseable {
    final FeedServer server;
    final Simulation simulation;

    private LiveFeed(final FeedServer server, final Simulation simulation) {
        this.server = server;
        this.simulation = simulation;
    }

    /** Serve {@code examples/checkout.yaml} at {@code speed}, until closed; journaled in {@code journalDir} if set. */
    static LiveFeed checkout(final double speed, final Path journalDir) throws Exception {
        final Diagram diagram = DiagramLoader.load(Paths.get("../examples/checkout.yaml"));
        final FeedServer server = FeedServer.start(new FeedServer.Context().bindAddress("127.0.0.1").port(0));
        try {
            final Simulation sim = server.registry().launch(diagram, new Simulation.Context().speed(speed),
                journalDir);
            return new LiveFeed(server, sim);
        } catch (final Exception | Error ex) {
            server.close();
            throw ex;
        }
    }

    String feedUrl() {
        return "ws://127.0.0.1:" + server.port() + "/feed";
    }

    String pageUrl() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    /** Wait until the run has closed at least {@code ticks} ticks, so that a client joining now sees them flow. */
    LiveFeed awaitTicks(final long ticks) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (simulation.ticksClosed() < ticks) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no tick " + ticks + " after 20 s: " + simulation.state());
            }
            Thread.sleep(5);
        }
        return this;
    }

    @Override
    public void close() {
        server.close();
    }
}
