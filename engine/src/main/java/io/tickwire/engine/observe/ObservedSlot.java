package io.tickwire.engine.observe;

import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.ObservedSamplesEncoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Slot of an observed run's metrics ring: one SBE message, header included, encoded in place by its producer — an
 * {@code ObservedSamples} batch of up to {@link #SAMPLES} samples (from an ingest endpoint's {@link SamplePublisher})
 * or a {@code TickDue} (from the run's clock). Preallocated and reused.
 */
public final class ObservedSlot {
    /** Bytes of one sample in the batch: input (u32), timestampNs (i64), value (f64). */
    public static final int SAMPLE_BYTES = ObservedSamplesEncoder.SamplesEncoder.sbeBlockLength();
    /** Header, root block and group header before the samples. */
    public static final int BATCH_HEADER = MessageHeaderEncoder.ENCODED_LENGTH + ObservedSamplesEncoder.BLOCK_LENGTH
        + ObservedSamplesEncoder.SamplesEncoder.sbeHeaderSize();
    /** Samples per slot: a batch amortises the ring's per-slot cost (a claim, a publish, a wake-up). */
    public static final int SAMPLES = 100;
    public static final int CAPACITY = BATCH_HEADER + SAMPLES * SAMPLE_BYTES;

    public final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
    public int length;
}
