package io.tickwire.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.ThreadStartHook;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournalWriter;
import io.tickwire.transport.alerting.AlertNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The Netty server: REST control of simulations, the binary WebSocket feed on {@code /feed}, the static dashboard.
 * <pre>
 *   accept loop (1 thread) ──► I/O loops (ioThreads) ── per connection: {@link FeedServerInitializer}'s pipeline
 *                                    ▲                   and its FeedFrameHandler (one FeedSubscription per run)
 *   simulation ─TickListener thread─►│ {@link Broadcaster}: each tick framed once (and once per service filter)
 *                                    │ into the run's in-memory tail; one wake-up per I/O loop, which writes each
 *                                    │ subscription the ticks it is owed (retained duplicates), flushing once
 *   replay threads ─ journal batches ┘ for subscriptions resuming from before the tail
 * </pre>
 * </pre>
 * Native epoll is used where available, NIO otherwise. {@link #close()} stops accepting, stops every simulation this
 * server's {@link #registry()} launched (their subscribers get {@code SimulationEnd}), closes every connection (feed
 * clients with 1001) and shuts the event loops down gracefully.
 */
public final class FeedServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedServer.class);
    private static final long SHUTDOWN_QUIET_MS = 0;
    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;
    private static final Pattern JOURNAL_DIR = Pattern.compile("sim-(\\d{1,18})-.*");

    private final Context ctx;
    private final SslContext ssl;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final ChannelGroup channels = new DefaultChannelGroup("tickwire-feed", GlobalEventExecutor.INSTANCE);
    private final SimulationRegistry registry;
    private final ReplayThreads replayThreads;
    private final FeedRuntime runtime;
    private Channel serverChannel;
    private int port;
    private volatile boolean closed;

    private FeedServer(final Context ctx) {
        this.ctx = ctx;
        ssl = ctx.tlsCertificate() == null ? null : sslContext(ctx.tlsCertificate(), ctx.tlsPrivateKey());
        final IoHandlerFactory io = ctx.useEpoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        acceptGroup = new MultiThreadIoEventLoopGroup(1, threads("tw-accept", ctx.threadStartHook()), io);
        ioGroup = new MultiThreadIoEventLoopGroup(ctx.ioThreads(), threads("tw-io", ctx.threadStartHook()), io);
        registry = new SimulationRegistry(firstId(ctx.journalRoot()), ctx.journalRoot(), ctx.maxRuns(), new RunLauncher(
            new RunLauncher.Context()
                .journalRollCycle(ctx.journalRollCycle())
                .journalRetention(ctx.journalRetention())
                .journalMinFreeBytes(ctx.journalMinFreeBytes())
                .feedTailTicks(ctx.tailTicks())
                .feedTailBytes(ctx.tailBytes())
                .metrics(ctx.metrics())
                .journalPretouch(ctx.journalPretouch())
                .runDefaults(ctx.runDefaults())
                .listeners(runListeners(ctx))));
        replayThreads = new ReplayThreads(ctx.replayThreads());
        runtime = new FeedRuntime(ctx, registry, replayThreads, ConcurrentHashMap.newKeySet(), new FeedCounters(),
            new InFlightAnswers());
    }

    /** The context's run listeners, then the alert notifier's (if any). */
    private static List<RunLauncher.ListenerFactory> runListeners(final Context ctx) {
        final List<RunLauncher.ListenerFactory> factories = new ArrayList<>(ctx.runListeners());
        if (ctx.alertNotifier() != null) {
            factories.add(ctx.alertNotifier().listenerFactory());
        }
        return factories;
    }

    /** Netty's thread factory, with the layout's hook run on each thread as it starts. */
    private static DefaultThreadFactory threads(final String prefix, final ThreadStartHook hook) {
        return new DefaultThreadFactory(prefix) {
            @Override
            protected Thread newThread(final Runnable r, final String name) {
                return super.newThread(() -> {
                    hook.onStart(name);
                    r.run();
                }, name);
            }
        };
    }

    /** The server side of TLS from PEM files, with the JDK's provider (no native library). */
    private static SslContext sslContext(final Path certificate, final Path privateKey) {
        try {
            return SslContextBuilder.forServer(certificate.toFile(), privateKey.toFile())
                .sslProvider(SslProvider.JDK)
                .build();
        } catch (final SSLException | IllegalArgumentException ex) {
            throw new IllegalArgumentException("TLS: cannot use certificate " + certificate + " and key " + privateKey
                + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Bind and start serving.
     *
     * @throws UncheckedIOException if the address cannot be bound (for instance the port is taken); the message
     *                              names the address.
     */
    public static FeedServer start(final Context ctx) throws InterruptedException {
        ctx.conclude();
        final FeedServer server = new FeedServer(ctx);
        try {
            server.bind();
        } catch (final InterruptedException | RuntimeException ex) {
            server.close();
            throw ex;
        }
        return server;
    }

    private void bind() throws InterruptedException {
        final Class<? extends ServerChannel> channelClass =
            ctx.useEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(acceptGroup, ioGroup)
            .channel(channelClass)
            .option(ChannelOption.SO_BACKLOG, 256)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(ctx.writeBufferLowWaterMark(), ctx.writeBufferHighWaterMark()))
            .childHandler(new FeedServerInitializer(runtime, channels, ssl));
        if (ctx.socketSendBufferBytes() > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, ctx.socketSendBufferBytes());
        }
        final InetSocketAddress address = new InetSocketAddress(ctx.bindAddress(), ctx.port());
        try {
            serverChannel = bootstrap.bind(address).sync().channel();
        } catch (final InterruptedException ex) {
            throw ex;
        } catch (final Exception ex) {
            // sync() rethrows the bind failure unchecked (a BindException, or epoll's NativeIoException).
            final String what = "cannot listen on " + ctx.bindAddress() + ":" + ctx.port() + ": " + ex.getMessage();
            throw new UncheckedIOException(what, ex instanceof IOException io ? io : new IOException(ex));
        }
        port = ((InetSocketAddress)serverChannel.localAddress()).getPort();
        if (ctx.alertNotifier() != null) {
            final String host = ctx.bindAddress().contains(":") ? "[" + ctx.bindAddress() + "]" : ctx.bindAddress();
            final String scheme = ctx.tlsCertificate() == null ? "http" : "https";
            ctx.alertNotifier().serverUrl(scheme + "://" + host + ":" + port);
        }
        LOG.info("tickwire server on {}://{}:{} ({} transport, feed on /feed, journals {}, token {})",
            ctx.tlsCertificate() == null ? "http" : "https", ctx.bindAddress(), port,
            ctx.useEpoll() ? "native epoll" : "NIO", ctx.journalRoot() == null ? "off" : "in " + ctx.journalRoot(),
            ctx.token() == null ? "none" : "required");
        if (!isLoopback(ctx.bindAddress()) && ctx.token() == null) {
            LOG.warn("bound to {} with --insecure: control and feed have no authentication; anyone who can reach it "
                + "can launch runs", ctx.bindAddress());
        }
    }

    /** Whether it serves HTTPS and WSS. */
    public boolean tls() {
        return ssl != null;
    }

    /** The port actually bound (the ephemeral one when the context asked for 0). */
    public int port() {
        return port;
    }

    public SimulationRegistry registry() {
        return registry;
    }

    public Context context() {
        return ctx;
    }

    /** Stop accepting, stop the simulations launched here, close every connection, stop the event loops. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        }
        registry.close();
        if (ctx.alertNotifier() != null) {
            ctx.alertNotifier().close(); // after the runs: their last alerts are delivered (bounded)
        }
        try {
            // Answers promised for later (a stop's, once its run has ended) are written before connections close.
            runtime.answers().awaitNone(SHUTDOWN_TIMEOUT_MS);
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        for (final Channel ch : channels) {
            if (ch.isActive() && ch.pipeline().get(FeedServerInitializer.API_HANDLER) == null) {
                // An upgraded (feed) connection: tell the client why, then close (below).
                ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "server closing"));
            }
        }
        channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        acceptGroup.shutdownGracefully(SHUTDOWN_QUIET_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ioGroup.shutdownGracefully(SHUTDOWN_QUIET_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS * 2);
        ioGroup.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS * 2);
        replayThreads.close();
    }

    /**
     * Ids continue after the runs already journaled under {@code journalRoot}, so that a restarted server never
     * collides with a {@code sim-<id>-<name>} journal of an earlier run.
     */
    static long firstId(final Path journalRoot) {
        if (journalRoot == null || !Files.isDirectory(journalRoot)) {
            return 1;
        }
        long last = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(journalRoot, "sim-*")) {
            for (final Path dir : dirs) {
                final Matcher m = JOURNAL_DIR.matcher(dir.getFileName().toString());
                if (m.matches()) {
                    last = Math.max(last, Long.parseLong(m.group(1)));
                }
            }
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot list the journal root " + journalRoot, ex);
        }
        return last + 1;
    }

    static boolean isLoopback(final String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (final UnknownHostException ex) {
            return false;
        }
    }

    /**
     * Configuration of a {@link FeedServer}: fluent setters, defaults, one {@link #conclude()} that validates.
     */
    public static final class Context {
        public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
        public static final int DEFAULT_PORT = 8080;
        public static final String DEFAULT_STATIC_RESOURCE_ROOT = "web/";
        public static final int DEFAULT_MAX_FRAME_PAYLOAD_BYTES = 64 * 1024;
        public static final int DEFAULT_WRITE_BUFFER_LOW_WATER_MARK = 256 * 1024;
        public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK = 1024 * 1024;
        public static final int DEFAULT_TAIL_TICKS = 4096;
        public static final long DEFAULT_TAIL_BYTES = 64L * 1024 * 1024;
        public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
        public static final int DEFAULT_MAX_CONTROL_MESSAGES_PER_SECOND = 100;
        public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 64;
        public static final int DEFAULT_REPLAY_THREADS = 2;
        public static final long DEFAULT_SLOW_READER_CLOSE_TIMEOUT_MS = 30_000;
        public static final int DEFAULT_REPLAY_BATCH_TICKS = 256;
        public static final long DEFAULT_REPLAY_BATCH_BYTES = 1024 * 1024;
        /** Largest ingest body (a remote-write, line-protocol or JSON request) taken; larger ones get 413. */
        public static final int DEFAULT_MAX_INGEST_BODY_BYTES = 8 * 1024 * 1024;
        /** Largest decompressed remote-write body taken; larger ones get 413. */
        public static final int DEFAULT_MAX_INGEST_DECODED_BYTES = 64 * 1024 * 1024;
        /** Bytes an {@code /ingest} client may send beyond what the server has announced consumed: 1 MiB. */
        public static final int DEFAULT_INGEST_WINDOW_BYTES = 1 << 20;
        public static final int DEFAULT_MAX_RUNS = 16;
        public static final int DEFAULT_MAX_CONNECTIONS = 4096;
        public static final long DEFAULT_IDLE_TIMEOUT_MS = 120_000;
        public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

        private String bindAddress = DEFAULT_BIND_ADDRESS;
        private int port = DEFAULT_PORT;
        private Path journalRoot;
        private String staticResourceRoot = DEFAULT_STATIC_RESOURCE_ROOT;
        private int maxFramePayloadBytes = DEFAULT_MAX_FRAME_PAYLOAD_BYTES;
        private int writeBufferLowWaterMark = DEFAULT_WRITE_BUFFER_LOW_WATER_MARK;
        private int writeBufferHighWaterMark = DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK;
        private int socketSendBufferBytes;
        private Boolean useEpoll;
        private int ioThreads;
        private int tailTicks = DEFAULT_TAIL_TICKS;
        private long tailBytes = DEFAULT_TAIL_BYTES;
        private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
        private int maxControlMessagesPerSecond = DEFAULT_MAX_CONTROL_MESSAGES_PER_SECOND;
        private int maxSubscriptionsPerConnection = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;
        private int replayThreads = DEFAULT_REPLAY_THREADS;
        private int replayBatchTicks = DEFAULT_REPLAY_BATCH_TICKS;
        private long replayBatchBytes = DEFAULT_REPLAY_BATCH_BYTES;
        private long slowReaderCloseTimeoutMs = DEFAULT_SLOW_READER_CLOSE_TIMEOUT_MS;
        private String journalRollCycle = JournalRetention.DEFAULT_ROLL_CYCLE;
        private JournalRetention.Policy journalRetention = JournalRetention.Policy.KEEP_ALL;
        private final List<RunLauncher.ListenerFactory> runListeners = new ArrayList<>();
        private AlertNotifier alertNotifier;
        private int maxIngestBodyBytes = DEFAULT_MAX_INGEST_BODY_BYTES;
        private int maxIngestDecodedBytes = DEFAULT_MAX_INGEST_DECODED_BYTES;
        private int ingestWindowBytes = DEFAULT_INGEST_WINDOW_BYTES;
        private DiagramLimits diagramLimits = DiagramLimits.DEFAULT;
        private long journalMinFreeBytes = JournalWriter.DEFAULT_MIN_FREE_BYTES;
        private int maxRuns = DEFAULT_MAX_RUNS;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
        private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
        private List<String> allowedHosts = List.of();
        private List<String> allowedOrigins = List.of();
        private String token;
        private boolean insecure;
        private Path tlsCertificate;
        private Path tlsPrivateKey;
        private boolean metrics = true;
        private boolean journalPretouch;
        private ThreadStartHook threadStartHook = ThreadStartHook.NONE;
        private Consumer<Simulation.Context> runDefaults = c -> {
        };
        private boolean concluded;

        /** Applied to the simulation context of every run launched here (see {@link RunLauncher.Context#runDefaults}). */
        public Context runDefaults(final Consumer<Simulation.Context> defaults) {
            this.runDefaults = Objects.requireNonNull(defaults, "defaults");
            return this;
        }

        public Consumer<Simulation.Context> runDefaults() {
            return runDefaults;
        }

        /**
         * The bearer token that control (REST), ingest, {@code /metrics} and the feed require: header
         * {@code Authorization: Bearer <token>}, or for a WebSocket upgrade (browsers cannot set headers) the
         * subprotocol {@code tickwire.bearer.<token>} ({@link BearerToken}). Null or empty (default): none. Checked
         * in one place, {@link RequestGuard}, for every route and upgrade alike. A token is required to bind an
         * address other than loopback, unless {@link #insecure(boolean)}.
         */
        public Context token(final String token) {
            this.token = token;
            return this;
        }

        public String token() {
            return token;
        }

        /** Allow binding a non-loopback address without a token (everyone who reaches it controls it). Default false. */
        public Context insecure(final boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        public boolean insecure() {
            return insecure;
        }

        /**
         * Serve HTTPS and WSS with this certificate chain (PEM) and {@link #tlsPrivateKey(Path) key}; null (default):
         * plain HTTP. Both or neither.
         */
        public Context tlsCertificate(final Path pem) {
            this.tlsCertificate = pem;
            return this;
        }

        /** The private key (PEM, PKCS#8) of {@link #tlsCertificate(Path)}. */
        public Context tlsPrivateKey(final Path pem) {
            this.tlsPrivateKey = pem;
            return this;
        }

        public Path tlsCertificate() {
            return tlsCertificate;
        }

        public Path tlsPrivateKey() {
            return tlsPrivateKey;
        }

        /** Serve {@code GET /metrics} (Prometheus) and attach a metrics listener to every run. Default true. */
        public Context metrics(final boolean metrics) {
            this.metrics = metrics;
            return this;
        }

        public boolean metrics() {
            return metrics;
        }

        /** Touch each journal's next pages ahead of its writer (see {@code JournalPretoucher}). Default false. */
        public Context journalPretouch(final boolean pretouch) {
            this.journalPretouch = pretouch;
            return this;
        }

        public boolean journalPretouch() {
            return journalPretouch;
        }

        /**
         * Called on each of the server's own threads (event loops) as it starts, with the thread's name: where a CPU
         * layout pins them (runs' threads: {@link #runDefaults}). Default none.
         */
        public Context threadStartHook(final ThreadStartHook hook) {
            this.threadStartHook = Objects.requireNonNull(hook, "hook");
            return this;
        }

        public ThreadStartHook threadStartHook() {
            return threadStartHook;
        }

        /** Largest ingest request body; larger ones get 413. Default 8 MiB. */
        public Context maxIngestBodyBytes(final int bytes) {
            this.maxIngestBodyBytes = bytes;
            return this;
        }

        public int maxIngestBodyBytes() {
            return maxIngestBodyBytes;
        }

        /** Largest decompressed remote-write body; larger ones get 413. Default 64 MiB. */
        public Context maxIngestDecodedBytes(final int bytes) {
            this.maxIngestDecodedBytes = bytes;
            return this;
        }

        public int maxIngestDecodedBytes() {
            return maxIngestDecodedBytes;
        }

        /**
         * The flow-control window of {@code /ingest}: bytes of frames a client may send beyond the consumedBytes the
         * server last announced (IngestStatus); more closes it (1008). Also what a flooding connection can make the
         * server hold. Default 1 MiB; at least {@link #maxFramePayloadBytes}.
         */
        public Context ingestWindowBytes(final int bytes) {
            this.ingestWindowBytes = bytes;
            return this;
        }

        public int ingestWindowBytes() {
            return ingestWindowBytes;
        }

        /** The HTTP aggregator's limit: the larger of a diagram's and an ingest body's. */
        int maxRequestBytes() {
            return (int)Math.min(Integer.MAX_VALUE - 8, Math.max(diagramLimits.maxBytes(), maxIngestBodyBytes));
        }

        /**
         * What a diagram POSTed to {@code /simulations} may ask for: its size (a larger body is refused with 413
         * before it is read whole), the work and pending events it may need, and the run's bound on pending events.
         * Default {@link DiagramLimits#DEFAULT}.
         */
        public Context diagramLimits(final DiagramLimits limits) {
            this.diagramLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Space the journals of runs launched here keep free on their filesystem. Default 64 MiB. */
        public Context journalMinFreeBytes(final long bytes) {
            this.journalMinFreeBytes = bytes;
            return this;
        }

        /** Runs (not replays) running at once; one more is refused with 429. Default {@value #DEFAULT_MAX_RUNS}. */
        public Context maxRuns(final int maxRuns) {
            this.maxRuns = maxRuns;
            return this;
        }

        /**
         * Connections open at once; one more is answered 503 and closed. Default {@value #DEFAULT_MAX_CONNECTIONS}.
         */
        public Context maxConnections(final int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * A connection on which nothing was read or written for this long is closed (a feed connection with a
         * subscription is sent heartbeats, so it never is). Default 120 s.
         */
        public Context idleTimeoutMs(final long ms) {
            this.idleTimeoutMs = ms;
            return this;
        }

        /**
         * An HTTP request must have arrived whole (headers and body) this long after its first byte, or the
         * connection is closed (408): a client that sends a header a byte at a time holds nothing for long.
         * Default 10 s.
         */
        public Context requestTimeoutMs(final long ms) {
            this.requestTimeoutMs = ms;
            return this;
        }

        /**
         * Names the {@code Host} header may give besides the address a connection came in on (and {@code localhost}
         * on a loopback address): {@code name} for any port, {@code name:port} for one. For a DNS name or a proxy in
         * front; anything else is refused (421), which is what defeats DNS rebinding.
         */
        public Context allowedHosts(final List<String> hosts) {
            this.allowedHosts = List.copyOf(hosts);
            return this;
        }

        /**
         * Origins ({@code https://dash.example.com}) besides the server's own whose pages may launch and stop runs
         * and open the feed; other origins are refused (403). Default none.
         */
        public Context allowedOrigins(final List<String> origins) {
            this.allowedOrigins = List.copyOf(origins);
            return this;
        }

        public DiagramLimits diagramLimits() {
            return diagramLimits;
        }

        public long journalMinFreeBytes() {
            return journalMinFreeBytes;
        }

        public int maxRuns() {
            return maxRuns;
        }

        public int maxConnections() {
            return maxConnections;
        }

        public long idleTimeoutMs() {
            return idleTimeoutMs;
        }

        public long requestTimeoutMs() {
            return requestTimeoutMs;
        }

        public List<String> allowedHosts() {
            return allowedHosts;
        }

        public List<String> allowedOrigins() {
            return allowedOrigins;
        }

        /**
         * Attach a listener made by {@code factory} to every run launched here (after its journal and feed): for
         * metrics, control, alerting. See {@link RunLauncher}.
         */
        public Context runListener(final RunLauncher.ListenerFactory factory) {
            runListeners.add(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        public List<RunLauncher.ListenerFactory> runListeners() {
            return runListeners;
        }

        /**
         * Post the alerts of every run launched here to Alertmanagers and webhooks: the notifier's listener is
         * attached to each run, its counters are on {@code /metrics}, its generatorURLs point at this server (unless
         * it has an external URL of its own), and the server closes it after its runs. Default none.
         */
        public Context alertNotifier(final AlertNotifier notifier) {
            this.alertNotifier = notifier;
            return this;
        }

        public AlertNotifier alertNotifier() {
            return alertNotifier;
        }

        /**
         * Roll cycle of the journals of runs launched here ({@link JournalRetention#ROLL_CYCLES}). Default
         * {@value JournalRetention#DEFAULT_ROLL_CYCLE}.
         */
        public Context journalRollCycle(final String name) {
            this.journalRollCycle = name;
            return this;
        }

        /** What the journals of runs launched here keep (whole old cycles beyond it are deleted). Default all. */
        public Context journalRetention(final JournalRetention.Policy retention) {
            this.journalRetention = retention;
            return this;
        }

        public String journalRollCycle() {
            return journalRollCycle;
        }

        public JournalRetention.Policy journalRetention() {
            return journalRetention;
        }

        /** Address to listen on. Default {@value #DEFAULT_BIND_ADDRESS}. */
        public Context bindAddress(final String bindAddress) {
            this.bindAddress = bindAddress;
            return this;
        }

        /** Port to listen on; 0 for an ephemeral one (see {@link FeedServer#port()}). Default 8080. */
        public Context port(final int port) {
            this.port = port;
            return this;
        }

        /**
         * Directory under which simulations POSTed to {@code /simulations} are journaled, each in
         * {@code sim-<id>-<name>}; null (default) for no journal. Ids continue after the journals already there.
         */
        public Context journalRoot(final Path journalRoot) {
            this.journalRoot = journalRoot;
            return this;
        }

        /** Classpath prefix of the dashboard ({@code index.html}, scripts, styles). Default {@code web/}. */
        public Context staticResourceRoot(final String staticResourceRoot) {
            this.staticResourceRoot = staticResourceRoot;
            return this;
        }

        /** Largest WebSocket message a client may send; larger ones close the connection with 1009. 64 KiB. */
        public Context maxFramePayloadBytes(final int maxFramePayloadBytes) {
            this.maxFramePayloadBytes = maxFramePayloadBytes;
            return this;
        }

        /** A connection becomes writable again below this many queued outbound bytes. Default 256 KiB. */
        public Context writeBufferLowWaterMark(final int bytes) {
            this.writeBufferLowWaterMark = bytes;
            return this;
        }

        /**
         * A connection with more than this many outbound bytes queued is not writable: a live subscription that is
         * owed a tick then is a slow reader, and conflates or is disconnected (1008) by its policy, rather than
         * buffered without bound. Default 1 MiB.
         */
        public Context writeBufferHighWaterMark(final int bytes) {
            this.writeBufferHighWaterMark = bytes;
            return this;
        }

        /**
         * SO_SNDBUF of each connection; 0 (default) leaves it to the OS (autotuned, up to megabytes). Set it to bound
         * what a slow reader can hold in the kernel on top of the write buffer water mark.
         */
        public Context socketSendBufferBytes(final int bytes) {
            this.socketSendBufferBytes = bytes;
            return this;
        }

        /** Native epoll (true) or NIO (false). Default: epoll when {@link Epoll#isAvailable()}. */
        public Context useEpoll(final boolean useEpoll) {
            this.useEpoll = useEpoll;
            return this;
        }

        /** I/O event-loop threads; 0 (default) for Netty's default of twice the cores. */
        public Context ioThreads(final int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /**
         * Recent ticks each simulation keeps in memory, framed, for live fan-out and for resuming without the journal
         * (a power of two). Default {@value #DEFAULT_TAIL_TICKS}.
         */
        public Context tailTicks(final int tailTicks) {
            this.tailTicks = tailTicks;
            return this;
        }

        /** Bytes the in-memory tail of one simulation holds at most (the oldest ticks go first). Default 64 MiB. */
        public Context tailBytes(final long tailBytes) {
            this.tailBytes = tailBytes;
            return this;
        }

        /** A subscription on which nothing was sent for this long is sent a {@code Heartbeat}. Default 1 s. */
        public Context heartbeatIntervalMs(final long heartbeatIntervalMs) {
            this.heartbeatIntervalMs = heartbeatIntervalMs;
            return this;
        }

        /** More client messages than this within one second close the connection with 1008. Default 100. */
        public Context maxControlMessagesPerSecond(final int max) {
            this.maxControlMessagesPerSecond = max;
            return this;
        }

        /** Subscriptions (simulations) one connection may have at once. Default 64. */
        public Context maxSubscriptionsPerConnection(final int max) {
            this.maxSubscriptionsPerConnection = max;
            return this;
        }

        /** Threads reading journals for subscriptions that resume from before the in-memory tail. Default 2. */
        public Context replayThreads(final int replayThreads) {
            this.replayThreads = replayThreads;
            return this;
        }

        /** Ticks read from a journal per batch, at most. Default 256. */
        public Context replayBatchTicks(final int replayBatchTicks) {
            this.replayBatchTicks = replayBatchTicks;
            return this;
        }

        /** Bytes read from a journal per batch, about (a batch stops at the first tick past it). Default 1 MiB. */
        public Context replayBatchBytes(final long replayBatchBytes) {
            this.replayBatchBytes = replayBatchBytes;
            return this;
        }

        /**
         * A slow reader's close frame (1008) waits behind what it has queued, at most the high water mark: the
         * connection is kept (half-closed once the frame is out) this long for it to read them and the reason, then
         * closed for good. Default 30 s.
         */
        public Context slowReaderCloseTimeoutMs(final long ms) {
            this.slowReaderCloseTimeoutMs = ms;
            return this;
        }

        public long slowReaderCloseTimeoutMs() {
            return slowReaderCloseTimeoutMs;
        }

        public int tailTicks() {
            return tailTicks;
        }

        public long tailBytes() {
            return tailBytes;
        }

        public long heartbeatIntervalMs() {
            return heartbeatIntervalMs;
        }

        public int maxControlMessagesPerSecond() {
            return maxControlMessagesPerSecond;
        }

        public int maxSubscriptionsPerConnection() {
            return maxSubscriptionsPerConnection;
        }

        public int replayThreads() {
            return replayThreads;
        }

        public int replayBatchTicks() {
            return replayBatchTicks;
        }

        public long replayBatchBytes() {
            return replayBatchBytes;
        }

        public String bindAddress() {
            return bindAddress;
        }

        public int port() {
            return port;
        }

        public Path journalRoot() {
            return journalRoot;
        }

        public String staticResourceRoot() {
            return staticResourceRoot;
        }

        public int maxFramePayloadBytes() {
            return maxFramePayloadBytes;
        }

        public int writeBufferLowWaterMark() {
            return writeBufferLowWaterMark;
        }

        public int writeBufferHighWaterMark() {
            return writeBufferHighWaterMark;
        }

        public int socketSendBufferBytes() {
            return socketSendBufferBytes;
        }

        /** As set, else whether native epoll is available. */
        public boolean useEpoll() {
            return useEpoll != null ? useEpoll : Epoll.isAvailable();
        }

        public int ioThreads() {
            return ioThreads;
        }

        /**
         * Fill defaults and validate; called by {@link FeedServer#start}. Idempotent.
         *
         * @throws IllegalArgumentException naming the setting at fault.
         */
        public Context conclude() {
            if (concluded) {
                return this;
            }
            if (bindAddress == null || bindAddress.isBlank()) {
                throw new IllegalArgumentException("bindAddress is required");
            }
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            }
            if (maxIngestBodyBytes < 1024 || maxIngestDecodedBytes < maxIngestBodyBytes) {
                throw new IllegalArgumentException("maxIngestBodyBytes must be >= 1024 and maxIngestDecodedBytes >= it,"
                    + " got " + maxIngestBodyBytes + " and " + maxIngestDecodedBytes);
            }
            if (ingestWindowBytes < maxFramePayloadBytes) {
                throw new IllegalArgumentException("ingestWindowBytes must be >= maxFramePayloadBytes ("
                    + maxFramePayloadBytes + "), got " + ingestWindowBytes);
            }
            if (staticResourceRoot == null) {
                staticResourceRoot = "";
            }
            while (staticResourceRoot.startsWith("/")) {
                staticResourceRoot = staticResourceRoot.substring(1);
            }
            if (!staticResourceRoot.isEmpty() && !staticResourceRoot.endsWith("/")) {
                staticResourceRoot = staticResourceRoot + "/";
            }
            if (maxFramePayloadBytes < 64) {
                throw new IllegalArgumentException("maxFramePayloadBytes must be >= 64, got " + maxFramePayloadBytes);
            }
            if (writeBufferLowWaterMark < 1 || writeBufferHighWaterMark < writeBufferLowWaterMark) {
                throw new IllegalArgumentException("write buffer water marks need 0 < low <= high, got low "
                    + writeBufferLowWaterMark + ", high " + writeBufferHighWaterMark);
            }
            if (socketSendBufferBytes < 0) {
                throw new IllegalArgumentException("socketSendBufferBytes must be >= 0, got " + socketSendBufferBytes);
            }
            if (ioThreads < 0) {
                throw new IllegalArgumentException("ioThreads must be >= 0, got " + ioThreads);
            }
            if (tailTicks < 2 || Integer.bitCount(tailTicks) != 1) {
                throw new IllegalArgumentException("tailTicks must be a power of two >= 2, got " + tailTicks);
            }
            if (tailBytes < 1) {
                throw new IllegalArgumentException("tailBytes must be >= 1, got " + tailBytes);
            }
            if (heartbeatIntervalMs < 1) {
                throw new IllegalArgumentException("heartbeatIntervalMs must be >= 1, got " + heartbeatIntervalMs);
            }
            if (maxControlMessagesPerSecond < 1 || maxSubscriptionsPerConnection < 1) {
                throw new IllegalArgumentException("maxControlMessagesPerSecond and maxSubscriptionsPerConnection "
                    + "must be >= 1");
            }
            if (replayThreads < 1 || replayBatchTicks < 1 || replayBatchBytes < 1) {
                throw new IllegalArgumentException("replayThreads, replayBatchTicks and replayBatchBytes must be >= 1");
            }
            if (maxRuns < 1 || maxConnections < 1) {
                throw new IllegalArgumentException("maxRuns and maxConnections must be >= 1, got " + maxRuns + " and "
                    + maxConnections);
            }
            if (idleTimeoutMs < 1 || requestTimeoutMs < 1) {
                throw new IllegalArgumentException("idleTimeoutMs and requestTimeoutMs must be >= 1, got "
                    + idleTimeoutMs + " and " + requestTimeoutMs);
            }
            if (diagramLimits.maxBytes() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("diagramLimits.maxBytes must fit a request body, got "
                    + diagramLimits.maxBytes());
            }
            if (slowReaderCloseTimeoutMs < 0) {
                throw new IllegalArgumentException("slowReaderCloseTimeoutMs must be >= 0, got "
                    + slowReaderCloseTimeoutMs);
            }
            if (useEpoll == null) {
                useEpoll = Epoll.isAvailable();
            } else if (useEpoll && !Epoll.isAvailable()) {
                throw new IllegalArgumentException("useEpoll: native epoll is not available here ("
                    + Epoll.unavailabilityCause() + ")");
            }
            if (journalRoot != null) {
                journalRoot = journalRoot.toAbsolutePath();
            }
            JournalRetention.rollCycle(journalRollCycle); // throws, naming the choices
            if (journalRetention == null) {
                journalRetention = JournalRetention.Policy.KEEP_ALL;
            }
            if (token != null && token.isEmpty()) {
                token = null;
            }
            if (token != null) {
                BearerToken.check(token);
            }
            if (token == null && !insecure && !isLoopback(bindAddress)) {
                throw new IllegalArgumentException("binding " + bindAddress + " (not loopback) needs a token, or "
                    + "insecure to serve it to anyone who can reach it");
            }
            if ((tlsCertificate == null) != (tlsPrivateKey == null)) {
                throw new IllegalArgumentException("TLS needs both a certificate and a private key");
            }
            concluded = true;
            return this;
        }
    }
}
