package io.tickwire.bench.harness;

import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.observe.Observation;
import io.tickwire.transport.FeedServer;

/**
 * The Tickwire side of {@code tickwire bench ingest}: a server on 127.0.0.1 with one I/O thread and one observed run
 * (ticks of 1 s, lateness and skew wide enough for a benchmark's burst of timestamps, no rate limit), run by the
 * harness in a process of its own, pinned to one core with {@code taskset}. Prints {@code ready <port> <id>}, then
 * serves until its stdin closes.
 */
public final class IngestServerMain {
    private IngestServerMain() {
    }

    public static void main(final String[] args) throws Exception {
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0).ioThreads(1))) {
            final Observation obs = server.registry().launch(ObserveLoader.parse("""
                name: ingest-bench
                tick: 1s
                lateness: 30s
                skew: 60s
                maxSeries: 65535
                defaults: {rate: 1000000000/s, burst: 1000000000}
                """), new Observation.Context(), null);
            System.out.println("ready " + server.port() + " " + obs.id());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the harness closes our stdin
            }
            obs.stop();
        }
    }
}
