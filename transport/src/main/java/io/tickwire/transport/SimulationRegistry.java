package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournalWriter;
import org.agrona.DirectBuffer;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;

/**
 * The simulations a {@link FeedServer} runs, by id (1, 2, ...). Each is launched with a {@link Broadcaster} (its
 * feed) and optionally a {@link JournalWriter}; when a run ends its threads are stopped and its journal closed.
 * <p>
 * Ended runs stay listed (state, ticks, counters) up to {@link #RETAINED_ENDED_RUNS}; older ended ones are forgotten
 * so that a long-lived server does not keep every run's rings. Running ones are never forgotten.
 * <p>
 * Thread-safe: {@link #launch} is serialised; lookups are lock-free.
 */
public final class SimulationRegistry implements AutoCloseable {
    /** Ended runs kept for {@link #get}/{@link #list} and the feed; the oldest beyond this are dropped. */
    public static final int RETAINED_ENDED_RUNS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(SimulationRegistry.class);
    private static final long CLOSE_TIMEOUT_S = 15;

    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();
    private final int tailTicks;
    private final long tailBytes;
    private final Path journalRoot;
    private final String rollCycle;
    private final JournalRetention.Policy retention;
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
     * @param firstId   the id of the first run launched (1, or after the runs already journaled).
     * @param tailTicks ticks each run's feed keeps in memory (a power of two).
     * @param tailBytes bytes each run's feed keeps in memory, at most.
     * @param journalRoot where runs are journaled ({@code sim-<id>-<name>}), or null: the ended runs found there
     *                    stay subscribable from their journals ({@link #journaledRun}).
     */
    SimulationRegistry(final long firstId, final int tailTicks, final long tailBytes, final Path journalRoot) {
        this(firstId, tailTicks, tailBytes, journalRoot, JournalRetention.DEFAULT_ROLL_CYCLE,
            JournalRetention.Policy.KEEP_ALL);
    }

    /** @param rollCycle and {@code retention}: of the journals of the runs launched here. */
    SimulationRegistry(final long firstId, final int tailTicks, final long tailBytes, final Path journalRoot,
                       final String rollCycle, final JournalRetention.Policy retention) {
        this.rollCycle = rollCycle;
        this.retention = retention;
        this.nextId = firstId;
        this.tailTicks = tailTicks;
        this.tailBytes = tailBytes;
        this.journalRoot = journalRoot;
    }

    /**
     * Assign the next id into {@code ctx}, attach a {@link Broadcaster} and, if {@code journalDir} is not null, a
     * {@link JournalWriter} writing there (closed when the run ends), then start the run.
     *
     * @throws IOException              if the journal cannot be created (nothing is started then).
     * @throws IllegalArgumentException if {@code ctx} is invalid.
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
        final long id = nextId++;
        ctx.simulationId(id);
        final Simulation sim = Simulation.create(diagram, ctx);
        JournalWriter writer = null;
        try {
            final Path dir = journalDirOfId == null ? null : journalDirOfId.apply(id);
            if (dir != null) {
                writer = JournalWriter.create(dir, diagram, sim.seed(), id,
                    new JournalWriter.Context().rollCycle(rollCycle).retention(retention));
            }
            final Entry entry = new Entry(sim, dir, writer == null ? null : new ClosingJournal(writer));
            entry.broadcaster = new Broadcaster(id, sim.catalog(), writer == null ? null : dir, tailTicks, tailBytes,
                () -> onEnded(entry));
            if (entry.journal != null) {
                final Broadcaster feed = entry.broadcaster;
                writer.onFirstTickMoved(feed::retainFrom); // resumes from before it are refused with the range
                sim.addListener(entry.journal);
            }
            sim.addListener(entry.broadcaster);
            entries.put(id, entry);
            sim.start();
            LOG.info("simulation {} '{}' started (seed {}, {} workers{})", id, diagram.name(), sim.seed(),
                sim.workers(), dir == null ? "" : ", journal " + dir);
        } catch (final IOException | RuntimeException ex) {
            entries.remove(id);
            sim.close();
            if (writer != null) {
                closeQuietly(writer);
            }
            throw ex;
        }
        forgetOldRuns();
        return sim;
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
            final Broadcaster feed = new Broadcaster(id, catalog, dir.toAbsolutePath(), tailTicks, tailBytes, null,
                max, start);
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

    /** The replay with id {@code id}. */
    public Optional<JournalPlayer> replay(final long id) {
        return Optional.ofNullable(replays.get(id));
    }

    /** Every replay, oldest first. */
    public List<JournalPlayer> replays() {
        return List.copyOf(replays.values());
    }

    public Optional<Simulation> get(final long id) {
        final Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.sim);
    }

    /** Every run known, oldest first. */
    public List<Simulation> list() {
        final List<Simulation> list = new ArrayList<>(entries.size());
        entries.values().forEach(e -> list.add(e.sim));
        return list;
    }

    /** The run with the highest id. */
    public Optional<Simulation> latest() {
        final Map.Entry<Long, Entry> e = entries.lastEntry();
        return e == null ? Optional.empty() : Optional.of(e.getValue().sim);
    }

    /** The feed of run {@code id}. */
    public Optional<Broadcaster> broadcaster(final long id) {
        final Entry e = entries.get(id);
        if (e == null) {
            final JournalPlayer replay = replays.get(id);
            return replay == null ? Optional.empty() : Optional.of(replay.broadcaster());
        }
        return Optional.of(e.broadcaster);
    }

    /** Where run {@code id} is journaled, if it is. */
    public Optional<Path> journalDir(final long id) {
        final Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.ofNullable(e.journalDir);
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
            final Broadcaster feed = new Broadcaster(id, catalog, dir, 2, 1, null);
            feed.retainFrom(Math.max(0, reader.firstTick())); // retention may have deleted its first cycles
            final io.tickwire.sbe.EndReason reason = reader.endReason();
            feed.onEnd(reader.lastTick(), reason == null ? TickListener.EndReason.FAILED : switch (reason) {
                case COMPLETED -> TickListener.EndReason.COMPLETED;
                case STOPPED -> TickListener.EndReason.STOPPED;
                default -> TickListener.EndReason.FAILED;
            });
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
        final Map.Entry<Long, Entry> e = entries.lastEntry();
        final Map.Entry<Long, JournalPlayer> r = replays.lastEntry();
        if (r != null && (e == null || r.getKey() > e.getKey())) {
            return r.getValue().broadcaster();
        }
        return e == null ? null : e.getValue().broadcaster;
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
        entries.values().forEach(e -> e.sim.stop());
        replays.values().forEach(JournalPlayer::close);
        entries.values().forEach(this::release);
        entries.values().forEach(e -> e.broadcaster.discardTail());
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

    /** On the run's broadcaster thread, once the end is written: release the run off that thread. */
    private void onEnded(final Entry entry) {
        try {
            control.execute(() -> release(entry));
        } catch (final RejectedExecutionException ex) {
            // Closing: close() releases every run itself.
        }
    }

    /** Stop the run's threads and close its journal, once. */
    private void release(final Entry entry) {
        if (!entry.released.compareAndSet(false, true)) {
            return;
        }
        entry.sim.close();
        if (entry.journal != null) {
            entry.journal.close();
        }
        if (entry.broadcaster != null) {
            entry.broadcaster.releaseTail(); // journaled: replays read the journal from here on
        }
        if (entry.sim.failure() != null) {
            LOG.warn("simulation {} failed", entry.sim.id(), entry.sim.failure());
        }
    }

    private void forgetOldRuns() {
        int ended = 0;
        for (final Entry e : entries.descendingMap().values()) {
            final Simulation.State state = e.sim.state();
            if (state == Simulation.State.ENDED || state == Simulation.State.FAILED) {
                if (!e.released.get()) {
                    // A run that failed may never deliver its end; release it here.
                    try {
                        control.execute(() -> release(e));
                    } catch (final RejectedExecutionException ex) {
                        return; // closing
                    }
                }
                if (++ended > RETAINED_ENDED_RUNS && e.released.get() && entries.remove(e.sim.id(), e)) {
                    e.broadcaster.discardTail(); // its pooled buffers go back; its journal, if any, stays readable
                }
            }
        }
    }

    private static void closeQuietly(final AutoCloseable c) {
        try {
            c.close();
        } catch (final Exception ex) {
            LOG.warn("closing {} failed", c, ex);
        }
    }

    private static final class Entry {
        final Simulation sim;
        final Path journalDir;
        final ClosingJournal journal;
        final AtomicBoolean released = new AtomicBoolean();
        Broadcaster broadcaster;

        Entry(final Simulation sim, final Path journalDir, final ClosingJournal journal) {
            this.sim = sim;
            this.journalDir = journalDir;
            this.journal = journal;
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
