package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.TickSource;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.engine.observe.Observation;
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
 *  launch(diagram, simulation context, id, journal dir)     launch(observe spec, observation context, id, dir)
 *    │ a copy of the context, given the id: the caller's context stays as it was
 *    ▼
 *  Simulation: the engine wires its rings (see its Javadoc)  Observation: ingest ─► metrics ring ─► aggregator
 *    command ring ─► workers ─► metrics ring ─► aggregator ─► output ring, one consumer thread per listener:
 *        ├─► JournalWriter        if a journal dir is given: every tick to Chronicle Queue
 *        ├─► Broadcaster          if Context#feed: the binary WebSocket feed
 *        ├─► RunMetrics           if Context#metrics: the latest tick per service and tick-close latency, for
 *        │                        GET /metrics (read at scrape time)
 *        └─► Context#listeners    one listener per factory, per run (metrics, control, alerting, ...)
 *  JournalWriter ──first tick moved by retention──► Broadcaster (refuses resumes from before it)
 *  JournalWriter ──its filesystem low on space────► Simulation#stop(DISK_FULL): the run ends where the journal does
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
                    .minFreeBytes(ctx.journalMinFreeBytes)
                    .pretouch(ctx.journalPretouch)
                    .launch(simCtx.ticks(), simCtx.speed())));
                run.journal.writer.onDiskFull(() -> sim.stop(TickListener.EndReason.DISK_FULL));
                sim.addListener(run.journal);
            }
            attach(run, sim, journalDir, onFeedEnded);
            sim.start();
        } catch (final IOException | RuntimeException ex) {
            run.close();
            throw ex;
        }
        LOG.info("simulation {} '{}' started (seed {}, {} workers{})", id, diagram.name(), sim.seed(), sim.workers(),
            journalDir == null ? "" : ", journal " + journalDir);
        return run;
    }

    /**
     * Build observed run {@code id} of {@code spec} with a copy of {@code observation} (left unchanged), attach its
     * journal ({@code observe.yaml}, and its catalog updates: see {@code JournalLayout}), its feed and the listeners,
     * as {@link #launch(Diagram, Simulation.Context, long, Path, Consumer)} does for a simulation, then start it.
     * The listener factories are given no simulation ({@link ListenerFactory#newListener(TickSource)} is).
     */
    public Run launch(final ObserveSpec spec, final Observation.Context observation, final long id,
                      final Path journalDir, final Consumer<Run> onFeedEnded) throws IOException {
        final Observation obs = Observation.create(spec, observation.copy().simulationId(id));
        final Run run = new Run(obs, journalDir);
        try {
            if (journalDir != null) {
                run.journal = new ClosingJournal(JournalWriter.createObserved(journalDir, spec.name(), spec.tickLengthNs(),
                    spec.source(), id,
                    new JournalWriter.Context()
                        .rollCycle(ctx.journalRollCycle)
                        .retention(ctx.journalRetention)
                        .pretouch(ctx.journalPretouch)));
                obs.addListener(run.journal);
            }
            attach(run, obs, journalDir, onFeedEnded);
            obs.start();
        } catch (final IOException | RuntimeException ex) {
            run.close();
            throw ex;
        }
        LOG.info("observed run {} '{}' started (tick {} ms{})", id, spec.name(), spec.tickLengthNs() / 1_000_000,
            journalDir == null ? "" : ", journal " + journalDir);
        return run;
    }

    /** The feed and the listeners of the launcher's context, after the journal. */
    private void attach(final Run run, final TickSource source, final Path journalDir,
                        final Consumer<Run> onFeedEnded) {
        if (ctx.feed) {
            run.feed = new Broadcaster(source.id(), source.catalog(), journalDir, ctx.feedTailTicks,
                ctx.feedTailBytes, onFeedEnded == null ? null : () -> onFeedEnded.accept(run));
            if (run.journal != null) {
                run.journal.writer.onFirstTickMoved(run.feed::retainFrom);
            }
            source.addListener(run.feed);
        }
        if (ctx.metrics && source instanceof Simulation sim) {
            run.metrics = new RunMetrics(sim);
            source.addListener(run.metrics);
        }
        for (final ListenerFactory factory : ctx.listeners) {
            final TickListener listener = Objects.requireNonNull(factory.newListener(source), "no listener");
            if (listener != IGNORING) {
                run.listeners.add(listener);
                source.addListener(listener);
            }
        }
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

        /**
         * A listener of any run, a simulation or an observed run; by default {@link #newListener(Simulation)} for a
         * simulation and none (a listener that ignores everything) for an observed run. Override it to listen to
         * observed runs too.
         */
        default TickListener newListener(final TickSource source) {
            return source instanceof Simulation simulation ? newListener(simulation) : IGNORING;
        }
    }

    /** A listener that ignores everything. */
    static final TickListener IGNORING = new TickListener() {
        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                           final boolean endOfBatch) {
        }

        @Override
        public void onEnd(final long lastTick, final EndReason reason) {
        }
    };

    /**
     * A launched run and what is attached to it. {@link #close()} releases it; until then the simulation runs (or
     * has ended) and its feed serves subscribers.
     */
    public static final class Run implements AutoCloseable {
        private final TickSource source;
        private final Simulation simulation;
        private final Path journalDir;
        private final List<TickListener> listeners = new ArrayList<>();
        private final AtomicBoolean released = new AtomicBoolean();
        // Set by launch() before the run starts (the threads it starts see them), never after.
        private ClosingJournal journal;
        private Broadcaster feed;
        private RunMetrics metrics;

        private Run(final TickSource source, final Path journalDir) {
            this.source = source;
            this.simulation = source instanceof Simulation s ? s : null;
            this.journalDir = journalDir;
        }

        public long id() {
            return source.id();
        }

        /** The simulation; null for an observed run. */
        public Simulation simulation() {
            return simulation;
        }

        /** The run: a simulation or an observed run. */
        public TickSource source() {
            return source;
        }

        /** The observed run; null for a simulation. */
        public Observation observation() {
            return source instanceof Observation o ? o : null;
        }

        /** Where the run is journaled; null if it is not. */
        public Path journalDir() {
            return journalDir;
        }

        /** The run's feed; null if the launcher attaches none. */
        public Broadcaster feed() {
            return feed;
        }

        /** Why the run's journal ended early for lack of space (its path, the space left), or null. */
        public String journalDiskFull() {
            return journal == null ? null : journal.writer.diskFull();
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
            return source.awaitTermination(timeout, unit);
        }

        /**
         * Stop the run, wait for the end to reach its listeners (bounded, see {@link Simulation#close()}), stop its
         * threads and let go of its rings, close its journal and its closeable listeners, and let go of the feed's
         * in-memory tail (an unjournaled run keeps its last tick): a journaled run's subscribers read its ticks from
         * the journal from here on, an unjournaled one's get that last tick and the end (a server keeps many ended runs: their memory is
         * given back). Idempotent; not from one of
         * the run's listener threads.
         */
        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            source.close();
            if (journal != null) {
                journal.close();
            }
            for (final TickListener listener : listeners) {
                if (listener instanceof AutoCloseable closeable) {
                    closeQuietly(closeable);
                }
            }
            if (feed != null) {
                feed.releaseTail();
            }
            if (source.failure() != null) {
                LOG.warn("run {} failed", source.id(), source.failure());
            } else if (simulation != null) {
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
        private long journalMinFreeBytes = JournalWriter.DEFAULT_MIN_FREE_BYTES;
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

        /**
         * Space the runs' journals keep free on their filesystem: below it a journal ends (DISK_FULL) and its run
         * stops. Default 64 MiB.
         */
        public Context journalMinFreeBytes(final long bytes) {
            this.journalMinFreeBytes = bytes;
            return this;
        }

        public long journalMinFreeBytes() {
            return journalMinFreeBytes;
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
            new JournalWriter.Context().minFreeBytes(journalMinFreeBytes); // throws, naming the bound
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
        public void onCatalogUpdate(final DirectBuffer buffer, final int offset, final int length) {
            writer.onCatalogUpdate(buffer, offset, length);
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
