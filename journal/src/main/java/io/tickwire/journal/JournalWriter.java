package io.tickwire.journal;

import io.tickwire.codec.Schema;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.SimulationEndEncoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
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
    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);

    private final Path directory;
    private final long simulationId;
    private final SingleChronicleQueue queue;
    private final AtomicLong ticksWritten = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SimulationEndEncoder endEncoder = new SimulationEndEncoder();
    private final UnsafeBuffer endBuffer =
        new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + SimulationEndEncoder.BLOCK_LENGTH]);
    // Written by the listener thread, read by close(): volatile costs a plain load on the append path.
    private volatile ExcerptAppender appender;
    private long ticks;
    private boolean catalogKept; // listener thread only
    private volatile boolean ended;

    // Retention: its own thread, if the policy deletes anything.
    private final JournalRetention retention;
    private final ScheduledExecutorService retentionThread;
    private final TimeProvider time;
    private volatile long firstTick;
    private volatile LongConsumer onFirstTickMoved;

    private JournalWriter(final Path directory, final SingleChronicleQueue queue, final long simulationId,
                          final Context ctx) {
        this.directory = directory;
        this.queue = queue;
        this.simulationId = simulationId;
        this.time = ctx.timeProvider;
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
        Objects.requireNonNull(dir, "dir");
        final String source = Objects.requireNonNull(diagram, "diagram").source();
        if (source == null) {
            // Replay, verify and resume all need the text the run was made from.
            throw new IllegalArgumentException("the diagram has no source text to journal");
        }
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

        final SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(queueDir)
            .rollCycle(ctx.rollCycle)
            .timeProvider(ctx.timeProvider)
            .build();
        try {
            writeDurably(dir.resolve(JournalLayout.DIAGRAM_FILE), source);
            // Last: run.properties is what makes the directory a journal (JournalLayout.isJournal).
            writeDurably(dir.resolve(JournalLayout.RUN_FILE), runProperties(diagram, seed, simulationId, ctx));
        } catch (final IOException | RuntimeException ex) {
            queue.close();
            throw ex;
        }
        return new JournalWriter(dir, queue, simulationId, ctx);
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        append(buffer, offset, length);
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

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                       final boolean endOfBatch) {
        // No flush on endOfBatch: the excerpt is in the mapped file, visible to readers, once its document closes.
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
        endEncoder.wrapAndApplyHeader(endBuffer, 0, headerEncoder)
            .simulationId(simulationId)
            .lastSequence(lastTick)
            .reason(map(reason));
        append(endBuffer, 0, endBuffer.capacity());
        ended = true; // retention stops: a finished journal keeps the ticks it has (its last cycle may hold none)
    }

    /** Ticks appended so far; safe to read from any thread. */
    public long ticksWritten() {
        return ticksWritten.get();
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
        try (DocumentContext dc = a.writingDocument()) {
            final Bytes<?> bytes = dc.wire().bytes();
            final byte[] array = buffer.byteArray();
            if (array != null) {
                bytes.write(array, buffer.wrapAdjustment() + offset, length);
            } else {
                bytes.unsafeWrite(buffer.addressOffset() + offset, length); // off-heap: straight from its address
            }
        }
    }

    // Spelled out: inside a TickListener, the simple name EndReason is the listener's own enum.
    private static io.tickwire.sbe.EndReason map(final EndReason reason) {
        if (reason == null) {
            return io.tickwire.sbe.EndReason.FAILED; // the engine reports none only when a stage died before deciding
        }
        return switch (reason) {
            case COMPLETED -> io.tickwire.sbe.EndReason.COMPLETED;
            case STOPPED -> io.tickwire.sbe.EndReason.STOPPED;
            case FAILED -> io.tickwire.sbe.EndReason.FAILED;
        };
    }

    private static IOException alreadyExists(final Path dir) {
        return new IOException("journal already exists: " + dir);
    }

    private static String runProperties(final Diagram diagram, final long seed, final long simulationId,
                                        final Context ctx) {
        return "# Tickwire journal: the run's identity. diagram.yaml is its diagram, queue/ its ticks.\n"
            + JournalLayout.SEED + '=' + seed + '\n'
            + JournalLayout.SIMULATION_ID + '=' + simulationId + '\n'
            + JournalLayout.SCHEMA_ID + '=' + Schema.ID + '\n'
            + JournalLayout.SCHEMA_VERSION + '=' + Schema.VERSION + '\n'
            + JournalLayout.CREATED + '=' + escape(Instant.now().toString()) + '\n'
            + JournalLayout.TICK_LENGTH_NS + '=' + diagram.tickNs() + '\n'
            + JournalLayout.NAME + '=' + escape(diagram.name()) + '\n'
            + JournalLayout.ROLL_CYCLE + '=' + JournalRetention.nameOf(ctx.rollCycle) + '\n'
            + (ctx.retention.keepsAll() ? "" : JournalLayout.RETAIN + '=' + ctx.retention + '\n');
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
