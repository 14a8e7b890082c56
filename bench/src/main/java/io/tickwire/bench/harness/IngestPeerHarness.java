package io.tickwire.bench.harness;

import com.google.protobuf.CodedOutputStream;
import io.tickwire.client.IngestClient;
import org.xerial.snappy.Snappy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tickwire bench ingest}: Prometheus remote-write 1.0 decoded and aggregated by Tickwire, against Prometheus's
 * own receiver ({@code prometheus --web.enable-remote-write-receiver}), each in a process of its own pinned to one
 * core ({@code taskset -c 1}), fed the same requests by the same load generator (this JVM, on the other core) in the
 * same run.
 * <pre>
 *   generator: R requests of S samples (S series of node-exporter shape, 1 sample each; timestamps advancing 1 ms
 *   per pass over the series), snappy protobuf built before the clock starts ─► C keep-alive connections, each
 *   sending its share back to back ─► target; samples/s = R × S / (first send .. last answer)
 * </pre>
 * Tickwire's figure counts only what its answers said was taken and what its counters then show accepted; every
 * non-2xx answer of either is reported. Needs {@code taskset} (util-linux) and {@code prometheus} on the PATH.
 */
final class IngestPeerHarness {
    private static final int LABELS_PER_SERIES = 5;
    private static final String[] MODES = {"idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"};

    private IngestPeerHarness() {
    }

    record Result(String target, long samples, long nanos, long failed, String note) {
        double perSecond() {
            return samples * 1e9 / nanos;
        }
    }

    static void run(final int requests, final int samplesPerRequest, final int series, final int connections,
                    final Path out) throws Exception {
        Files.createDirectories(out);
        final List<Result> results = new ArrayList<>();
        // Warm both up with a tenth of the work first (the JIT, Prometheus' head), then measure.
        results.add(tickwire(requests, samplesPerRequest, series, connections));
        results.add(prometheus(requests, samplesPerRequest, series, connections, out));
        final List<Result> others = tickwireOthers(requests, samplesPerRequest, series, connections);
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "ingest: Prometheus remote-write 1.0, %d requests x %d samples (%d "
                + "series), %d connections; each receiver pinned to one core (taskset -c 1), the generator on the "
                + "other; %d cores, Java %s%n", requests, samplesPerRequest, series, connections,
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        appendResults(sb, results);
        sb.append(String.format(Locale.ROOT, "  Tickwire / Prometheus: %.2fx (target >= 3x)%n",
            results.get(0).perSecond() / results.get(1).perSecond()));
        sb.append("the same series and load to Tickwire in its other formats (no peer):\n");
        appendResults(sb, others);
        System.out.print(sb);
        Files.writeString(out.resolve("ingest.txt"), sb.toString());
    }

    private static void appendResults(final StringBuilder sb, final List<Result> results) {
        for (final Result r : results) {
            sb.append(String.format(Locale.ROOT, "  %-44s %,14.0f samples/s  (%,d samples in %.2f s, %d refused)%s%n",
                r.target, r.perSecond(), r.samples, r.nanos / 1e9, r.failed, r.note.isEmpty() ? "" : "  " + r.note));
        }
    }

