package io.tickwire.journal;

import io.tickwire.engine.TickListener;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proves a journal by comparison with a re-simulation of its diagram and seed (and its live edits, at their ticks):
 * a {@link TickListener} on the re-simulation that, for each tick and each event it is given, reads the journal's
 * next record and compares the two: ticks with a {@link TickDiff}, events byte for byte (they carry no wall clock).
 * One record of each is in hand at a time, so memory does not grow with the run.
 * <pre>
 *  Simulation (journal's diagram, seed, id) ──tick T──► JournalVerifier ──next()──► JournalReader (tick T)
 *                                                       └─ TickDiff: equal, or the first differing field
 * </pre>
 * The first differing tick is kept ({@link #difference()}) and {@code onDifference} is called once, so that the
 * caller can stop the simulation: nothing after it matters. The catalogs are compared too
 * ({@link #catalogDifference()}), without stopping. Simulated ticks before the journal's first tick are skipped.
 * <p>
 * Threading: the listener methods run on the simulation's output thread, as the {@link TickListener} contract says;
 * the journal reader is opened there and closed by {@link #onEnd} (a Chronicle tailer belongs to one thread; the
 * engine calls {@code onEnd} once nothing else runs on the listener, even after a failure). The results may be read
 * from any thread, and are final once the simulation is closed.
 */
public final class JournalVerifier implements TickListener {
    private final Path directory;
    private final Runnable onDifference;
    private final AtomicLong ticksCompared = new AtomicLong();
    private final AtomicLong eventsCompared = new AtomicLong();
    private final JournalReader.RecordHandler compare = new JournalReader.RecordHandler() {
        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            compare(buffer, offset, length, tick);
        }

        @Override
        public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick,
                            final int templateId) {
            compareEvent(buffer, offset, length, tick);
        }
    };
    private CatalogInfo names;
    private boolean simulatedIsEvent;

    private JournalReader reader;
    private TickDiff diff;
    private long firstTick;
    private long lastTick;
    private boolean stopped;
    private DirectBuffer simulated;
    private int simulatedOffset;
    private int simulatedLength;
    private long simulatedTick;
    private volatile String difference;
    private volatile String catalogDifference;
    private volatile Throwable failure;
    private volatile boolean ended;

    /**
     * @param journal      the journal to prove.
     * @param onDifference called once, on the simulation's output thread, at the first differing tick or a failure
     *                     to read the journal.
     */
    public JournalVerifier(final Path journal, final Runnable onDifference) {
        this.directory = journal;
        this.onDifference = onDifference;
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        try {
            reader = JournalReader.open(directory);
            final byte[] journalCatalog = reader.catalog();
            if (journalCatalog == null) {
                throw new IOException("journal " + directory + " has no catalog: its run never started");
            }
            firstTick = reader.firstTick();
            lastTick = reader.lastTick();
            names = CatalogInfo.decode(journalCatalog);
            diff = new TickDiff(names);
            final byte[] simulatedCatalog = new byte[length];
            buffer.getBytes(offset, simulatedCatalog);
            final String field = TickDiff.compareCatalogs(journalCatalog, simulatedCatalog);
            if (field != null) {
                // Kept, but the ticks are still compared: which tick and field differ is what tells the story.
                catalogDifference = "differs at catalog: " + field;
            }
        } catch (final IOException | RuntimeException ex) {
            stop(null, ex);
        }
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                       final boolean endOfBatch) {
        if (stopped || tick < firstTick) {
            return;
        }
        compareNext(buffer, offset, length, tick, false);
    }

    /** An event of the re-simulation: the journal's next record must be the same event. */
    @Override
    public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        if (stopped || tick < firstTick) {
            return;
        }
        compareNext(buffer, offset, length, tick, true);
    }

    private void compareNext(final DirectBuffer buffer, final int offset, final int length, final long tick,
                             final boolean event) {
        simulated = buffer;
        simulatedOffset = offset;
        simulatedLength = length;
        simulatedTick = tick;
        simulatedIsEvent = event;
        try {
            if (!reader.nextRecord(compare)) {
                if (event && tick == lastTick && !reader.ended()) {
                    return; // its writer died after the last tick, before all its events: a crash loses no more
                }
                stop("differs at tick " + tick + ": the journal ends " + (event ? "before the event " + text(buffer,
                    offset) : "at tick " + lastTick), null);
            }
        } catch (final RuntimeException ex) {
            stop(null, ex);
        } finally {
            simulated = null;
        }
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        if (reader != null) {
            try {
                // An event the journal has after the last tick compared, that the re-simulation did not make.
                if (!stopped && ticksCompared.get() > 0) {
                    reader.nextRecord(new JournalReader.RecordHandler() {
                        @Override
                        public void onTick(final DirectBuffer b, final int o, final int l, final long t) {
                        }

                        @Override
                        public void onEvent(final DirectBuffer b, final int o, final int l, final long t,
                                            final int templateId) {
                            if (t <= lastTick) {
                                difference = "differs at tick " + t + ": the journal has the event " + text(b, o)
                                    + ", the re-simulation not";
                            }
                        }
                    });
                }
            } catch (final RuntimeException ex) {
                failure = ex;
            }
            reader.close();
        }
        ended = true;
    }

    /** Ticks found identical so far. */
    public long ticksCompared() {
        return ticksCompared.get();
    }

    /** The first difference, {@code differs at tick T: <field> journal=<a> simulated=<b>}; null if none (yet). */
    public String difference() {
        return difference;
    }

    /**
     * How the catalogs differ ({@code differs at catalog: <field> journal=<a> simulated=<b>}), wall-clock start and
     * workers aside; null if they agree. A journal whose catalog disagrees with its own run.properties shows here.
     */
    public String catalogDifference() {
        return catalogDifference;
    }

    /** What went wrong reading the journal, if anything did (then nothing was proven). */
    public Throwable failure() {
        return failure;
    }

    /** True once the simulation's end reached this listener (and the reader is closed). */
    public boolean ended() {
        return ended;
    }

    private void compare(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        if (simulatedIsEvent) {
            stop("differs at tick " + simulatedTick + ": the journal has tick " + tick + " where the re-simulation "
                + "has the event " + text(simulated, simulatedOffset), null);
            return;
        }
        final String field = tick != simulatedTick ?
            "tick journal=" + tick + " simulated=" + simulatedTick :
            diff.compareTicks(buffer, offset, length, simulated, simulatedOffset, simulatedLength);
        if (field != null) {
            stop("differs at tick " + simulatedTick + ": " + field, null);
        } else {
            ticksCompared.lazySet(ticksCompared.get() + 1);
        }
    }

    private void compareEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        if (!simulatedIsEvent) {
            stop("differs at tick " + simulatedTick + ": the journal has the event " + text(buffer, offset)
                + " (of tick " + tick + ") where the re-simulation has tick " + simulatedTick, null);
            return;
        }
        boolean same = length == simulatedLength;
        for (int i = 0; same && i < length; i++) {
            same = buffer.getByte(offset + i) == simulated.getByte(simulatedOffset + i);
        }
        if (!same) {
            stop("differs at tick " + simulatedTick + ": event journal=" + text(buffer, offset) + " simulated="
                + text(simulated, simulatedOffset), null);
        } else {
            eventsCompared.lazySet(eventsCompared.get() + 1);
        }
    }

    /** Events found identical so far. */
    public long eventsCompared() {
        return eventsCompared.get();
    }

    private String text(final DirectBuffer buffer, final int offset) {
        final JournalEvent e = JournalEvent.decode(buffer, offset, names);
        return e == null ? "(template " + io.tickwire.codec.EventMessages.templateId(buffer, offset) + ")"
            : "[" + e.type() + "] " + e.text();
    }

    private void stop(final String difference, final Throwable failure) {
        stopped = true;
        this.failure = failure;
        this.difference = difference;
        onDifference.run();
    }
}
