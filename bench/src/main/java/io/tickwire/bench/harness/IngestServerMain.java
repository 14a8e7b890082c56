package io.tickwire.bench.harness;

import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.observe.Observation;
import io.tickwire.transport.FeedServer;

/**
 * The Tickwire side of {@code tickwire bench ingest}: a server on 127.0.0.1 with one I/O thread and one observed run
 * (ticks of 1 s, lateness and skew wide enough for a benchmark's burst of timestamps, no rate limit), run by the
 * harness in a process of its own, pinned to one core with {@code taskset}. Prints {@code ready <port> <id>}, then
 * serves until its stdin closes; each line {@code alloc} on stdin is answered {@code alloc <bytes>}: the bytes every
 * thread of this JVM has allocated so far (for the harness's bytes per sample).
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
            final java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) { // until the harness closes our stdin
                if ("alloc".equals(line.trim())) {
                    System.out.println("alloc " + allocatedBytes());
                    System.out.flush();
                }
            }
            obs.stop();
        }
    }

    private static long allocatedBytes() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, b);
        }
        return total;
    }
}