    private static Result tickwire(final int requests, final int samplesPerRequest, final int series,
                                   final int connections) throws Exception {
        try (IngestServer server = IngestServer.start()) {
            final Result r = warmedSend(server.base + "/api/v1/write", requests, samplesPerRequest, series,
                connections, Format.REMOTE_WRITE);
            final String counters = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.base + "/observations/" + server.observationId)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            return new Result("Tickwire (decode + aggregate, one core)", r.samples, r.nanos, r.failed,
                "counters: " + summary(counters));
        }
    }

    /**
     * {@link IngestServerMain} in its own JVM pinned to core 1, with this JVM's flags, once it says {@code ready}
     * (its port and observation id); closing its stdin ends it.
     */
    private record IngestServer(Process process, BufferedReader out, String base, String observationId)
        implements AutoCloseable {
        static IngestServer start() throws IOException {
            final List<String> command = new ArrayList<>(List.of("taskset", "-c", "1", javaBin()));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), IngestServerMain.class.getName()));
            final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("ready ")) {
                // the server's own output, if any
            }
            if (line == null) {
                p.destroyForcibly();
                throw new IllegalStateException("the Tickwire ingest server did not start");
            }
            final String[] ready = line.split(" ");
            return new IngestServer(p, in, "http://127.0.0.1:" + ready[1], ready[2]);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static Result prometheus(final int requests, final int samplesPerRequest, final int series,
                                     final int connections, final Path out) throws Exception {
        final Path dir = Files.createTempDirectory(out, "prometheus");
        final Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, "global: {scrape_interval: 1m}\n");
        final int port = freePort();
        final Process p = new ProcessBuilder("taskset", "-c", "1", "prometheus", "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.enable-remote-write-receiver",
            "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            final String base = "http://127.0.0.1:" + port;
            final HttpClient http = HttpClient.newHttpClient();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (final IOException notYet) {
                    // starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("prometheus did not get ready; see " + dir.resolve("prometheus.log"));
                }
                Thread.sleep(100);
            }
            final Result r = warmedSend(base + "/api/v1/write", requests, samplesPerRequest, series, connections,
                Format.REMOTE_WRITE);
            return new Result("Prometheus 2.42 receiver (remote-write -> TSDB head)", r.samples, r.nanos, r.failed,
                "");
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** A tenth of the work first (the JIT, the receiver's warm-up), then all of it, timed. */
    private static Result warmedSend(final String url, final int requests, final int samplesPerRequest,
                                     final int series, final int connections, final Format format) throws Exception {
        send(url, requests / 10, samplesPerRequest, series, connections, format);
        return send(url, requests, samplesPerRequest, series, connections, format);
    }

    enum Format {
        REMOTE_WRITE, LINE_PROTOCOL, JSON
    }

    /** Build the requests (timestamps from now), then send them over {@code connections}, timed. */
    private static Result send(final String url, final int requests, final int samplesPerRequest, final int series,
                               final int connections, final Format format) throws Exception {
        final byte[][] bodies = new byte[requests][];
        final long start = System.currentTimeMillis();
        for (int r = 0; r < requests; r++) {
            bodies[r] = switch (format) {
                case REMOTE_WRITE -> request(r, samplesPerRequest, series, start);
                case LINE_PROTOCOL -> lines(r, samplesPerRequest, series, start);
                case JSON -> json(r, samplesPerRequest, series, start);
            };
        }
        final AtomicInteger next = new AtomicInteger();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong taken = new AtomicLong();
        // As each protocol's clients send it (Prometheus, Telegraf, a program posting JSON).
        final String contentType = switch (format) {
            case REMOTE_WRITE -> "application/x-protobuf";
            case LINE_PROTOCOL -> "text/plain; charset=utf-8";
            case JSON -> "application/json";
        };
        final ExecutorService pool = Executors.newFixedThreadPool(connections);
        final List<Future<?>> done = new ArrayList<>();
        final long t0 = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            done.add(pool.submit(() -> {
                final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
                int r;
                while ((r = next.getAndIncrement()) < requests) {
                    final HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", contentType)
                        .header("Content-Encoding", "snappy")
                        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[r])).build();
                    final HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() / 100 == 2) {
                        taken.addAndGet(samplesPerRequest);
                    } else {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (final Future<?> f : done) {
            f.get();
        }
        final long nanos = System.nanoTime() - t0;
        pool.shutdown();
        return new Result(url, taken.get(), nanos, failed.get(), "");
    }

    /** Tickwire fed the same series as line protocol and as JSON. */
    private static List<Result> tickwireOthers(final int requests, final int samplesPerRequest, final int series,
                                               final int connections) throws Exception {
        try (IngestServer server = IngestServer.start()) {
            final String base = server.base;
            final List<Result> results = new ArrayList<>();
            final long sbeSamples = 10L * requests * samplesPerRequest;
            sbeSocket(base, sbeSamples / 10, series, server.process, server.out); // warm-up
            results.add(sbeSocket(base, sbeSamples, series, server.process, server.out));
            final Result lp = warmedSend(base + "/api/v2/write?precision=ms", requests, samplesPerRequest, series,
                connections, Format.LINE_PROTOCOL);
            results.add(new Result("Tickwire line protocol (one core)", lp.samples, lp.nanos, lp.failed, ""));
            final Result js = warmedSend(base + "/metrics", requests, samplesPerRequest, series, connections,
                Format.JSON);
            results.add(new Result("Tickwire JSON (one core)", js.samples, js.nanos, js.failed, ""));
            return results;
        }
    }

    /**
     * SBE over one WebSocket ({@code /ingest}, {@link IngestClient}): {@code samples} samples of up to 1000 series
     * (keys), stamped by the server, in full frames within the server's window; from the first sample to the server's
     * IngestStatus saying it has consumed them all. The server's allocation over the run, per sample, from its
     * {@code alloc} answer.
     */
    private static Result sbeSocket(final String base, final long samples, final int series, final Process server,
                                    final BufferedReader serverOut) throws Exception {
        final int keys = Math.min(series, 1000);
        final long allocBefore = serverAlloc(server, serverOut);
        final long started;
        final long nanos;
        try (IngestClient c = IngestClient.connect(new IngestClient.Context()
            .uri(URI.create(base.replaceFirst("^http", "ws") + "/ingest")))) {
            for (int k = 0; k < keys; k++) {
                c.declare(k, "host-" + (k % 16), "node_cpu_seconds_total", "cpu=\"" + (k / 16) + "\"",
                    null, null);
            }
            if (!c.awaitConsumed(30_000)) {
                throw new IllegalStateException("declarations not consumed");
            }
            started = System.nanoTime();
            int key = 0;
            for (long i = 0; i < samples; i++) {
                c.add(key, 0, i);
                if (++key == keys) {
                    key = 0;
                }
            }
            c.flush();
            if (!c.awaitConsumed(120_000) || c.nacks() != 0) {
                throw new IllegalStateException("SBE ingest: consumed " + c.consumedBytes() + " of " + c.sentBytes()
                    + ", " + c.nacks() + " nacks, close " + c.closeStatus() + " " + c.closeReason());
            }
            nanos = System.nanoTime() - started;
        }
        final long allocated = serverAlloc(server, serverOut) - allocBefore;
        return new Result("Tickwire SBE over one WebSocket (one core)", samples, nanos, 0, String.format(Locale.ROOT,
            "server allocated %.3f B/sample (%,d B, every thread, declarations and answers included)",
            (double)allocated / samples, allocated));
    }

    private static long serverAlloc(final Process server, final BufferedReader serverOut) throws IOException {
        server.getOutputStream().write("alloc\n".getBytes(StandardCharsets.US_ASCII));
        server.getOutputStream().flush();
        String line;
        while ((line = serverOut.readLine()) != null && !line.startsWith("alloc ")) {
            // other output
        }
        if (line == null) {
            throw new IllegalStateException("the Tickwire ingest server went away");
        }
        return Long.parseLong(line.substring("alloc ".length()).trim());
    }

    /** As {@link #request}, in line protocol: {@code node_cpu,host=..,cpu=..,mode=.. seconds_total=V T}. */
    static byte[] lines(final int r, final int samplesPerRequest, final int series, final long startMs) {
        final StringBuilder sb = new StringBuilder(samplesPerRequest * 80);
        for (int i = 0; i < samplesPerRequest; i++) {
            final long n = (long)r * samplesPerRequest + i;
            final int s = (int)(n % series);
            final long pass = n / series;
            sb.append("node_cpu,host=host-").append(s / (64 * MODES.length)).append(",cpu=")
                .append(s / MODES.length % 64).append(",mode=").append(MODES[s % MODES.length])
                .append(" seconds_total=").append(pass * 0.01 + s).append(' ').append(startMs + pass).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** As {@link #request}, in JSON. */
    static byte[] json(final int r, final int samplesPerRequest, final int series, final long startMs) {
        final StringBuilder sb = new StringBuilder(samplesPerRequest * 140).append('[');
        for (int i = 0; i < samplesPerRequest; i++) {
            final long n = (long)r * samplesPerRequest + i;
            final int s = (int)(n % series);
            final long pass = n / series;
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"source\":\"host-").append(s / (64 * MODES.length))
                .append("\",\"metric\":\"node_cpu_seconds_total\",\"value\":").append(pass * 0.01 + s)
                .append(",\"timestamp\":").append(startMs + pass).append(",\"labels\":{\"cpu\":\"")
                .append(s / MODES.length % 64).append("\",\"mode\":\"").append(MODES[s % MODES.length]).append("\"}}");
        }
        return sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Request {@code r}: series {@code r×S .. r×S+S-1} (mod {@code series}), each of 5 labels in the node exporter's
     * shape, one sample each, stamped {@code start} + the pass over the series it belongs to (ms).
     */
    static byte[] request(final int r, final int samplesPerRequest, final int series, final long startMs)
        throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(samplesPerRequest * 128);
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        for (int i = 0; i < samplesPerRequest; i++) {
            final long n = (long)r * samplesPerRequest + i;
            final int s = (int)(n % series);
            final long pass = n / series;
            final String[][] labels = {
                {"__name__", "node_cpu_seconds_total"}, {"cpu", Integer.toString(s / MODES.length % 64)},
                {"instance", "host-" + s / (64 * MODES.length) + ":9100"}, {"job", "node"},
                {"mode", MODES[s % MODES.length]},
            };
            final ByteArrayOutputStream ts = new ByteArrayOutputStream(256);
            final CodedOutputStream t = CodedOutputStream.newInstance(ts);
            for (final String[] l : labels) {
                final int size = CodedOutputStream.computeStringSize(1, l[0]) + CodedOutputStream.computeStringSize(2,
                    l[1]);
                t.writeTag(1, 2);
                t.writeUInt32NoTag(size);
                t.writeString(1, l[0]);
                t.writeString(2, l[1]);
            }
            final int sample = CodedOutputStream.computeDoubleSize(1, pass * 0.01 + s)
                + CodedOutputStream.computeInt64Size(2, startMs + pass);
            t.writeTag(2, 2);
            t.writeUInt32NoTag(sample);
            t.writeDouble(1, pass * 0.01 + s);
            t.writeInt64(2, startMs + pass);
            t.flush();
            out.writeByteArray(1, ts.toByteArray());
        }
        out.flush();
        assert LABELS_PER_SERIES == 5;
        return Snappy.compress(bytes.toByteArray());
    }

    private static String summary(final String counters) {
        final int at = counters.indexOf("\"sources\"");
        long accepted = 0;
        long late = 0;
        for (final String part : counters.substring(Math.max(0, at)).split("\\{")) {
            accepted += field(part, "\"accepted\":");
            late += field(part, "\"late\":");
        }
        return accepted + " accepted, " + late + " late";
    }

    private static long field(final String text, final String name) {
        final int i = text.indexOf(name);
        if (i < 0) {
            return 0;
        }
        int j = i + name.length();
        int k = j;
        while (k < text.length() && Character.isDigit(text.charAt(k))) {
            k++;
        }
        return k > j ? Long.parseLong(text.substring(j, k)) : 0;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
