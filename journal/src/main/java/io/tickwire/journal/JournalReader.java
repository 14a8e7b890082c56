package io.tickwire.journal;

import io.tickwire.codec.EventMessages;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * Reads a journal written by {@link JournalWriter}: its run properties and diagram, its catalog, and its ticks in
 * order from any tick ({@link #seek}).
 * <p>
 * One tailer over the queue, opened read-only: reading never changes the journal, and a journal still being written
 * (or whose writer died) reads up to its last complete excerpt; ticks appended after {@link #open} are delivered by
 * {@link #next} as they arrive, and {@link #lastTick()} / {@link #ended()} follow them. Until the end is journaled,
 * those two (and {@link #catalog()}, {@link #firstTick()}) look at the queue's tail on each call, which costs Chronicle
 * a tailer of its own: poll them now and then, not per tick. Once the end is in, the journal is final and they cost
 * nothing.
 * <p>
 * Every excerpt's SBE header is checked for the schema id; messages of older (and newer) schema versions are decoded
 * with the header's block length and version. Templates the reader does not know are skipped, and so are an observed
 * run's {@code CatalogUpdate}s: {@link #catalog()} names every row so far and {@link #series()} describes them; a
 * tick's events (journaled after it) are skipped by {@link #next}, delivered by {@link #nextRecord} and
 * {@link #forEachEvent}. An excerpt that is not a message of ours — another schema, shorter than its header says,
 * garbage a dying writer or a full disk left — ends the journal there: the reader delivers every tick before it, says
 * so once (a warning, and {@link #damage()}), and takes the journal as ended without a {@code SimulationEnd} (its
 * reason: none, read as FAILED).
 * <p>
 * <b>Not thread safe</b>: one reader per thread. {@link #next} allocates nothing.
 */
public final class JournalReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalReader.class);
    private static final long NONE = Long.MIN_VALUE;
    private static final int OTHER = 0;
    private static final int CATALOG = 1;
    private static final int TICK = 2;
    private static final int END = 3;
    private static final int EVENT = 4;
    private static final TickHandler IGNORED_TICK = (buffer, offset, length, tick) -> { };
    /** Not a message of ours: the journal ends before it. */
    private static final int DAMAGED = 5;

    private final Path directory;
    private final String diagramSource;
    private final long seed;
    private final long simulationId;
    private final long tickLengthNs;
    private final boolean observed;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final ExcerptTailer tailer;
    /** Retention may delete its old cycles: the table of cycles is checked against the directory. */
    private final boolean retained;
    private final String queueDir;
    private final String launchTicks;
    private final String launchSpeed;
    private int heldCycle = Integer.MIN_VALUE; // the cycle this reader is positioned in, for retention

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder summary = new TickSummaryDecoder();
    private final SimulationEndDecoder end = new SimulationEndDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private byte[] copy = new byte[0];
    private long recordValue; // of the last classify(): a tick's or an event's tick, or a SimulationEnd's lastSequence
    private String classifyProblem; // of the last classify() that found DAMAGED
    /** The first excerpt that is not a message of ours: the journal ends before it. NONE while none is known. */
    private long damagedIndex = NONE;
    private String damage;

    // Where next() reads from. Probes (seek, bounds) move the tailer; next() puts it back first.
    private boolean reposition;
    private long resumeIndex = NONE;   // read this excerpt next (set by seek)
    private long consumedIndex = NONE; // else read the one after this (the last excerpt next() went through)

    // What is known of the journal, refreshed when its last index moves.
    private long knownLastIndex = NONE;
    private byte[] catalog;
    private long firstTick = -1;
    private long lastTick = -1;
    private boolean ended;
    private EndReason endReason;

    // The cycles (files) holding ticks, ascending, with the first tick and the number of excerpts of each.
    private int[] tickCycles = new int[8];
    private long[] cycleFirstTicks = new long[8];
    private long[] cycleLengths = new long[8];
    private int tickCycleCount;
    private int closedThrough = Integer.MIN_VALUE; // cycles up to this one are final in the table

    private long probeIndex;
    private long probeTick;
    private int probes;
    private boolean closed;

    private JournalReader(final Path directory, final String diagramSource, final Properties run,
                          final SingleChronicleQueue queue) throws IOException {
        this.directory = directory;
        this.diagramSource = diagramSource;
        this.seed = longProperty(run, JournalLayout.SEED);
        this.simulationId = longProperty(run, JournalLayout.SIMULATION_ID);
        this.tickLengthNs = longProperty(run, JournalLayout.TICK_LENGTH_NS);
        this.observed = JournalLayout.OBSERVED.equals(run.getProperty(JournalLayout.KIND));
        this.queue = queue;
        this.rollCycle = queue.rollCycle();
        this.retained = run.getProperty(JournalLayout.RETAIN) != null;
        this.launchTicks = run.getProperty(JournalLayout.TICKS);
        this.launchSpeed = run.getProperty(JournalLayout.SPEED);
        this.queueDir = queue.file().getAbsolutePath();
        this.tailer = queue.createTailer();
    }

    /**
     * Open the journal in {@code dir}.
     *
     * @throws IOException if {@code dir} is not a journal, its run.properties is incomplete or of another schema, or
     *                     its files cannot be read.
     */
    public static JournalReader open(final Path dir) throws IOException {
        if (!JournalLayout.isJournal(dir)) {
            throw new IOException("not a journal: " + dir + " (a journal holds " + JournalLayout.RUN_FILE + " and "
                + JournalLayout.QUEUE_DIR + "/)");
        }
        final Properties run = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(JournalLayout.RUN_FILE), StandardCharsets.UTF_8)) {
            run.load(in);
        }
        final long schemaId = longProperty(run, JournalLayout.SCHEMA_ID);
        if (schemaId != Schema.ID) {
            throw new IOException("journal " + dir + " has schema id " + schemaId + ", expected " + Schema.ID);
        }
        final boolean observed = JournalLayout.OBSERVED.equals(run.getProperty(JournalLayout.KIND));
        final Path diagramFile = dir.resolve(observed ? JournalLayout.OBSERVE_FILE : JournalLayout.DIAGRAM_FILE);
        if (!Files.isRegularFile(diagramFile)) {
            throw new IOException("journal " + dir + " has no " + diagramFile.getFileName());
        }
        final String source = Files.readString(diagramFile, StandardCharsets.UTF_8);

        final String cycleName = run.getProperty(JournalLayout.ROLL_CYCLE);
        final RollCycle cycle;
        try {
            // Journals older than the rollCycle key are FAST_HOURLY (the queue's own metadata wins if it differs).
            cycle = cycleName == null ? JournalWriter.ROLL_CYCLE : JournalRetention.rollCycle(cycleName);
        } catch (final IllegalArgumentException ex) {
            throw new IOException("journal " + dir + ": " + ex.getMessage(), ex);
        }
        final SingleChronicleQueue queue;
        try {
            queue = SingleChronicleQueueBuilder.binary(dir.resolve(JournalLayout.QUEUE_DIR))
                .rollCycle(cycle)
                .readOnly(true)
                .build();
        } catch (final RuntimeException ex) {
            throw new IOException("journal " + dir + ": cannot open its queue: " + ex.getMessage(), ex);
        }
        try {
            return new JournalReader(dir, source, run, queue);
        } catch (final IOException | RuntimeException ex) {
            queue.close();
            throw ex;
        }
    }

    /** The diagram the run was made from, verbatim; an observed run's configuration ({@link #observed()}). */
    public String diagramSource() {
        return diagramSource;
    }

    /** Whether the journal is of an observed run (real sources, not a diagram): it cannot be re-simulated. */
    public boolean observed() {
        return observed;
    }

    /**
     * An observed run's rows described: one {@code CatalogUpdate} of every row as of the last update journaled
     * ({@code series.sbe}); null for a simulation or an observed run with no row yet. Read on each call.
     */
    public byte[] series() {
        final Path file = directory.resolve(JournalLayout.SERIES_FILE);
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (final IOException ex) {
            throw new java.io.UncheckedIOException("journal " + directory + ": cannot read its series", ex);
        }
    }

    public long seed() {
        return seed;
    }

    public long simulationId() {
        return simulationId;
    }

    public long tickLengthNs() {
        return tickLengthNs;
    }

    /** The run's tick budget as launched (-1: until stopped), from run.properties; null if not kept (older). */
    public Long launchTicks() {
        return launchTicks == null ? null : Long.valueOf(launchTicks.trim());
    }

    /** The run's speed as launched ({@code 1}, {@code 10.0}, {@code max}); null if not kept (older). */
    public String launchSpeed() {
        return launchSpeed == null ? null : launchSpeed.trim();
    }

    /** The {@code Catalog} message, header included (a copy); null if the writer died before the run started. */
    public byte[] catalog() {
        refresh();
        return catalog == null ? null : catalog.clone();
    }

    /** The first tick in the journal, or -1 if it has none; moves forward as retention deletes old cycles. */
    public long firstTick() {
        refresh();
        dropDeletedCycles();
        return firstTick;
    }

    /** The last tick in the journal so far, or -1 if it has none. */
    public long lastTick() {
        refresh();
        return lastTick;
    }

    /**
     * Why the journal ends early: the first excerpt that is not a message of ours, and what it is; null while every
     * excerpt read so far is sound.
     */
    public String damage() {
        return damage;
    }

    /**
     * True if the run's end was journaled ({@code SimulationEnd}), or the journal ends at an excerpt that is not ours
     * ({@link #damage()}): no tick follows {@link #lastTick()}.
     */
    public boolean ended() {
        refresh();
        return ended;
    }

    /** How the run ended, as journaled in its {@code SimulationEnd}; null until {@link #ended()}. */
    public EndReason endReason() {
        refresh();
        return ended ? endReason : null;
    }

    /**
     * Position the reader so that the next {@link #next} delivers {@code tick}: a binary search over the table of
     * cycles (in memory), then over the indexes of the tick's cycle; O(log n) excerpts read, no scan.
     *
     * @return false if the journal does not hold {@code tick}; the position is then unchanged.
     */
    public boolean seek(final long tick) {
        if (firstTick < 0 || tick > lastTick) {
            refresh(); // only then: Chronicle's lastIndex() costs a tailer of its own
        }
        dropDeletedCycles();
        if (firstTick < 0 || tick < firstTick || tick > lastTick) {
            return false;
        }
        final int k = cycleOf(tick);
        if (k < 0) {
            return false;
        }
        // Hold the cycle before probing its indexes, so that retention cannot delete it under the probes.
        final int previouslyHeld = heldCycle;
        hold(tickCycles[k]);
        probes = 0;
        final long index = indexOf(tick, k);
        if (index == NONE) {
            hold(previouslyHeld);
            return false;
        }
        resumeIndex = index;
        consumedIndex = NONE;
        reposition = true;
        hold(rollCycle.toCycle(index));
        return true;
    }

    /**
     * Deliver the next tick (skipping the catalog, the end and unknown templates) to {@code handler}.
     * The buffer is the journal's mapped memory, read-only and valid only during the call.
     *
     * @return false at the end of the journal (so far): call again later to follow a journal being written.
     */
    public boolean next(final TickHandler handler) {
        return read(handler, null);
    }

    /**
     * Deliver the next tick or event (skipping the catalog, the end and unknown templates) to {@code handler}: a
     * tick's events follow it, so a reader positioned at tick {@code T} ({@link #seek}) reads tick {@code T}, its
     * events, tick {@code T + 1}, ... The buffer is the journal's mapped memory, valid only during the call.
     *
     * @return false at the end of the journal (so far).
     */
    public boolean nextRecord(final RecordHandler handler) {
        return read(handler, handler);
    }

    /** Hand every event from here to the end of the journal (so far) to {@code handler}; ticks are passed over. */
    public void forEachEvent(final EventHandler handler) {
        while (read(IGNORED_TICK, handler)) {
            // one record at a time
        }
    }

    /** The next tick, or event when {@code events} is not null: one record; false at the end. */
    private boolean read(final TickHandler ticks, final EventHandler events) {
        if (reposition) {
            reposition();
        }
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return false;
                }
                final long index = dc.index();
                final int length = wrap(dc);
                final int kind = classify(length, index);
                if (kind == DAMAGED || (damagedIndex != NONE && index >= damagedIndex)) {
                    damaged(index, classifyProblem);
                    dc.rollbackOnClose(); // stay before it: every later next() ends here too
                    return false;
                }
                resumeIndex = NONE;
                consumedIndex = index;
                if (retained) {
                    hold(rollCycle.toCycle(index)); // an int compare, but when it moves to the next cycle
                }
                if (kind == TICK) {
                    ticks.onTick(view, 0, length, recordValue);
                    return true;
                }
                if (kind == EVENT && events != null) {
                    events.onEvent(view, 0, length, recordValue, header.templateId());
                    return true;
                }
                // the catalog, the end, a template this reader does not know (or an event, for ticks only)
            }
        }
    }

    /** Close the tailer and the queue; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            hold(Integer.MIN_VALUE);
            tailer.close();
            queue.close();
        }
    }

    /** The journal directory this reader reads. */
    public Path directory() {
        return directory;
    }

    /** Probes made by the last {@link #seek} that reached the search (for tests: proof that it does not scan). */
    int lastSeekProbes() {
        return probes;
    }

    /** Receives one tick: a complete {@code TickSummary} message, header included. */
    @FunctionalInterface
    public interface TickHandler {
        void onTick(DirectBuffer buffer, int offset, int length, long tick);
    }

    /** Receives one event: a complete SBE message of the event family ({@link EventMessages}), header included. */
    @FunctionalInterface
    public interface EventHandler {
        /** An event of tick {@code tick}, after that tick. */
        void onEvent(DirectBuffer buffer, int offset, int length, long tick, int templateId);
    }

    /** Receives ticks and events ({@link #nextRecord}). */
    public interface RecordHandler extends TickHandler, EventHandler {
    }

    /**
     * The index of {@code target}'s record in the cycle {@code k} of the table. Ticks ascend with the index, so this
     * is a lower-bound binary search over the cycle's indexes, which are consecutive; a probe reads the first tick
     * record at or after its index, stepping over a catalog or an end record.
     */
    private long indexOf(final long target, final int k) {
        long lo = rollCycle.toIndex(tickCycles[k], 0);
        long hi = lo + cycleLengths[k] - 1;
        long found = NONE;
        long foundTick = NONE;
        while (lo <= hi) {
            final long mid = lo + ((hi - lo) >>> 1);
            if (!probe(mid, hi)) {
                hi = mid - 1; // no tick record in [mid, hi]
            } else if (probeTick >= target) {
                found = probeIndex;
                foundTick = probeTick;
                hi = mid - 1; // none between mid and probeIndex: the answer is there or before mid
            } else {
                lo = probeIndex + 1;
            }
        }
        return foundTick == target ? found : NONE;
    }

    /** Read the first tick record at index &gt;= {@code from}; false if there is none up to {@code limit}. */
    private boolean probe(final long from, final long limit) {
        reposition = true;
        probes++;
        if (!tailer.moveToIndex(from)) {
            return false;
        }
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return false;
                }
                final long index = dc.index();
                if (index > limit || (damagedIndex != NONE && index >= damagedIndex)) {
                    return false;
                }
                final int kind = classify(wrap(dc), index);
                if (kind == DAMAGED) {
                    damaged(index, classifyProblem);
                    return false;
                }
                if (kind == TICK) {
                    probeIndex = index;
                    probeTick = recordValue;
                    return true;
                }
            }
        }
    }

    /** Bring what is known of the journal up to date, if it has grown (an ended journal is final). */
    private void refresh() {
        if (ended) {
            return;
        }
        final long last = queue.lastIndex();
        if (last >= 0 && last != knownLastIndex) {
            reposition = true;
            if (catalog == null) {
                readCatalog();
            }
            refreshCycles(last);
            firstTick = tickCycleCount > 0 ? cycleFirstTicks[0] : -1;
            if (damagedIndex == NONE && !readLast(last)) {
                return; // being written as we look, or an unknown template: look again next time
            }
        }
        if (damagedIndex != NONE) {
            endAtDamage();
        }
    }

    /**
     * What the last excerpt says: the last tick, or the end; false if it could not be read (yet). The last record, or
     * the last tick before the events that follow it (a tick's events come after it).
     */
    private boolean readLast(final long last) {
        long index = last;
        final long cycleStart = tickCycleCount > 0 ? rollCycle.toIndex(tickCycles[tickCycleCount - 1], 0) : index;
        while (true) {
            if (!tailer.moveToIndex(index)) {
                return false; // being written as we look; try again next time
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return false;
                }
                switch (classify(wrap(dc), dc.index())) {
                    case TICK -> lastTick = recordValue;
                    case END -> {
                        ended = true;
                        lastTick = recordValue;
                        endReason = end.reason();
                    }
                    case CATALOG -> lastTick = -1;
                    case DAMAGED -> damaged(dc.index(), classifyProblem);
                    default -> {
                        if (index > cycleStart && rollCycle.toSequenceNumber(index) > 0) {
                            index--;
                            continue;
                        }
                        if (tickCycleCount == 0 || index == cycleStart) {
                            return false; // nothing before it yet: keep what is known, look again next time
                        }
                        // The events opened a new cycle: the last tick is at the end of the last cycle holding one.
                        index = cycleStart + cycleLengths[tickCycleCount - 1] - 1;
                        continue;
                    }
                }
            }
            break;
        }
        knownLastIndex = last;
        return true;
    }

    /**
     * The journal ends before {@link #damagedIndex}: its last tick is the last one before it, looked for backwards
     * excerpt by excerpt (a damaged tail is short), cycle by cycle; nothing follows it.
     */
    private void endAtDamage() {
        ended = true;
        endReason = null;
        lastTick = -1;
        final int damagedCycle = rollCycle.toCycle(damagedIndex);
        long from = rollCycle.toSequenceNumber(damagedIndex) - 1;
        final long[] cycles = queue.listCyclesBetween(queue.firstCycle(), damagedCycle).stream()
            .mapToLong(Long::longValue).toArray();
        for (int k = cycles.length - 1; k >= 0 && lastTick < 0; k--) {
            final int cycle = (int)cycles[k];
            if (cycle != damagedCycle) {
                from = tailer.excerptsInCycle(cycle) - 1;
            }
            for (long seq = from; seq >= 0; seq--) {
                if (!tailer.moveToIndex(rollCycle.toIndex(cycle, seq))) {
                    continue;
                }
                try (DocumentContext dc = tailer.readingDocument()) {
                    final int kind = dc.isPresent() ? classify(wrap(dc), dc.index()) : OTHER;
                    if (kind == TICK || kind == END) {
                        lastTick = recordValue;
                        endReason = kind == END ? end.reason() : null; // the run's end, journaled before the damage
                        break;
                    }
                }
            }
        }
        reposition = true;
    }

    /** Note the first excerpt that is not ours, once, and say so: the journal ends before it. */
    private void damaged(final long index, final String what) {
        if (damagedIndex != NONE && index >= damagedIndex) {
            return;
        }
        damagedIndex = index;
        damage = "journal " + directory + ": excerpt " + Long.toHexString(index) + ' ' + what
            + ": read as the end of the journal";
        LOG.warn("{}", damage);
    }

    private void readCatalog() {
        final Path merged = directory.resolve(JournalLayout.CATALOG_FILE);
        if (observed && Files.isRegularFile(directory.resolve(JournalLayout.SERIES_FILE))
            && Files.isRegularFile(merged)) {
            // An observed run's catalog grows: catalog.sbe names every row so far, the first excerpt only the first.
            try {
                catalog = Files.readAllBytes(merged);
                return;
            } catch (final IOException ex) {
                throw new java.io.UncheckedIOException("journal " + directory + ": cannot read its catalog", ex);
            }
        }
        tailer.toStart();
        try (DocumentContext dc = tailer.readingDocument()) {
            if (dc.isPresent()) {
                final int length = wrap(dc);
                if (classify(length, dc.index()) == CATALOG) {
                    final byte[] bytes = new byte[length];
                    view.getBytes(0, bytes);
                    catalog = bytes;
                    return;
                }
            }
        }
        final Path kept = directory.resolve(JournalLayout.CATALOG_FILE);
        if (Files.isRegularFile(kept)) {
            // Retention deleted the first cycle, and its catalog excerpt with it; the writer kept a copy.
            try {
                catalog = Files.readAllBytes(kept);
            } catch (final IOException ex) {
                throw new java.io.UncheckedIOException("journal " + directory + ": cannot read its catalog", ex);
            }
        }
    }

    /** Tell retention which cycle this reader is positioned in (a journal with retention only). */
    private void hold(final int cycle) {
        if (!retained || cycle == heldCycle) {
            return;
        }
        // The new cycle first, then the old: there is no moment at which neither is held.
        if (cycle != Integer.MIN_VALUE) {
            JournalRetention.hold(queueDir, cycle);
        }
        if (heldCycle != Integer.MIN_VALUE) {
            JournalRetention.release(queueDir, heldCycle);
        }
        heldCycle = cycle;
    }

    /**
     * Forget the cycles retention has deleted since they were tabled (a journal with retention only: it costs a
     * listing of the queue's directory); the first tick moves forward.
     */
    private void dropDeletedCycles() {
        if (!retained || tickCycleCount == 0) {
            return;
        }
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        int gone = 0;
        while (gone < tickCycleCount && tickCycles[gone] < first) {
            gone++;
        }
        if (gone == 0) {
            return;
        }
        System.arraycopy(tickCycles, gone, tickCycles, 0, tickCycleCount - gone);
        System.arraycopy(cycleFirstTicks, gone, cycleFirstTicks, 0, tickCycleCount - gone);
        System.arraycopy(cycleLengths, gone, cycleLengths, 0, tickCycleCount - gone);
        tickCycleCount -= gone;
        firstTick = tickCycleCount > 0 ? cycleFirstTicks[0] : -1;
    }

    /**
     * Add the cycles that appeared since the last refresh to the table of cycles holding ticks, and re-examine the
     * open (last) cycle. A cycle before the last is closed (its writer rolled on), so its entry is final.
     * Hours with no cycle file are never visited: a move into one costs Chronicle a scan and an error log.
     */
    private void refreshCycles(final long lastIndex) {
        final int lastCycle = rollCycle.toCycle(lastIndex);
        if (tickCycleCount > 0 && tickCycles[tickCycleCount - 1] > closedThrough) {
            tickCycleCount--; // the open cycle's entry, to be redone
        }
        final int from = closedThrough == Integer.MIN_VALUE ? queue.firstCycle() : closedThrough + 1;
        for (final long c : queue.listCyclesBetween(from, lastCycle)) {
            final int cycle = (int)c;
            final long length = cycle == lastCycle ?
                rollCycle.toSequenceNumber(lastIndex) + 1 : tailer.excerptsInCycle(cycle);
            final long first = length > 0 ? firstTickIn(cycle, length) : NONE;
            if (first != NONE) {
                if (tickCycleCount == tickCycles.length) {
                    tickCycles = Arrays.copyOf(tickCycles, 2 * tickCycleCount);
                    cycleFirstTicks = Arrays.copyOf(cycleFirstTicks, 2 * tickCycleCount);
                    cycleLengths = Arrays.copyOf(cycleLengths, 2 * tickCycleCount);
                }
                tickCycles[tickCycleCount] = cycle;
                cycleFirstTicks[tickCycleCount] = first;
                cycleLengths[tickCycleCount] = length;
                tickCycleCount++;
            }
            if (cycle < lastCycle) {
                closedThrough = cycle;
            }
        }
    }

    /** The first tick recorded in {@code cycle}, or NONE (a cycle of only the catalog or the end). */
    private long firstTickIn(final int cycle, final long length) {
        final long start = rollCycle.toIndex(cycle, 0);
        return probe(start, start + length - 1) ? probeTick : NONE;
    }

    /** The entry of the last cycle whose first tick is at or before {@code tick}, or -1: a search of the table. */
    private int cycleOf(final long tick) {
        int lo = 0;
        int hi = tickCycleCount - 1;
        int found = -1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            if (cycleFirstTicks[mid] <= tick) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private void reposition() {
        reposition = false;
        if (resumeIndex != NONE) {
            if (!tailer.moveToIndex(resumeIndex)) {
                throw new IllegalStateException("journal " + directory + ": excerpt " + resumeIndex + " vanished");
            }
        } else if (consumedIndex != NONE) {
            if (!tailer.moveToIndex(consumedIndex)) {
                throw new IllegalStateException("journal " + directory + ": excerpt " + consumedIndex + " vanished");
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    throw new IllegalStateException("journal " + directory + ": excerpt " + consumedIndex
                        + " vanished");
                }
            }
        } else {
            tailer.toStart();
        }
    }

    /** Point {@link #view} at the excerpt's bytes; returns their length. */
    private int wrap(final DocumentContext dc) {
        final Bytes<?> bytes = dc.wire().bytes();
        final long position = bytes.readPosition();
        final int length = (int)bytes.readRemaining();
        if (bytes.isDirectMemory()) {
            // Zero copy: Chronicle keeps a document within one mapping (its size limit is the mappings' overlap).
            view.wrap(bytes.addressForRead(position, length), length);
        } else {
            if (copy.length < length) {
                copy = new byte[Math.max(length, 2 * copy.length)];
            }
            bytes.read(copy, 0, length);
            view.wrap(copy, 0, length);
        }
        return length;
    }

    /** Tell the excerpt in {@link #view} apart by its SBE header; sets {@link #recordValue} for a tick or an end. */
    private int classify(final int length, final long index) {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            classifyProblem = "is " + length + " bytes, shorter than an SBE header";
            return DAMAGED;
        }
        header.wrap(view, 0);
        if (header.schemaId() != Schema.ID) {
            classifyProblem = "has schema id " + header.schemaId() + ", expected " + Schema.ID;
            return DAMAGED;
        }
        final int blockLength = header.blockLength();
        final int version = header.version();
        if (MessageHeaderDecoder.ENCODED_LENGTH + blockLength > length) {
            classifyProblem = "has a block of " + blockLength + " bytes in " + length;
            return DAMAGED;
        }
        switch (header.templateId()) {
            case TickSummaryDecoder.TEMPLATE_ID -> {
                recordValue = summary.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version).tick();
                return TICK;
            }
            case SimulationEndDecoder.TEMPLATE_ID -> {
                recordValue = end.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version)
                    .lastSequence();
                return END;
            }
            case CatalogDecoder.TEMPLATE_ID -> {
                return CATALOG;
            }
            default -> {
                if (EventMessages.isEvent(header.templateId())) {
                    recordValue = EventMessages.tick(view, 0);
                    return EVENT;
                }
                return OTHER;
            }
        }
    }

    private static long longProperty(final Properties run, final String key) throws IOException {
        final String value = run.getProperty(key);
        if (value == null) {
            throw new IOException(JournalLayout.RUN_FILE + " has no " + key);
        }
        try {
            return Long.parseLong(value.trim());
        } catch (final NumberFormatException ex) {
            throw new IOException(JournalLayout.RUN_FILE + ": " + key + " is not a number: " + value, ex);
        }
    }
}
