package io.tickwire.bench.harness;

import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.Units;
import io.tickwire.transport.FeedServer;
import org.agrona.DirectBuffer;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak (not in CI): one served, journaled run at {@code --speed} with {@code --clients} feed subscribers in this
 * JVM, {@code --stalled} of which subscribe and then never read again (their sockets fill, the server conflates them
 * or disconnects them by policy), for {@code --duration}; the server's RSS and heap (live, after a full collection,
 * and committed) are sampled every {@code --sample} into {@code soak.csv}, and summed up at the end: the first and last
 * minutes' means, the range, and the slope of a least-squares line over the whole run. Flat means the figures after
 * warm-up do not grow with time.
 * <pre>
 *   java $JVM_FLAGS -Xmx1g -cp bench/target/benchmarks.jar io.tickwire.bench.harness.SoakMain \
 *       --duration 10m --clients 100 --stalled 10 --speed 20 --out bench/results/soak
 * </pre>
 */
public final class SoakMain {
    private SoakMain() {
    }

    public static void main(final String[] args) throws Exception {
        long durationMs = 600_000;
        int clients = 100;
        int stalled = 10;
        double speed = 20;
        long sampleMs = 5_000;
        Path out = Path.of("bench", "results", "soak");
        Path diagramFile = Path.of("examples", "checkout.yaml");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--duration" -> durationMs = Units.parseDurationNs(args[i + 1]) / 1_000_000;
                case "--clients" -> clients = Integer.parseInt(args[i + 1]);
                case "--stalled" -> stalled = Integer.parseInt(args[i + 1]);
                case "--speed" -> speed = Double.parseDouble(args[i + 1]);
                case "--sample" -> sampleMs = Units.parseDurationNs(args[i + 1]) / 1_000_000;
                case "--out" -> out = Path.of(args[i + 1]);
                case "--diagram" -> diagramFile = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        final Diagram diagram = DiagramLoader.load(diagramFile);
        final Path journals = Files.createTempDirectory("tickwire-soak");
        final List<FeedClient> live = new ArrayList<>();
        final List<Socket> stalledSockets = new ArrayList<>();
        final LongAdder ticksReceived = new LongAdder();
        final AtomicInteger disconnects = new AtomicInteger();
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0).journalRoot(journals)
            .maxConnections(clients + 64));
             PrintStream csv = new PrintStream(Files.newOutputStream(out.resolve("soak.csv")), true,
                 StandardCharsets.UTF_8)) {
            final Simulation sim = server.registry().launch(diagram, new Simulation.Context().speed(speed),
                journals.resolve("soak"));
            final URI feed = URI.create("ws://127.0.0.1:" + server.port() + "/feed");
            for (int c = 0; c < clients - stalled; c++) {
                final FeedClient client = FeedClient.connect(FeedClient.withoutAutoSubscribe(feed), new FeedListener() {
                    @Override
                    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
                    }

                    @Override
                    public void onTick(final long simulationId, final long tick, final DirectBuffer buffer,
                                       final int offset, final int length) {
                        ticksReceived.increment();
                    }

                    @Override
                    public void onDisconnect(final int statusCode, final String reason) {
                        disconnects.incrementAndGet();
                    }
                });
                client.subscribe(sim.id()).get(10, TimeUnit.SECONDS);
                live.add(client);
            }
            for (int c = 0; c < stalled; c++) {
                stalledSockets.add(stalledSubscriber(server.port(), sim.id()));
            }
            System.out.printf(Locale.ROOT, "soak: '%s' at speed %s, %d subscribers (%d stalled), %d s, sampled every "
                + "%d s into %s%n", diagram.name(), speed, clients, stalled, durationMs / 1000, sampleMs / 1000,
                out.resolve("soak.csv"));
            csv.println("seconds,rss_mib,heap_used_mib,heap_committed_mib,ticks_closed,ticks_received,disconnects");
            final List<double[]> samples = new ArrayList<>();
            final long start = System.nanoTime();
            for (long next = sampleMs; ; next += sampleMs) {
                final long wait = start + next * 1_000_000L - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000L);
                }
                final double seconds = (System.nanoTime() - start) / 1e9;
                final double rss = rss() / 1048576.0;
                final double heap = usedAfterGc() / 1048576.0;
                final double committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted()
                    / 1048576.0;
                samples.add(new double[] {seconds, rss, heap});
                csv.printf(Locale.ROOT, "%.1f,%.1f,%.1f,%.1f,%d,%d,%d%n", seconds, rss, heap, committed,
                    sim.ticksClosed(), ticksReceived.sum(), disconnects.get());
                if (next >= durationMs) {
                    break;
                }
            }
            summarize(samples, sim.ticksClosed(), ticksReceived.sum(), disconnects.get());
            for (final Socket s : stalledSockets) {
                s.close();
            }
            live.forEach(FeedClient::close);
        }
    }

    /** A WebSocket that subscribes from the latest tick, then never reads: its socket buffers fill and stay full. */
    private static Socket stalledSubscriber(final int port, final long simulationId) throws Exception {
        final Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        final OutputStream out = socket.getOutputStream();
        out.write(("GET /feed?sim=" + simulationId + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket"
            + "\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket; // ?sim= subscribes at once; nothing is read from here on
    }

    private static void summarize(final List<double[]> samples, final long ticks, final long received,
                                  final int disconnects) {
        final int n = samples.size();
        final int minute = Math.max(1, (int)Math.ceil(n / 10.0));
        System.out.printf(Locale.ROOT, "soak: %d samples, %d ticks closed, %d ticks delivered, %d client "
            + "disconnects%n", n, ticks, received, disconnects);
        for (final int column : new int[] {1, 2}) {
            double min = Double.MAX_VALUE;
            double max = 0;
            double first = 0;
            double last = 0;
            for (int i = 0; i < n; i++) {
                final double v = samples.get(i)[column];
                min = Math.min(min, v);
                max = Math.max(max, v);
                if (i < minute) {
                    first += v / minute;
                }
                if (i >= n - minute) {
                    last += v / minute;
                }
            }
            System.out.printf(Locale.ROOT, "soak: %-9s first tenth %.1f MiB, last tenth %.1f MiB, min %.1f, max %.1f, "
                + "slope %+.3f MiB/min%n", column == 1 ? "RSS" : "heap used", first, last, min, max,
                slope(samples, column) * 60);
        }
    }

    /** Least-squares slope of column {@code c} against seconds. */
    private static double slope(final List<double[]> samples, final int c) {
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (final double[] s : samples) {
            sx += s[0];
            sy += s[c];
            sxx += s[0] * s[0];
            sxy += s[0] * s[c];
        }
        final int n = samples.size();
        final double d = n * sxx - sx * sx;
        return d == 0 ? 0 : (n * sxy - sx * sy) / d;
    }

    /** The live heap: what is in use right after a full collection (one every sample: a soak can afford it). */
    private static long usedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rss() throws Exception {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
