package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;
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
    /** Feeds of runs known only by their journals under {@link #journalRoot} (earlier servers, forgotten runs). */
    private final Map<Long, Broadcaster> journaledRuns = new ConcurrentHashMap<>();
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
                writer = JournalWriter.create(dir, diagram, sim.seed(), id);
            }
            final Entry entry = new Entry(sim, dir, writer == null ? null : new ClosingJournal(writer));
            entry.broadcaster = new Broadcaster(id, sim.catalog(), writer == null ? null : dir, tailTicks, tailBytes,
                () -> onEnded(entry));
            if (entry.journal != null) {
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
        return e == null ? Optional.empty() : Optional.of(e.broadcaster);
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
        if (journalRoot == null || id <= 0 || entries.containsKey(id)) {
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
        entries.values().forEach(this::release);
        entries.values().forEach(e -> e.broadcaster.discardTail());
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
