package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournalWriter;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The one place that builds a run and attaches its listeners: the CLI ({@code run}, {@code demo}, {@code verify}),
 * REST ({@code POST /simulations}, through the {@link SimulationRegistry}) and the benchmarks all launch here.
 * <pre>
 *  launch(diagram, simulation context, id, journal dir)
 *    │ a copy of the context, given the id: the caller's context stays as it was
 *    ▼
 *  Simulation: the engine wires its rings (see its Javadoc)
 *    command ring ─► workers ─► metrics ring ─► aggregator ─► output ring, one consumer thread per listener:
 *        ├─► JournalWriter        if a journal dir is given: every tick to Chronicle Queue
 *        ├─► Broadcaster          if Context#feed: the binary WebSocket feed
 *        ├─► RunMetrics           if Context#metrics: the latest tick per service and tick-close latency, for
 *        │                        GET /metrics (read at scrape time)
 *        └─► Context#listeners    one listener per factory, per run (metrics, control, alerting, ...)
 *  JournalWriter ──first tick moved by retention──► Broadcaster (refuses resumes from before it)
 *  Broadcaster   ──ticks older than its tail──────► read back from the journal dir by each subscription
 *  Broadcaster   ──end handed to subscribers──────► onFeedEnded (the registry releases the run off that thread)
 * </pre>
 * Adding a kind of listener to every run is one change: a {@link ListenerFactory} in the {@link Context}.
 * <p>
 * Lifecycle: {@link #launch} builds and starts the run; the run ends when its tick budget runs out or it is stopped
 * ({@link Run#simulation()}); {@link Run#close()} then releases it: threads, journal, listeners. The launcher holds
 * no state but its concluded context: thread-safe, one per process or per server.
 */
public final class RunLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(RunLauncher.class);

    private final Context ctx;

    public RunLauncher(final Context ctx) {
        this.ctx = ctx.conclude();
    }

    public Context context() {
        return ctx;
    }

    /** As {@link #launch(Diagram, Simulation.Context, long, Path, Consumer)}, told nothing when the feed ends. */
    public Run launch(final Diagram diagram, final Simulation.Context simulation, final long id, final Path journalDir)
        throws IOException {
        return launch(diagram, simulation, id, journalDir, null);
    }

    /**
     * Build run {@code id} of {@code diagram} with a copy of {@code simulation} (left unchanged), attach its journal
     * (if {@code journalDir} is not null), its feed (if {@link Context#feed}) and one listener per
     * {@link Context#listeners factory}, then start it.
     *
     * @param onFeedEnded called with the run on the feed's listener thread once its end has been handed to the
     *                    subscribers; must not block. May be null; never called without a feed.
     * @throws IOException              if the journal cannot be created (nothing is started then).
     * @throws IllegalArgumentException if the simulation context is invalid.
     */
    public Run launch(final Diagram diagram, final Simulation.Context simulation, final long id, final Path journalDir,
                      final Consumer<Run> onFeedEnded) throws IOException {
        return launch(diagram, simulation, id, journalDir, onFeedEnded, (sim, jctx) ->
            JournalWriter.create(journalDir, diagram, sim.seed(), id, jctx));
    }

    /**
     * Continue run {@code id} journaled in {@code journalDir}, whose writer died before the run's end, after its last
     * complete tick ({@code ticksJournaled - 1}): the ticks before are re-simulated and not delivered
     * ({@link Simulation.Context#emitFromTick}), then every listener gets the rest as in {@link #launch}; the journal
     * is appended to ({@link JournalWriter#resume}).
     */
    public Run resume(final Diagram diagram, final Simulation.Context simulation, final long id,
                      final Path journalDir, final boolean hasCatalog, final long ticksJournaled) throws IOException {
        return launch(diagram, simulation.copy().emitFromTick(ticksJournaled), id, journalDir, null, (sim, jctx) ->
            JournalWriter.resume(journalDir, id, hasCatalog, ticksJournaled, jctx));
    }

    /** Opens a run's journal writer. */
    @FunctionalInterface
    private interface JournalOpener {
        JournalWriter open(Simulation simulation, JournalWriter.Context ctx) throws IOException;
    }

    private Run launch(final Diagram diagram, final Simulation.Context simulation, final long id, final Path journalDir,
                       final Consumer<Run> onFeedEnded, final JournalOpener opener) throws IOException {
        final Simulation.Context simCtx = simulation.copy().simulationId(id);
        ctx.runDefaults.accept(simCtx);
        final Simulation sim = Simulation.create(diagram, simCtx);
        final Run run = new Run(sim, journalDir);
        try {
            if (journalDir != null) {
                run.journal = new ClosingJournal(opener.open(sim, new JournalWriter.Context()
                    .rollCycle(ctx.journalRollCycle)
                    .retention(ctx.journalRetention)
                    .pretouch(ctx.journalPretouch)
                    .launch(simCtx.ticks(), simCtx.speed())));
                sim.addListener(run.journal);
            }
            if (ctx.feed) {
                run.feed = new Broadcaster(id, sim.catalog(), journalDir, ctx.feedTailTicks, ctx.feedTailBytes,
                    onFeedEnded == null ? null : () -> onFeedEnded.accept(run));
                if (run.journal != null) {
                    run.journal.writer.onFirstTickMoved(run.feed::retainFrom);
                }
                sim.addListener(run.feed);
            }
            if (ctx.metrics) {
                run.metrics = new RunMetrics(sim);
                sim.addListener(run.metrics);
            }
            for (final ListenerFactory factory : ctx.listeners) {
                final TickListener listener = Objects.requireNonNull(factory.newListener(sim), "no listener");
                run.listeners.add(listener);
                sim.addListener(listener);
            }
            sim.start();
        } catch (final IOException | RuntimeException ex) {
            run.close();
            throw ex;
        }
        LOG.info("simulation {} '{}' started (seed {}, {} workers{})", id, diagram.name(), sim.seed(), sim.workers(),
            journalDir == null ? "" : ", journal " + journalDir);
        return run;
    }

    /** Makes one listener per run: for every kind of listener the runs of a launcher share. */
    @FunctionalInterface
    public interface ListenerFactory {
        /**
         * A listener of {@code simulation}, which is built (its id, diagram, seed and catalog are set) and not yet
         * started. If the listener is {@link AutoCloseable}, {@link Run#close()} closes it once the run's threads
         * have stopped.
         */
        TickListener newListener(Simulation simulation);
    }

    /**
     * A launched run and what is attached to it. {@link #close()} releases it; until then the simulation runs (or
     * has ended) and its feed serves subscribers.
     */
    public static final class Run implements AutoCloseable {
        private final Simulation simulation;
        private final Path journalDir;
        private final List<TickListener> listeners = new ArrayList<>();
        private final AtomicBoolean released = new AtomicBoolean();
        // Set by launch() before the run starts (the threads it starts see them), never after.
        private ClosingJournal journal;
        private Broadcaster feed;
        private RunMetrics metrics;

        private Run(final Simulation simulation, final Path journalDir) {
            this.simulation = simulation;
            this.journalDir = journalDir;
        }

        public long id() {
            return simulation.id();
        }

        public Simulation simulation() {
            return simulation;
        }

        /** Where the run is journaled; null if it is not. */
        public Path journalDir() {
            return journalDir;
        }

        /** The run's feed; null if the launcher attaches none. */
        public Broadcaster feed() {
            return feed;
        }

        /** The run's metrics listener; null if the launcher attaches none. */
        RunMetrics metrics() {
            return metrics;
        }

        /** The run's journal writer (its counters); null if it is not journaled. */
        JournalWriter journalWriter() {
            return journal == null ? null : journal.writer;
        }

        /** Whether {@link #close()} has been called. */
        public boolean released() {
            return released.get();
        }

        /** Wait for the run to end (every listener has seen the end, or it failed). */
        public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException {
            return simulation.awaitTermination(timeout, unit);
        }

        /**
         * Stop the run, wait for the end to reach its listeners (bounded, see {@link Simulation#close()}), stop its
         * threads, close its journal and its closeable listeners, and let go of the feed's in-memory tail if the
         * journal holds the ticks. Idempotent; not from one of the run's listener threads.
         */
        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            simulation.close();
            if (journal != null) {
                journal.close();
            }
            for (final TickListener listener : listeners) {
                if (listener instanceof AutoCloseable closeable) {
                    closeQuietly(closeable);
                }
            }
            if (feed != null) {
                feed.releaseTail(); // journaled: subscriptions read the journal from here on
            }
            if (simulation.failure() != null) {
                LOG.warn("simulation {} failed", simulation.id(), simulation.failure());
            } else {
                LOG.info("simulation {} ended ({}): {} ticks", simulation.id(), simulation.endReason(),
                    simulation.ticksClosed());
            }
        }
    }

    /**
     * Configuration shared by the runs of a launcher: fluent setters, defaults, one {@link #conclude()} that
     * validates.
     */
    public static final class Context {
        private String journalRollCycle = JournalRetention.DEFAULT_ROLL_CYCLE;
        private JournalRetention.Policy journalRetention = JournalRetention.Policy.KEEP_ALL;
        private boolean feed = true;
        private int feedTailTicks = FeedServer.Context.DEFAULT_TAIL_TICKS;
        private long feedTailBytes = FeedServer.Context.DEFAULT_TAIL_BYTES;
        private List<ListenerFactory> listeners = new ArrayList<>();
        private boolean metrics;
        private boolean journalPretouch;
        private Consumer<Simulation.Context> runDefaults = c -> {
        };
        private boolean concluded;

        /** Attach a {@link RunMetrics} listener to every run (for {@code GET /metrics}). Default false. */
        public Context metrics(final boolean metrics) {
            this.metrics = metrics;
            return this;
        }

        public boolean metrics() {
            return metrics;
        }

        /** Touch each journal's next pages ahead of its writer (a thread per run). Default false. */
        public Context journalPretouch(final boolean pretouch) {
            this.journalPretouch = pretouch;
            return this;
        }

        /**
         * Applied to each run's copy of its simulation context before the run is built: how the host runs every run
         * (a CPU layout's pinning hook and wait strategies). Default: nothing.
         */
        public Context runDefaults(final Consumer<Simulation.Context> defaults) {
            this.runDefaults = Objects.requireNonNull(defaults, "defaults");
            return this;
        }

        /** Roll cycle of the runs' journals ({@link JournalRetention#ROLL_CYCLES}). */
        public Context journalRollCycle(final String name) {
            this.journalRollCycle = name;
            return this;
        }

        /** Retention of the runs' journals. Default: keep all. */
        public Context journalRetention(final JournalRetention.Policy retention) {
            this.journalRetention = retention;
            return this;
        }

        /** Attach a {@link Broadcaster} (the binary WebSocket feed) to every run. Default true. */
        public Context feed(final boolean feed) {
            this.feed = feed;
            return this;
        }

        /** Ticks each run's feed keeps in memory (a power of two >= 2). */
        public Context feedTailTicks(final int ticks) {
            this.feedTailTicks = ticks;
            return this;
        }

        /** Bytes each run's feed keeps in memory, at most. */
        public Context feedTailBytes(final long bytes) {
            this.feedTailBytes = bytes;
            return this;
        }

        /** Attach one listener made by {@code factory} to every run, after its journal and feed. */
        public Context listener(final ListenerFactory factory) {
            listeners.add(Objects.requireNonNull(factory, "factory"));
            return this;
        }

        /** Replace the listener factories with {@code factories}. */
        public Context listeners(final List<ListenerFactory> factories) {
            listeners = new ArrayList<>(factories);
            return this;
        }

        public String journalRollCycle() {
            return journalRollCycle;
        }

        public JournalRetention.Policy journalRetention() {
            return journalRetention;
        }

        public boolean feed() {
            return feed;
        }

        public int feedTailTicks() {
            return feedTailTicks;
        }

        public long feedTailBytes() {
            return feedTailBytes;
        }

        public List<ListenerFactory> listeners() {
            return listeners;
        }

        /**
         * Fill defaults and validate; called by the {@link RunLauncher}. Idempotent; the listeners are fixed from
         * then on.
         *
         * @throws IllegalArgumentException naming the setting at fault.
         */
        public Context conclude() {
            if (concluded) {
                return this;
            }
            JournalRetention.rollCycle(journalRollCycle); // throws, naming the choices
            if (journalRetention == null) {
                journalRetention = JournalRetention.Policy.KEEP_ALL;
            }
            if (feedTailTicks < 2 || Integer.bitCount(feedTailTicks) != 1) {
                throw new IllegalArgumentException("feedTailTicks must be a power of two >= 2, got " + feedTailTicks);
            }
            if (feedTailBytes < 1) {
                throw new IllegalArgumentException("feedTailBytes must be >= 1, got " + feedTailBytes);
            }
            listeners = List.copyOf(listeners);
            concluded = true;
            return this;
        }
    }

    private static void closeQuietly(final AutoCloseable c) {
        try {
            c.close();
        } catch (final Exception ex) {
            LOG.warn("closing {} failed", c, ex);
        }
    }

    /**
     * The journal writer as a listener that closes it, on its own thread, right after the end; {@link #close()} is
     * for runs that never deliver an end, once their threads are stopped.
     */
    private static final class ClosingJournal implements TickListener {
        private final JournalWriter writer;
        private final AtomicBoolean closed = new AtomicBoolean();

        ClosingJournal(final JournalWriter writer) {
            this.writer = writer;
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            writer.onCatalog(buffer, offset, length);
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                           final boolean endOfBatch) {
            writer.onTick(buffer, offset, length, tick, endOfBatch);
        }

        @Override
        public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            writer.onEvent(buffer, offset, length, tick);
        }

        @Override
        public void onEnd(final long lastTick, final EndReason reason) {
            try {
                writer.onEnd(lastTick, reason);
            } finally {
                close();
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                closeQuietly(writer);
            }
        }
    }
}
