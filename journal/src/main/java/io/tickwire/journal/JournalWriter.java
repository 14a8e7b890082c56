package io.tickwire.journal;

import io.tickwire.codec.CatalogUpdates;
import io.tickwire.codec.Schema;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.SimulationEndEncoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Journals a simulation: a {@link TickListener} that appends every message it is given, verbatim, to a Chronicle
 * Queue in {@code <dir>/queue} (layout in {@link JournalLayout}).
 * <p>
 * Excerpt layout: each excerpt is exactly one SBE message, header included, and nothing else (no wire framing
 * beyond Chronicle's own 4-byte document header):
 * <pre>
 *  excerpt              template          when
 *  first                Catalog (20)      {@link #onCatalog}, once, before any tick
 *  then, one per tick   TickSummary (10)  {@link #onTick}: ticks 0, 1, 2, ... in order, consecutive
 *  after a tick, any    events            {@link #onEvent}: that tick's events (e.g. ReplicaEvent, 62), verbatim
 *  between ticks        CatalogUpdate (71) {@link #onCatalogUpdate}: an observed run's new rows, before the tick
 *                                         that first holds them
 *  last (if any)        SimulationEnd (31) {@link #onEnd}: lastSequence = the last tick, reason = how the run ended;
 *                                         absent if the writer died or was closed before the end reached it
 * </pre>
 * Chronicle indexes are {@code cycle << 32 | sequence}: consecutive within a cycle, with a jump at each roll, so a
 * tick's index is found by {@link JournalReader#seek}, never computed.
 * <p>
 * Crash safety: {@code run.properties} and {@code diagram.yaml} are written by {@link #create}, before any excerpt.
 * Excerpts go to memory-mapped files whose pages belong to the OS, and a document becomes visible only once complete,
 * so a writer killed at any point (kill -9) leaves a journal that opens and reads every tick appended before, up to
 * the one in flight. (Power loss is another matter: no excerpt is fsync'd, by design of the hot path.)
 * <p>
 * A full disk: Chronicle writes through memory-mapped pages, and a page the filesystem can no longer back faults
 * (SIGBUS) half way through an excerpt — the process dies and the journal's tail is garbage. So the writer watches
 * its filesystem's usable space itself, before the catalog and then every {@link Context#diskCheckBytes} appended (a
 * {@code statvfs}, off the per-tick path), and stops while {@link Context#minFreeBytes} are still free: it appends
 * no more ticks, ends the journal with {@code SimulationEnd} (reason DISK_FULL) after the last one, and calls
 * {@link #onDiskFull} so that the run stops ({@link #diskFull()} says why). Chronicle's own {@code DiskSpaceMonitor}
 * only logs, every 10 s: far too late for a run at full speed.
 * <p>
 * <b>Single writer thread</b>: the listener methods must all be called from one thread, the {@link TickListener}
 * contract; the appender is created on that thread by its first call. Appending copies the message from the
 * caller's buffer into the mapped file and allocates nothing. {@link #ticksWritten()} may be read from any thread;
 * call {@link #close()} once the simulation has ended.
 */
public final class JournalWriter implements TickListener, AutoCloseable {
    /*
     * FAST_HOURLY: a 32-bit sequence per cycle (4 G excerpts, where HALF_HOURLY and shorter have 1 G), so a speed-max
     * run appending millions of ticks cannot exhaust a cycle; and hourly files keep a long live run's files to a size
     * that can be archived or deleted piecemeal. A roll costs a new file and a jump in the indexes, which seek
     * handles with a table of cycles.
     */
    static final RollCycle ROLL_CYCLE = RollCycles.FAST_HOURLY;
    public static final long DEFAULT_MIN_FREE_BYTES = 64L << 20;
    public static final long DEFAULT_DISK_CHECK_BYTES = 1L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);
    public static final int LATENCY_SAMPLE_EVERY = 16;

    private final Path directory;
    private final long simulationId;
    private final SingleChronicleQueue queue;
    private final AtomicLong ticksWritten = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    /** Every {@link #LATENCY_SAMPLE_EVERY}th append is timed, so that timing costs the append path ~nothing. */
    private final SingleWriterRecorder appendLatency = new SingleWriterRecorder(3);
    private Histogram appendInterval; // reader side of appendLatency: the caller of addAppendLatencies only
    private long appends; // listener thread only
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SimulationEndEncoder endEncoder = new SimulationEndEncoder();
    private final UnsafeBuffer endBuffer =
        new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + SimulationEndEncoder.BLOCK_LENGTH]);
    // Written by the listener thread, read by close(): volatile costs a plain load on the append path.
    private volatile ExcerptAppender appender;
    private long ticks;
    private boolean catalogKept; // listener thread only
    private CatalogUpdates catalogUpdates; // listener thread only
    private boolean catalogJournaled; // resumed with a catalog: set before the listener thread starts
    private volatile boolean ended;

    // Free space: checked on the listener thread.
    private final FileStore store;
    private final long minFreeBytes;
    private final long diskCheckBytes;
    private long appendedSinceCheck;
    private volatile String diskFull;
    private volatile Runnable onDiskFull;

    // Retention: its own thread, if the policy deletes anything.
    private final JournalRetention retention;
    private final ScheduledExecutorService retentionThread;
    private final JournalPretoucher pretoucher;
    private final TimeProvider time;
    private volatile long firstTick;
    private volatile LongConsumer onFirstTickMoved;

    private JournalWriter(final Path directory, final SingleChronicleQueue queue, final long simulationId,
                          final Context ctx) {
        this.directory = directory;
        this.queue = queue;
        this.simulationId = simulationId;
        this.time = ctx.timeProvider;
        this.store = store(directory);
        this.minFreeBytes = ctx.minFreeBytes;
        this.diskCheckBytes = ctx.diskCheckBytes;
        this.appendedSinceCheck = ctx.diskCheckBytes; // check before the first excerpt
        this.pretoucher = ctx.pretouch ? new JournalPretoucher(ctx.pretouchAheadBytes, "tw-pretouch-" + simulationId)
            : null;
        if (ctx.retention.keepsAll()) {
            retention = null;
            retentionThread = null;
        } else {
            retention = new JournalRetention(queue, ctx.retention);
            if (ctx.retentionCheckMs > 0) {
                retentionThread = Executors.newSingleThreadScheduledExecutor(r -> {
                    final Thread t = new Thread(r, "tw-retention-" + simulationId);
                    t.setDaemon(true);
                    return t;
                });
                retentionThread.scheduleWithFixedDelay(this::retainQuietly, ctx.retentionCheckMs,
                    ctx.retentionCheckMs, TimeUnit.MILLISECONDS);
            } else {
                retentionThread = null; // the caller calls enforceRetention() (tests)
            }
        }
    }

    /**
     * Configuration of a journal: its roll cycle and retention. Defaults: {@value JournalRetention#DEFAULT_ROLL_CYCLE},
     * keep everything.
     */
    public static final class Context {
        private RollCycle rollCycle = ROLL_CYCLE;
        private JournalRetention.Policy retention = JournalRetention.Policy.KEEP_ALL;
        private TimeProvider timeProvider = SystemTimeProvider.INSTANCE;
        private long retentionCheckMs = 1_000;
        private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;
        private long diskCheckBytes = DEFAULT_DISK_CHECK_BYTES;

        /**
         * Space to leave free on the journal's filesystem: the journal ends (DISK_FULL) once less than this is left.
         * It must cover what is appended between two checks, the end record and a new cycle's file header.
         * Default 64 MiB.
         */
        public Context minFreeBytes(final long bytes) {
            if (bytes < 2 * diskCheckBytes) {
                throw new IllegalArgumentException("minFreeBytes must be at least twice diskCheckBytes ("
                    + diskCheckBytes + "), got " + bytes);
            }
            this.minFreeBytes = bytes;
            return this;
        }

        /** Bytes appended between two checks of the free space. Default 1 MiB. */
        public Context diskCheckBytes(final long bytes) {
            if (bytes < 1 || 2 * bytes > minFreeBytes) {
                throw new IllegalArgumentException("diskCheckBytes must be in [1, minFreeBytes / 2], got " + bytes);
            }
            this.diskCheckBytes = bytes;
            return this;
        }

        public long minFreeBytes() {
            return minFreeBytes;
        }

        private boolean pretouch;
        private long launchTicks = -1;
        private double launchSpeed = Double.NaN;
        private long pretouchAheadBytes = JournalPretoucher.DEFAULT_AHEAD_BYTES;

        /**
         * Touch the next pages of the cycle file ahead of the writer, on a thread of its own
         * ({@link JournalPretoucher}), so that appends do not take page faults. Default false.
         */
        public Context pretouch(final boolean pretouch) {
            this.pretouch = pretouch;
            return this;
        }

        /**
         * The run's tick budget (-1: until stopped) and speed, kept in run.properties so that {@code run --resume}
         * continues it to the same end at the same pace. Default: not kept.
         */
        public Context launch(final long ticks, final double speed) {
            this.launchTicks = ticks;
            this.launchSpeed = speed;
            return this;
        }

        /** How far ahead of the writer the pretoucher keeps pages touched. Default 4 MiB. */
        public Context pretouchAheadBytes(final long bytes) {
            this.pretouchAheadBytes = bytes;
            return this;
        }

        /** One of {@link JournalRetention#ROLL_CYCLES}, by name. @throws IllegalArgumentException if unknown. */
        public Context rollCycle(final String name) {
            this.rollCycle = JournalRetention.rollCycle(name);
            return this;
        }

        /** What to keep ({@link JournalRetention.Policy#parse}); whole old cycles beyond it are deleted. */
        public Context retention(final JournalRetention.Policy retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /** The clock that decides roll cycles and the age of cycles (tests roll and age with it). */
        public Context timeProvider(final TimeProvider timeProvider) {
            this.timeProvider = Objects.requireNonNull(timeProvider, "timeProvider");
            return this;
        }

        /** How often the retention thread looks for cycles to delete; 0 for never (call enforceRetention). 1 s. */
        public Context retentionCheckMs(final long ms) {
            this.retentionCheckMs = ms;
            return this;
        }
    }

    /**
     * Create a journal in {@code dir} (created if absent) and write its {@code run.properties} and
     * {@code diagram.yaml}; ticks follow through the {@link TickListener} methods.
     *
     * @param seed         the run's seed ({@code Simulation#seed()}).
     * @param simulationId the run's id ({@code Simulation#id()}).
     * @throws IOException "journal already exists: dir" if {@code dir} already holds a journal (or part of one).
     */
    public static JournalWriter create(final Path dir, final Diagram diagram, final long seed,
                                       final long simulationId) throws IOException {
        return create(dir, diagram, seed, simulationId, SystemTimeProvider.INSTANCE);
    }

    /** As {@link #create(Path, Diagram, long, long)}, with the clock that decides roll cycles (tests roll with it). */
    static JournalWriter create(final Path dir, final Diagram diagram, final long seed, final long simulationId,
                                final TimeProvider time) throws IOException {
        return create(dir, diagram, seed, simulationId, new Context().timeProvider(time));
    }

    /** As {@link #create(Path, Diagram, long, long)}, with a roll cycle and retention. */
    public static JournalWriter create(final Path dir, final Diagram diagram, final long seed, final long simulationId,
                                       final Context ctx) throws IOException {
        final String source = Objects.requireNonNull(diagram, "diagram").source();
        if (source == null) {
            // Replay, verify and resume all need the text the run was made from.
            throw new IllegalArgumentException("the diagram has no source text to journal");
        }
        return create(dir, JournalLayout.DIAGRAM_FILE, source, diagram.name(), diagram.tickLengthNs(), seed, simulationId,
            null, ctx);
    }

    /**
     * A journal of an observed run: its configuration's text goes to {@code observe.yaml} and run.properties says
     * {@code kind=observed}; its catalog updates are journaled and merged into {@code catalog.sbe} and
     * {@code series.sbe} ({@link JournalLayout}).
     */
    public static JournalWriter createObserved(final Path dir, final String name, final long tickLengthNs,
                                               final String configSource, final long simulationId,
                                               final Context ctx) throws IOException {
        return create(dir, JournalLayout.OBSERVE_FILE, Objects.requireNonNull(configSource, "configSource"), name,
            tickLengthNs, 0, simulationId, JournalLayout.OBSERVED, ctx);
    }

    private static JournalWriter create(final Path dir, final String sourceFile, final String source,
                                        final String name, final long tickLengthNs, final long seed,
                                        final long simulationId, final String kind, final Context ctx)
        throws IOException {
        Objects.requireNonNull(dir, "dir");
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve(JournalLayout.RUN_FILE))) {
            throw alreadyExists(dir);
        }
        final Path queueDir = dir.resolve(JournalLayout.QUEUE_DIR);
        try {
            Files.createDirectory(queueDir); // atomic: of two writers racing for one directory, one wins
        } catch (final FileAlreadyExistsException ex) {
            throw alreadyExists(dir);
        }
        // The run's identity before its queue: a writer killed from here on leaves a journal that run --resume
        // continues (with no catalog yet, from tick 0).
        writeDurably(dir.resolve(sourceFile), source);
        writeDurably(dir.resolve(JournalLayout.RUN_FILE), runProperties(name, tickLengthNs, seed, simulationId, kind, ctx));
        final SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(queueDir)
            .rollCycle(ctx.rollCycle)
            .timeProvider(ctx.timeProvider)
            .build();
        return new JournalWriter(dir, queue, simulationId, ctx);
    }

    /**
     * Reopen the journal in {@code dir}, whose writer died (kill -9) before the run's end, to append the ticks that
     * follow its last complete one: {@code run --resume}. Its run.properties and diagram stay as written; its catalog
     * is appended only if it has none ({@code hasCatalog} false: the writer died before the run started). The
     * caller re-simulates the ticks already journaled without delivering them (the kernel is deterministic), so the
     * next tick this writer is given is the one after the journal's last.
     *
     * @param ticksJournaled the ticks the journal already holds (its last tick + 1).
     * @throws IOException if {@code dir} is not a journal, or it has ended.
     */
    public static JournalWriter resume(final Path dir, final long simulationId, final boolean hasCatalog,
                                       final long ticksJournaled, final Context ctx) throws IOException {
        if (!Files.isRegularFile(dir.resolve(JournalLayout.RUN_FILE))) {
            throw new IOException("not a journal: " + dir + " (no " + JournalLayout.RUN_FILE + ")");
        }
        final Path queueDir = dir.resolve(JournalLayout.QUEUE_DIR);
        Files.createDirectories(queueDir);
        final SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(queueDir)
            .rollCycle(ctx.rollCycle)
            .timeProvider(ctx.timeProvider)
            .build();
        final JournalWriter writer = new JournalWriter(dir, queue, simulationId, ctx);
        writer.catalogJournaled = hasCatalog;
        writer.ticks = ticksJournaled;
        writer.ticksWritten.set(ticksJournaled);
        return writer;
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        if (catalogJournaled) {
            return; // resumed: the journal has its catalog, from the run's start
        }
        if (!roomFor(length)) {
            return;
        }
        append(buffer, offset, length);
        final byte[] first = new byte[length];
        buffer.getBytes(offset, first);
        catalogUpdates = CatalogUpdates.of(first);
        if (retention != null && !catalogKept) {
            // Once, before any tick: the first cycle (with the catalog excerpt) may be deleted by retention.
            catalogKept = true;
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            try {
                writeDurably(directory.resolve(JournalLayout.CATALOG_FILE), bytes);
            } catch (final IOException ex) {
                throw new java.io.UncheckedIOException("journal " + directory + ": cannot keep the catalog", ex);
            }
        }
    }

    /**
     * An observed run's new rows: journaled before the tick that first holds them, and merged into
     * {@code catalog.sbe} and {@code series.sbe} (written durably first, so that a reader never finds a row of a tick
     * undescribed). Rare; allocates.
     */
    @Override
    public void onCatalogUpdate(final DirectBuffer buffer, final int offset, final int length) {
        catalogUpdates = catalogUpdates.plus(buffer, offset, length);
        try {
            writeDurably(directory.resolve(JournalLayout.CATALOG_FILE), catalogUpdates.catalog());
            writeDurably(directory.resolve(JournalLayout.SERIES_FILE), catalogUpdates.series());
        } catch (final IOException ex) {
            throw new java.io.UncheckedIOException("journal " + directory + ": cannot keep the catalog", ex);
        }
        append(buffer, offset, length);
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                       final boolean endOfBatch) {
        // No flush on endOfBatch: the excerpt is in the mapped file, visible to readers, once its document closes.
        if (!roomFor(length)) {
            return;
        }
        append(buffer, offset, length);
        ticksWritten.lazySet(++ticks);
    }

    /** An event of the tick just appended: appended verbatim, between that tick and the next. */
    @Override
    public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        append(buffer, offset, length);
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        if (diskFull != null) {
            return; // ended already, at the last tick it had room for
        }
        appendEnd(lastTick, reason);
    }

    private void appendEnd(final long lastTick, final EndReason reason) {
        endEncoder.wrapAndApplyHeader(endBuffer, 0, headerEncoder)
            .simulationId(simulationId)
            .lastSequence(lastTick)
            .reason(map(reason));
        append(endBuffer, 0, endBuffer.capacity());
        ended = true; // retention stops: a finished journal keeps the ticks it has (its last cycle may hold none)
    }

    /**
     * Whether {@code length} more bytes may be appended: a look at the filesystem every
     * {@link Context#diskCheckBytes}. Once it is low, the journal ends here (DISK_FULL) and nothing more is taken.
     */
    private boolean roomFor(final int length) {
        if (diskFull != null) {
            return false;
        }
        appendedSinceCheck += length;
        if (appendedSinceCheck < diskCheckBytes) {
            return true;
        }
        appendedSinceCheck = 0;
        final long free = usableSpace();
        if (free >= minFreeBytes) {
            return true;
        }
        diskFull = "journal " + directory + ": " + mib(free) + " free on its filesystem, less than the "
            + mib(minFreeBytes) + " it keeps free: the journal ends at tick " + (ticks - 1);
        appendEnd(ticks - 1, EndReason.DISK_FULL);
        final Runnable listener = onDiskFull;
        if (listener != null) {
            listener.run();
        }
        return false;
    }

    private long usableSpace() {
        try {
            return store.getUsableSpace();
        } catch (final IOException ex) {
            return Long.MAX_VALUE; // cannot tell: Chronicle's own errors will
        }
    }

    private static FileStore store(final Path directory) {
        try {
            return Files.getFileStore(directory);
        } catch (final IOException ex) {
            throw new java.io.UncheckedIOException("journal " + directory + ": cannot see its filesystem", ex);
        }
    }

    private static String mib(final long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double)(1 << 20));
    }

    /**
     * Why the journal ended early for lack of space (the path, the space left, the last tick), or null. Any thread.
     */
    public String diskFull() {
        return diskFull;
    }

    /** Called once, on the listener thread, when the journal ends for lack of space: stop the run there. */
    public void onDiskFull(final Runnable listener) {
        this.onDiskFull = listener;
    }

    /** Ticks appended so far; safe to read from any thread. */
    public long ticksWritten() {
        return ticksWritten.get();
    }

    /** Bytes of SBE messages appended so far (catalog, ticks, end; Chronicle's headers aside); any thread. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /**
     * Add the append latencies (ns) sampled since the last call (one append in {@value #LATENCY_SAMPLE_EVERY},
     * timed around Chronicle's write) to {@code into}. From one reader thread at a time (a scraper).
     */
    public synchronized void addAppendLatencies(final Histogram into) {
        appendInterval = appendLatency.getIntervalHistogram(appendInterval);
        into.add(appendInterval);
    }

    public Path directory() {
        return directory;
    }

    /** The first tick still in the journal: 0 until retention deletes a cycle. Any thread. */
    public long firstTick() {
        return firstTick;
    }

    /** Called (on the retention thread) each time retention moves the first tick forward. */
    public void onFirstTickMoved(final LongConsumer listener) {
        this.onFirstTickMoved = listener;
    }

    /**
     * Delete what the retention policy no longer keeps, now. The retention thread does this every
     * {@link Context#retentionCheckMs}; call it only when that is 0 (and always from the same thread).
     *
     * @return the journal's first tick after it.
     */
    long enforceRetention() throws IOException {
        if (retention == null || closed.get() || ended) {
            return firstTick;
        }
        final long first = retention.enforce(time.currentTimeMillis());
        if (first >= 0 && first != firstTick) {
            firstTick = first;
            final LongConsumer listener = onFirstTickMoved;
            if (listener != null) {
                listener.accept(first);
            }
        }
        return firstTick;
    }

    private void retainQuietly() {
        try {
            enforceRetention();
        } catch (final IOException | RuntimeException ex) {
            LOG.warn("journal {}: retention failed: {}", directory, ex.toString());
        }
    }

    /** Close the appender and the queue; idempotent. Call once the listener thread is done (the run has ended). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (retentionThread != null) {
                retentionThread.shutdownNow();
                try {
                    retentionThread.awaitTermination(5, TimeUnit.SECONDS);
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            if (retention != null) {
                retention.close();
            }
            if (pretoucher != null) {
                pretoucher.close();
            }
            final ExcerptAppender a = appender;
            if (a != null) {
                a.close();
            }
            queue.close();
        }
    }

    private void append(final DirectBuffer buffer, final int offset, final int length) {
        ExcerptAppender a = appender;
        if (a == null) {
            a = queue.createAppender(); // on the listener thread, which then owns it
            appender = a;
        }
        final boolean timed = (appends++ & (LATENCY_SAMPLE_EVERY - 1)) == 0;
        final long start = timed ? System.nanoTime() : 0;
        appendTo(a, buffer, offset, length, pretoucher);
        if (timed) {
            appendLatency.recordValue(Math.max(0, System.nanoTime() - start));
        }
        bytesWritten.lazySet(bytesWritten.get() + length);
    }

    /** Append one excerpt; tell the pretoucher, if any, where the writer now is in which cycle file. */
    private static void appendTo(final ExcerptAppender a, final DirectBuffer buffer, final int offset,
                                 final int length, final JournalPretoucher pretoucher) {
        try (DocumentContext dc = a.writingDocument()) {
            final Bytes<?> bytes = dc.wire().bytes();
            final byte[] array = buffer.byteArray();
            if (array != null) {
                bytes.write(array, buffer.wrapAdjustment() + offset, length);
            } else {
                bytes.unsafeWrite(buffer.addressOffset() + offset, length); // off-heap: straight from its address
            }
            if (pretoucher != null && bytes instanceof MappedBytes mapped) {
                pretoucher.writerAt(mapped.mappedFile(), bytes.writePosition());
            }
        }
    }

    // Spelled out: inside a TickListener, the simple name EndReason is the listener's own enum.
    private static io.tickwire.sbe.EndReason map(final EndReason reason) {
        if (reason == null) {
            return io.tickwire.sbe.EndReason.FAILED; // the engine reports none only when a stage died before deciding
        }
        return reason.code();
    }

    private static IOException alreadyExists(final Path dir) {
        return new IOException("journal already exists: " + dir);
    }

    private static String runProperties(final String name, final long tickLengthNs, final long seed,
                                        final long simulationId, final String kind, final Context ctx) {
        return "# Tickwire journal: the run's identity. diagram.yaml is its diagram, queue/ its ticks.\n"
            + JournalLayout.SEED + '=' + seed + '\n'
            + JournalLayout.SIMULATION_ID + '=' + simulationId + '\n'
            + JournalLayout.SCHEMA_ID + '=' + Schema.ID + '\n'
            + JournalLayout.SCHEMA_VERSION + '=' + Schema.VERSION + '\n'
            + JournalLayout.CREATED + '=' + escape(Instant.now().toString()) + '\n'
            + JournalLayout.TICK_LENGTH_NS + '=' + tickLengthNs + '\n'
            + JournalLayout.NAME + '=' + escape(name) + '\n'
            + (kind == null ? "" : JournalLayout.KIND + '=' + kind + '\n')
            + JournalLayout.ROLL_CYCLE + '=' + JournalRetention.nameOf(ctx.rollCycle) + '\n'
            + (ctx.retention.keepsAll() ? "" : JournalLayout.RETAIN + '=' + ctx.retention + '\n')
            + (Double.isNaN(ctx.launchSpeed) ? "" : JournalLayout.TICKS + '=' + ctx.launchTicks + '\n'
                + JournalLayout.SPEED + '=' + (Double.isInfinite(ctx.launchSpeed) ? "max" : ctx.launchSpeed) + '\n');
    }

    /**
     * Escape a value for {@link java.util.Properties#load(java.io.Reader)} (the file is UTF-8). In a value only the
     * backslash, line breaks and a leading space need it; ':' and '=' stay readable.
     */
    static String escape(final String value) {
        final StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\f' -> sb.append("\\f");
                case ' ' -> sb.append(i == 0 ? "\\ " : " ");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Write to a temporary file, force it to disk, then rename it into place: readers never see half a file. */
    private static void writeDurably(final Path target, final String text) throws IOException {
        writeDurably(target, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeDurably(final Path target, final byte[] content) throws IOException {
        final Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        final ByteBuffer bytes = ByteBuffer.wrap(content);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
}
