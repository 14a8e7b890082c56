package io.tickwire.journal.format;

import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import org.agrona.DirectBuffer;

/**
 * Rolls a journal's ticks up into fixed windows of simulated time, per service, in one pass and in memory that does
 * not grow with the number of ticks: one {@link TickFold}, handed to a {@link WindowHandler} as each window closes,
 * then reset (not reallocated). Feed it ticks in order ({@link #onTick}, a {@link JournalReader.TickHandler});
 * {@link #finish} closes the last window.
 * <p>
 * Windows are {@code windowNs} long, a whole number of ticks, and aligned on the first tick fed: window k covers
 * ticks {@code [first + k·n, first + (k+1)·n)} where {@code n = windowNs / tickLengthNs}. The last window of a range
 * that is not a whole number of windows holds fewer than n ticks: it is partial, and its {@link TickFold#endNs()} is
 * the end of its last tick (not {@code start + windowNs}), so that every rate and time average over it is over the
 * time it covers. Each figure is combined as {@link TickFold} says (as {@link RunReport} does over a whole run).
 * End-to-end figures per entry point are not rolled up here (see {@link RunReport} for a whole window).
 * <p>
 * <b>Not thread safe.</b> Steady state allocates nothing; the histograms grow (once) to the largest latency seen.
 */
public final class WindowRollup implements JournalReader.TickHandler, AutoCloseable {
    private final long windowNs;
    private final long ticksPerWindow;
    private final WindowHandler handler;
    private final TickFold window;
    private long windowFirstTick = Long.MIN_VALUE;
    private long windows;

    /**
     * @param catalog      the journal's catalog: names, and the services there are.
     * @param tickLengthNs the journal's tick length.
     * @param windowNs     the window length: a positive multiple of {@code tickLengthNs}.
     * @param include      services to roll up, by id (true to include); null for all.
     * @param handler      receives each closed window.
     * @throws IllegalArgumentException if {@code windowNs} is not a positive multiple of the tick.
     */
    public WindowRollup(final CatalogInfo catalog, final long tickLengthNs, final long windowNs,
                        final boolean[] include, final WindowHandler handler) {
        if (tickLengthNs <= 0 || windowNs <= 0 || windowNs % tickLengthNs != 0) {
            throw new IllegalArgumentException("a window must be a positive multiple of the tick (" + tickLengthNs
                + " ns), got " + windowNs + " ns");
        }
        this.windowNs = windowNs;
        this.ticksPerWindow = windowNs / tickLengthNs;
        this.handler = handler;
        this.window = new TickFold(catalog, include, false);
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        if (windowFirstTick == Long.MIN_VALUE) {
            windowFirstTick = tick;
        } else if (tick >= windowFirstTick + ticksPerWindow) {
            emit();
            // Consecutive ticks move one window on; a hole (never written by the engine) skips to the tick's window.
            windowFirstTick += (tick - windowFirstTick) / ticksPerWindow * ticksPerWindow;
        }
        window.add(buffer, offset, tick);
    }

    /** Close the last window, if it holds any tick (partial if it holds fewer than a window's). */
    public void finish() {
        if (window.ticks() > 0) {
            emit();
        }
    }

    /** Windows handed to the handler so far. */
    public long windows() {
        return windows;
    }

    /** Ticks in a whole window. */
    public long ticksPerWindow() {
        return ticksPerWindow;
    }

    public long windowNs() {
        return windowNs;
    }

    @Override
    public void close() {
        window.close();
    }

    private void emit() {
        windows++;
        handler.onWindow(window, window.ticks() < ticksPerWindow);
        window.reset();
    }

    /** Receives each closed window; the fold is reset and reused after the call returns. */
    @FunctionalInterface
    public interface WindowHandler {
        /**
         * @param window  the window's figures: its span ({@link TickFold#firstTick()} ... ) and its services, in
         *                service id order.
         * @param partial true if the window holds fewer ticks than a whole window: the range ended inside it.
         */
        void onWindow(TickFold window, boolean partial);
    }
}
