package io.tickwire.transport.ingest;

import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SamplePublisher;
import io.tickwire.engine.observe.SeriesRegistry;
import io.tickwire.engine.observe.SourceStats;
import io.tickwire.sbe.IngestRejection;

import java.util.Arrays;

/**
 * One request's samples on their way into an observed run, taken whole or not at all:
 * <pre>
 *   decode ─► add(input, source, ts, value) per sample: staged in the SamplePublisher, counted per source
 *          └► refuse(source, reason): a series the run will not take (series limit, unknown source): counted, dropped
 *   admit  ─► each source's token bucket gives its samples, or the request is refused (429) and gives them back
 *   publish ─► the staged samples into the run's metrics ring (false: full, call again later)
 *   commit ─► counted accepted, per source
 * </pre>
 * <b>Confined to one thread</b> (the connection's event loop); reused request after request, allocation-free once
 * its arrays have grown to the sources seen.
 */
public final class IngestBatch {
    private final Observation observation;
    private final SeriesRegistry registry;
    private final SamplePublisher publisher;
    private int[] perSource = new int[16];
    private int[] touched = new int[16];
    private int touchedCount;
    private int samples;
    private int refused;
    private SourceStats limitedBy;
    private long retryAfterNs;

    public IngestBatch(final Observation observation) {
        this.observation = observation;
        this.registry = observation.registry();
        this.publisher = observation.newPublisher();
    }

    public Observation observation() {
        return observation;
    }

    public SeriesRegistry registry() {
        return registry;
    }

    /** The run's clock, epoch ns: the stamp of samples sent without one. */
    public long nowNs() {
        return observation.clock().nanoTime();
    }

    /** Stage one sample of input {@code input}, of source number {@code source}. */
    public void add(final int input, final int source, final long timestampNs, final double value) {
        publisher.add(input, timestampNs, value);
        count(source);
        samples++;
    }

    /**
     * A sample the run refuses ({@link SeriesRegistry#SERIES_LIMIT} or {@link SeriesRegistry#UNKNOWN_SOURCE}), of
     * source number {@code source} (-1: not a source of the run).
     */
    public void refuse(final int code, final int source) {
        final IngestRejection reason = code == SeriesRegistry.UNKNOWN_SOURCE ? IngestRejection.UNKNOWN_SOURCE
            : IngestRejection.SERIES_LIMIT;
        (source >= 0 ? registry.source(source) : registry.unattributed()).rejected(reason, 1);
        refused++;
    }

    /** The number of source {@code name} if the run has it (or takes it), else -1. */
    public int sourceIndex(final String name) {
        final SourceStats s = name == null ? null : registry.source(name);
        return s == null ? -1 : s.index();
    }

    public int samples() {
        return samples;
    }

    /** Samples dropped for their series (counted already). */
    public int refused() {
        return refused;
    }

    /**
     * Take each source's samples from its token bucket, all or none.
     *
     * @return true if admitted; false if a source is over its rate ({@link #limitedBy}, {@link #retryAfterNs}):
     *         then nothing was taken and the samples are counted RATE_LIMITED (OVERSIZED if more than a burst).
     */
    public boolean admit(final long monotonicNs) {
        for (int i = 0; i < touchedCount; i++) {
            final SourceStats s = registry.source(touched[i]);
            final long wait = s.tryAcquire(perSource[touched[i]], monotonicNs);
            if (wait != 0) {
                for (int j = 0; j < i; j++) {
                    registry.source(touched[j]).release(perSource[touched[j]]);
                }
                limitedBy = s;
                retryAfterNs = wait;
                // More than the burst at once can never pass: the request is too large, not too early.
                final IngestRejection reason = wait == SourceStats.NEVER ? IngestRejection.OVERSIZED
                    : IngestRejection.RATE_LIMITED;
                for (int j = 0; j < touchedCount; j++) {
                    registry.source(touched[j]).rejected(reason, perSource[touched[j]]);
                }
                return false;
            }
        }
        return true;
    }

    /** The source whose bucket refused the batch in the last {@link #admit}. */
    public SourceStats limitedBy() {
        return limitedBy;
    }

    /** How long until it could take the batch; {@link SourceStats#NEVER} if more than its burst. */
    public long retryAfterNs() {
        return retryAfterNs;
    }

    /** Samples of source {@code source} in the batch. */
    public int samplesOf(final SourceStats source) {
        return source.index() < perSource.length ? perSource[source.index()] : 0;
    }

    /** Publish what is staged; false if the ring is full (call again later). */
    public boolean publish() {
        return publisher.publish();
    }

    /** Count the batch accepted, per source, and make ready for the next request. */
    public void commit() {
        for (int i = 0; i < touchedCount; i++) {
            registry.source(touched[i]).accepted(perSource[touched[i]]);
        }
        reset();
    }

    /** Drop the batch (refused): nothing staged is published. */
    public void reset() {
        for (int i = 0; i < touchedCount; i++) {
            perSource[touched[i]] = 0;
        }
        touchedCount = 0;
        samples = 0;
        refused = 0;
        limitedBy = null;
        publisher.clear();
    }

    /** A malformed body: counted against {@code source} if known (null: unattributed), the batch dropped. */
    public void malformed(final String source) {
        final SourceStats stats = source == null ? null : registry.source(source);
        (stats != null ? stats : registry.unattributed()).rejected(IngestRejection.MALFORMED, 1);
        reset();
    }

    private void count(final int source) {
        if (source >= perSource.length) {
            perSource = Arrays.copyOf(perSource, Math.max(source + 1, perSource.length * 2));
        }
        if (perSource[source]++ == 0) {
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = source;
        }
    }
}
