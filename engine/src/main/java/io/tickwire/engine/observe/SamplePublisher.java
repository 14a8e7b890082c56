package io.tickwire.engine.observe;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.sbe.GroupSizeEncodingEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.ObservedSamplesEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * An ingest endpoint's way into an observed run's metrics ring: samples are staged (a request's, or a batch's, all of
 * them, so that a request is taken whole or not at all), then published in slots of up to
 * {@link ObservedSlot#SAMPLES}, each an SBE {@code ObservedSamples} message.
 * <p>
 * {@link #publish} never waits: a full ring (the aggregator behind) answers false, with what was not published still
 * staged, and the caller tries again later (the event loop schedules it and stops reading that connection). Nothing
 * here allocates once the staging buffer has grown to the largest request.
 * <p>
 * <b>Confined to one thread</b> (an event loop, for one connection or request at a time); the ring is multi-producer.
 */
public final class SamplePublisher {
    private static final int MAX_SLOTS_PER_CLAIM = 16;

    private final RingBuffer<ObservedSlot> ring;
    private final ExpandableArrayBuffer staged = new ExpandableArrayBuffer(64 * ObservedSlot.SAMPLE_BYTES);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final GroupSizeEncodingEncoder group = new GroupSizeEncodingEncoder();
    private int count;
    private int published;

    public SamplePublisher(final RingBuffer<ObservedSlot> ring) {
        this.ring = ring;
    }

    /** Stage one sample of input {@code input} (a {@link SeriesRegistry} id). */
    public void add(final int input, final long timestampNs, final double value) {
        final int at = count * ObservedSlot.SAMPLE_BYTES;
        final ExpandableArrayBuffer b = staged;
        b.checkLimit(at + ObservedSlot.SAMPLE_BYTES);
        b.putInt(at, input, ByteOrder.LITTLE_ENDIAN);
        b.putLong(at + 4, timestampNs, ByteOrder.LITTLE_ENDIAN);
        b.putDouble(at + 12, value, ByteOrder.LITTLE_ENDIAN);
        count++;
    }

    /** Samples staged and not yet published. */
    public int pending() {
        return count - published;
    }

    /** Forget what is staged (a request refused after decoding). */
    public void clear() {
        count = 0;
        published = 0;
    }

    /**
     * Publish what is staged, slot by slot.
     *
     * @return true when everything is published (the stage is then empty); false if the ring filled first: call
     *         again later, the rest is still staged.
     */
    public boolean publish() {
        final RingBuffer<ObservedSlot> ring = this.ring;
        int claim = MAX_SLOTS_PER_CLAIM;
        while (published < count) {
            final int slots = Math.min(claim, (count - published + ObservedSlot.SAMPLES - 1) / ObservedSlot.SAMPLES);
            final long hi;
            try {
                hi = ring.tryNext(slots);
            } catch (final InsufficientCapacityException full) {
                if (slots > 1) {
                    claim = 1; // perhaps room for fewer: one at a time
                    continue;
                }
                return false;
            }
            final long lo = hi - slots + 1;
            for (long seq = lo; seq <= hi; seq++) {
                final int n = Math.min(ObservedSlot.SAMPLES, count - published);
                encode(ring.get(seq), published, n);
                published += n;
            }
            ring.publish(lo, hi);
        }
        count = 0;
        published = 0;
        return true;
    }

    private void encode(final ObservedSlot slot, final int from, final int n) {
        final MutableDirectBuffer out = slot.buffer;
        header.wrap(out, 0)
            .blockLength(ObservedSamplesEncoder.BLOCK_LENGTH)
            .templateId(ObservedSamplesEncoder.TEMPLATE_ID)
            .schemaId(ObservedSamplesEncoder.SCHEMA_ID)
            .version(ObservedSamplesEncoder.SCHEMA_VERSION);
        group.wrap(out, MessageHeaderEncoder.ENCODED_LENGTH + ObservedSamplesEncoder.BLOCK_LENGTH)
            .blockLength(ObservedSlot.SAMPLE_BYTES)
            .numInGroup(n);
        // The staged layout is the group entries' (SBE packs them: u32, i64, f64, little-endian): one copy.
        out.putBytes(ObservedSlot.BATCH_HEADER, staged, from * ObservedSlot.SAMPLE_BYTES,
            n * ObservedSlot.SAMPLE_BYTES);
        slot.length = ObservedSlot.BATCH_HEADER + n * ObservedSlot.SAMPLE_BYTES;
    }
}
