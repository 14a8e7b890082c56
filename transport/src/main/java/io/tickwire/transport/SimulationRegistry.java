package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.TickSource;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.engine.observe.Observation;
import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * The simulations a {@link FeedServer} runs, by id (1, 2, ...). Each is launched by the server's {@link RunLauncher}
 * (its feed, its journal if it has a directory, the listeners of the launcher's context); when a run's end has
 * reached its feed, the run is released on the control thread: its threads stopped, its journal closed.
 * <p>
 * At most {@code maxRuns} run at once: one more is refused ({@link TooManyRunsException}), so that a server cannot be
 * made to hold more threads and rings than its host has room for. Ended runs stay listed (state, ticks, counters) up
 * to {@link #RETAINED_ENDED_RUNS}; older ended ones are forgotten. Running ones are never forgotten. A run gives its
 * memory back when it is released, right after its end (see {@link RunLauncher.Run#close()}).
 * <p>
 * Thread-safe: {@link #launch} is serialised; lookups are lock-free.
 */
public final class SimulationRegistry implements AutoCloseable {
    /** Ended runs kept for {@link #get}/{@link #list} and the feed; the oldest beyond this are dropped. */
    public static final int RETAINED_ENDED_RUNS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(SimulationRegistry.class);
    private static final long CLOSE_TIMEOUT_S = 15;

    private final ConcurrentSkipListMap<Long, RunLauncher.Run> entries = new ConcurrentSkipListMap<>();
    private final RunLauncher launcher;
    private final int maxRuns;
    private final int tailTicks;
    private final long tailBytes;
    private final Path journalRoot;
    /** Feeds of runs known only by their journals under {@link #journalRoot} (earlier servers, forgotten runs). */
    private final Map<Long, Broadcaster> journaledRuns = new ConcurrentHashMap<>();
    /** Journals being replayed ({@link #replay}), by id: their own ids, the journal's. */
    private final ConcurrentSkipListMap<Long, JournalPlayer> replays = new ConcurrentSkipListMap<>();
    /** Control-plane work off the event loops and the listener threads: launches from REST, closing ended runs. */
    private final ExecutorService control = Executors.newSingleThreadExecutor(r -> {
        final Thread t = new Thread(r, "tw-control");
        t.setDaemon(true);
        return t;
    });
    private long nextId;
    private volatile boolean closed;

    /**
     * @param firstId     the id of the first run launched (1, or after the runs already journaled).
     * @param journalRoot where runs are journaled ({@code sim-<id>-<name>}), or null: the ended runs found there
     *                    stay subscribable from their journals ({@link #journaledRun}).
     * @param maxRuns     runs running at once, at most.
     * @param launcher    launches the runs; its feed tail sizes are also those of replays. It must attach a feed.
     */
    SimulationRegistry(final long firstId, final Path journalRoot, final int maxRuns, final RunLauncher launcher) {
        if (!launcher.context().feed()) {
            throw new IllegalArgumentException("the runs of a server need a feed");
        }
        this.nextId = firstId;
        this.maxRuns = maxRuns;
        this.journalRoot = journalRoot;
        this.launcher = launcher;
        this.tailTicks = launcher.context().feedTailTicks();
        this.tailBytes = launcher.context().feedTailBytes();
    }

    /**
     * Launch {@code diagram} as the next run (the next id; {@code ctx} is copied, not changed), journaled in
     * {@code journalDir} if it is not null (closed when the run ends), with a feed, then start it.
     *
     * @throws IOException              if the journal cannot be created (nothing is started then).
     * @throws IllegalArgumentException if {@code ctx} is invalid.
     * @throws TooManyRunsException     if {@code maxRuns} are running already.
     */
    public Simulation launch(final Diagram diagram, final Simulation.Context ctx, final Path journalDir)
        throws IOException {
        return launch(diagram, ctx, journalDir == null ? null : id -> journalDir);
    }

    /**
     * As {@link #launch(Diagram, Simulation.Context, Path)}, with the journal directory chosen from the id the run is
     * given ({@code journalDirOfId} may be null, or return null, for no journal).
     */
    public synchronized Simulation launch(final Diagram diagram, final Simulation.Context ctx,
                                          final LongFunction<Path> journalDirOfId) throws IOException {
        if (closed) {
            throw new IllegalStateException("the registry is closed");
        }
        final long running = running();
        if (running >= maxRuns) {
            throw new TooManyRunsException("the server runs " + running + " simulations, its limit (maxRuns): stop "
                + "one, or try again once one has ended");
        }
        final long id = nextId++;
        final Path dir = journalDirOfId == null ? null : journalDirOfId.apply(id);
        final RunLauncher.Run run = launcher.launch(diagram, ctx, id, dir, this::onEnded);
        entries.put(id, run);
        forgetOldRuns();
        return run.simulation();
    }

    /**
     * Continue the run journaled in {@code journalDir} under its own id ({@code ctx}'s), after its last complete tick:
     * see {@link RunLauncher#resume}.
     */
    public synchronized Simulation resume(final Diagram diagram, final Simulation.Context ctx, final Path journalDir,
                                          final boolean hasCatalog, final long ticksJournaled) throws IOException {
        if (closed) {
            throw new IllegalStateException("the registry is closed");
        }
        final long id = ctx.simulationId();
        if (entries.containsKey(id) || replays.containsKey(id)) {
            throw new IllegalArgumentException("simulation " + id + " is already served here");
        }
        final RunLauncher.Run run = launcher.resume(diagram, ctx, id, journalDir, hasCatalog, ticksJournaled);
        entries.put(id, run);
        nextId = Math.max(nextId, id + 1);
        forgetOldRuns();
        return run.simulation();
    }

    /**
     * Launch an observed run of {@code spec} as the next run (the next id), journaled in the directory
     * {@code journalDirOfId} gives (may be null, or return null, for none), with a feed, then start it.
     *
     * @throws IOException if the journal cannot be created (nothing is started then).
     */
    public synchronized Observation launch(final ObserveSpec spec, final Observation.Context ctx,
                                           final LongFunction<Path> journalDirOfId) throws IOException {
        if (closed) {
            throw new IllegalStateException("the registry is closed");
        }
        final long id = nextId++;
        final Path dir = journalDirOfId == null ? null : journalDirOfId.apply(id);
        final RunLauncher.Run run = launcher.launch(spec, ctx, id, dir, this::onEnded);
        entries.put(id, run);
        forgetOldRuns();
        return run.observation();
    }

    /** The observed run with id {@code id}. */
    public Optional<Observation> observation(final long id) {
        final RunLauncher.Run run = entries.get(id);
        return run == null ? Optional.empty() : Optional.ofNullable(run.observation());
    }

    /** Every observed run known, oldest first. */
    public List<Observation> observations() {
        final List<Observation> list = new ArrayList<>();
        entries.values().forEach(run -> {
            if (run.observation() != null) {
                list.add(run.observation());
            }
        });
        return list;
    }

    /** The running observed run with the highest id: where ingest goes when a request names none. */
    public Optional<Observation> latestRunningObservation() {
        for (final RunLauncher.Run run : entries.descendingMap().values()) {
            final Observation o = run.observation();
            if (o != null && o.state() == Simulation.State.RUNNING) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    /** Every run, simulated or observed, oldest first. */
    public List<TickSource> runs() {
        final List<TickSource> list = new ArrayList<>(entries.size());
        entries.values().forEach(run -> list.add(run.source()));
        return list;
    }

    /**
     * Replay the journal in {@code dir} as a simulation of its own, under the journal's simulation id (so its catalog
     * and ticks are the journal's bytes): ticks {@code from..to} (inclusive; -1 for the journal's first / last),
     * paced at {@code speed} simulated seconds per wall second ({@link Double#POSITIVE_INFINITY}: as fast as the
     * slowest subscriber reads). Started at once (held before its first tick if {@code paused}); it ends with
     * {@code SimulationEnd} (reason as journaled).
     *
     * @throws IOException              if the journal cannot be read.
     * @throws IllegalArgumentException if the range is not in the journal, or the id is taken here.
     */
    public synchronized JournalPlayer replay(final Path dir, final long from, final long to, final double speed,
                                             final boolean paused) throws IOException {
        if (closed) {
            throw new IllegalStateException("the registry is closed");
        }
        if (!(speed > 0)) {
            throw new IllegalArgumentException("speed must be > 0, got " + speed);
        }
        final JournalPlayer player;
        try (JournalReader reader = JournalReader.open(dir)) {
            final byte[] catalog = reader.catalog();
            final long first = reader.firstTick();
            final long last = reader.lastTick();
            if (catalog == null || last < 0) {
                throw new IllegalArgumentException("journal " + dir + " has no ticks");
            }
            final long start = from < 0 ? first : from;
            final long end = to < 0 ? last : Math.min(to, last);
            if (start < first || start > last) {
                throw new IllegalArgumentException("tick " + start + " is not in the journal (ticks " + first + ".."
                    + last + ")");
            }
            if (end < start) {
                throw new IllegalArgumentException("the range is empty: it ends (tick " + end
                    + ") before it starts (tick " + start + ")");
            }
            final long id = reader.simulationId();
            if (entries.containsKey(id) || replays.containsKey(id)) {
                throw new IllegalArgumentException("simulation " + id + " is already served here");
            }
            final boolean max = Double.isInfinite(speed);
            final Broadcaster feed = Broadcaster.ofReplay(id, catalog, dir.toAbsolutePath(), tailTicks, tailBytes, max,
                start);
            feed.describe(reader.series()); // an observed run's rows, described before any subscriber
            player = new JournalPlayer(dir.toAbsolutePath(), feed, reader, start, end, speed, tailTicks / 2);
            replays.put(id, player);
            nextId = Math.max(nextId, id + 1);
        }
        if (paused) {
            player.pause();
        }
        player.start();
        LOG.info("replay of {} as simulation {}: ticks {}..{} at speed {}", dir, player.simulationId(),
            player.firstTick(), player.lastTick(), Double.isInfinite(speed) ? "max" : speed);
        return player;
    }

    /** Runs not yet ended. */
    public long running() {
        return entries.values().stream().filter(run -> run.simulation().state() == Simulation.State.RUNNING
            || run.simulation().state() == Simulation.State.NEW).count();
    }

    /** A launch refused because {@code maxRuns} are running already. */
    public static final class TooManyRunsException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TooManyRunsException(final String message) {
            super(message);
        }
    }

    /** The replay with id {@code id}. */
    public Optional<JournalPlayer> replay(final long id) {
        return Optional.ofNullable(replays.get(id));
    }

    /** Every replay, oldest first. */
    public List<JournalPlayer> replays() {
        return List.copyOf(replays.values());
    }

    /** The simulation with id {@code id} (an observed run is not one: see {@link #observation}). */
    public Optional<Simulation> get(final long id) {
        final RunLauncher.Run run = entries.get(id);
        return run == null ? Optional.empty() : Optional.ofNullable(run.simulation());
    }

    /** Every simulation known, oldest first (observed runs: {@link #observations()}). */
    public List<Simulation> list() {
        final List<Simulation> list = new ArrayList<>(entries.size());
        entries.values().forEach(run -> {
            if (run.simulation() != null) {
                list.add(run.simulation());
            }
        });
        return list;
    }

    /** Every run known (launched here and not yet forgotten), oldest first: for metrics. */
    List<RunLauncher.Run> launchedRuns() {
        return List.copyOf(entries.values());
    }

    /** The simulation with the highest id. */
    public Optional<Simulation> latest() {
        for (final RunLauncher.Run run : entries.descendingMap().values()) {
            if (run.simulation() != null) {
                return Optional.of(run.simulation());
            }
        }
        return Optional.empty();
    }

    /** The feed of run {@code id}. */
    public Optional<Broadcaster> broadcaster(final long id) {
        final RunLauncher.Run run = entries.get(id);
        if (run == null) {
            final JournalPlayer replay = replays.get(id);
            return replay == null ? Optional.empty() : Optional.of(replay.broadcaster());
        }
        return Optional.of(run.feed());
    }

    /** Where run {@code id} is journaled, if it is. */
    public Optional<Path> journalDir(final long id) {
        final RunLauncher.Run run = entries.get(id);
        return run == null ? Optional.empty() : Optional.ofNullable(run.journalDir());
    }

    /**
     * The feed of run {@code id} as its journal under the journal root holds it, for a run this registry does not
     * (or no longer) know: an earlier server's, or one forgotten beyond {@link #RETAINED_ENDED_RUNS}. It is ended:
     * subscribers replay it from the journal, then get {@code SimulationEnd} (reason as journaled; FAILED if the
     * journal has no end, its writer having died). Opened once, then kept (a catalog and a few fields).
     *
     * @return null if there is no such journal, or it cannot be read.
     */
    Broadcaster journaledRun(final long id) {
        if (journalRoot == null || id <= 0 || entries.containsKey(id) || replays.containsKey(id)) {
            return null;
        }
        final Broadcaster known = journaledRuns.get(id);
        if (known != null) {
            return known;
        }
        final Path dir = findJournal(id);
        if (dir == null) {
            return null;
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            final byte[] catalog = reader.catalog();
            if (catalog == null) {
                return null;
            }
            final Broadcaster feed = Broadcaster.ofEndedJournal(id, catalog, reader.series(), dir,
                Math.max(0, reader.firstTick()), reader.lastTick(), TickListener.EndReason.of(reader.endReason()));
            final Broadcaster raced = journaledRuns.putIfAbsent(id, feed);
            return raced != null ? raced : feed;
        } catch (final IOException | RuntimeException ex) {
            LOG.warn("journal {} of simulation {} cannot be read: {}", dir, id, ex.toString());
            return null;
        }
    }

    private Path findJournal(final long id) {
        if (!Files.isDirectory(journalRoot)) {
            return null;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(journalRoot, "sim-" + id + "-*")) {
            for (final Path dir : dirs) {
                if (JournalLayout.isJournal(dir)) {
                    return dir;
                }
            }
        } catch (final IOException ex) {
            LOG.warn("cannot list the journal root {}: {}", journalRoot, ex.toString());
        }
        return null;
    }

    Broadcaster latestBroadcaster() {
        final Map.Entry<Long, RunLauncher.Run> e = entries.lastEntry();
        final Map.Entry<Long, JournalPlayer> r = replays.lastEntry();
        if (r != null && (e == null || r.getKey() > e.getKey())) {
            return r.getValue().broadcaster();
        }
        return e == null ? null : e.getValue().feed();
    }

    /** The executor for control-plane work that must not block an event loop. */
    ExecutorService control() {
        return control;
    }

    /** Stop every run, wait for each to drain (bounded), close their journals. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        entries.values().forEach(run -> run.source().stop());
        replays.values().forEach(JournalPlayer::close);
        entries.values().forEach(RunLauncher.Run::close);
        entries.values().forEach(run -> run.feed().discardTail());
        replays.values().forEach(r -> r.broadcaster().discardTail()); // closed above: ended
        control.shutdown();
        try {
            if (!control.awaitTermination(CLOSE_TIMEOUT_S, TimeUnit.SECONDS)) {
                LOG.warn("control tasks still running after {} s", CLOSE_TIMEOUT_S);
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the run's feed thread, once the end is handed over: release the run off that thread. */
    private void onEnded(final RunLauncher.Run run) {
        try {
            control.execute(run::close);
        } catch (final RejectedExecutionException ex) {
            // Closing: close() releases every run itself.
        }
    }

    private void forgetOldRuns() {
        int ended = 0;
        for (final RunLauncher.Run run : entries.descendingMap().values()) {
            final Simulation.State state = run.source().state();
            if (state == Simulation.State.ENDED || state == Simulation.State.FAILED) {
                if (!run.released()) {
                    // A run that failed may never deliver its end; release it here.
                    try {
                        control.execute(run::close);
                    } catch (final RejectedExecutionException ex) {
                        return; // closing
                    }
                }
                if (++ended > RETAINED_ENDED_RUNS && run.released() && entries.remove(run.id(), run)) {
                    run.feed().discardTail(); // its pooled buffers go back; its journal, if any, stays readable
                }
            }
        }
    }
}
