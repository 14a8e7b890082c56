package io.tickwire.journal.format;

import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.codec.TickHistogram;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Adds a tick's compressed histogram to a merged {@link Histogram}: the same result as
 * {@code merged.add(CompressedHistogramEncoder.decode(...))}, without building the tick's histogram first.
 * <p>
 * Why: decoding allocates and zeroes a counts array sized to the tick's largest value (some 15,000 longs for a tick
 * that saw 20 ms) and {@code add} then scans all of it, for the few dozen buckets a tick touches — about 25 µs per
 * service and tick, minutes for a long run of many services. Here the counts go straight from the inflated bytes
 * into the merged histogram, one {@code recordValueWithCount} per non-empty bucket (which is what {@code add} does
 * for histograms of different ranges), with one reused {@link Inflater} and buffer.
 * <p>
 * Handles HdrHistogram's V2 encoding (what the engine's {@link TickHistogram} and HdrHistogram itself write) at 3
 * significant digits, a lowest discernible value of 1 and no normalising offset; anything else is decoded and added
 * the ordinary way. <b>Not thread safe.</b>
 */
final class HistogramFolder implements AutoCloseable {
    private static final int COMPRESSED_HEADER_LENGTH = 8;
    private static final int SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10; // 3 significant digits: 2048 sub-buckets
    private static final int SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;

    private final Inflater inflater = new Inflater();
    private byte[] compressed = new byte[1024];
    private byte[] raw = new byte[4096];
    private final UnsafeBuffer rawView = new UnsafeBuffer(raw);
    private int position;

    /**
     * Add the compressed histogram in {@code buffer[offset, offset + length)} to {@code merged}.
     *
     * @throws IllegalArgumentException if the bytes are not a compressed HdrHistogram.
     */
    void addTo(final Histogram merged, final DirectBuffer buffer, final int offset, final int length) {
        final int cookie = length >= COMPRESSED_HEADER_LENGTH ? buffer.getInt(offset, ByteOrder.BIG_ENDIAN) : 0;
        final int rawLength;
        if (cookie == CompressedHistogramEncoder.V2_COMPRESSED_COOKIE) {
            rawLength = inflate(buffer, offset + COMPRESSED_HEADER_LENGTH, length - COMPRESSED_HEADER_LENGTH);
        } else if (cookie == TickHistogram.V2_COOKIE) {
            // Small histograms are written uncompressed (CompressedHistogramEncoder.DEFLATE_ABOVE_BYTES).
            rawLength = copyRaw(buffer, offset, length);
        } else {
            merged.add(CompressedHistogramEncoder.decode(buffer, offset, length));
            return;
        }
        if (rawLength < TickHistogram.V2_HEADER_LENGTH
            || rawView.getInt(0, ByteOrder.BIG_ENDIAN) != TickHistogram.V2_COOKIE
            || rawView.getInt(8, ByteOrder.BIG_ENDIAN) != 0 // normalizing index offset
            || rawView.getInt(12, ByteOrder.BIG_ENDIAN) != TickHistogram.SIGNIFICANT_DIGITS
            || rawView.getLong(16, ByteOrder.BIG_ENDIAN) != 1 // lowest discernible value
            || rawView.getDouble(32, ByteOrder.BIG_ENDIAN) != 1.0) {
            merged.add(CompressedHistogramEncoder.decode(buffer, offset, length));
            return;
        }
        final int payloadLength = rawView.getInt(4, ByteOrder.BIG_ENDIAN);
        final int end = TickHistogram.V2_HEADER_LENGTH + payloadLength;
        if (payloadLength < 0 || end > rawLength) {
            throw new IllegalArgumentException("compressed histogram: payload of " + payloadLength + " bytes in "
                + rawLength);
        }
        position = TickHistogram.V2_HEADER_LENGTH;
        int index = 0;
        while (position < end) {
            final long count = zigZag();
            if (count < 0) {
                index += (int)-count; // a run of empty buckets
            } else {
                if (count > 0) {
                    merged.recordValueWithCount(valueFromIndex(index), count);
                }
                index++;
            }
        }
    }

    @Override
    public void close() {
        inflater.end();
    }

    /** Copy a plain V2 encoding into {@link #raw}, growing it as needed; returns its length. */
    private int copyRaw(final DirectBuffer buffer, final int offset, final int length) {
        if (raw.length < length) {
            raw = new byte[Math.max(length, raw.length << 1)];
            rawView.wrap(raw);
        }
        buffer.getBytes(offset, raw, 0, length);
        return length;
    }

    /** Inflate into {@link #raw}, growing it as needed; returns the inflated length. */
    private int inflate(final DirectBuffer buffer, final int offset, final int length) {
        if (compressed.length < length) {
            compressed = new byte[Math.max(length, 2 * compressed.length)];
        }
        buffer.getBytes(offset, compressed, 0, length);
        inflater.reset();
        inflater.setInput(compressed, 0, length);
        int inflated = 0;
        try {
            while (!inflater.finished()) {
                if (inflated == raw.length) {
                    raw = Arrays.copyOf(raw, 2 * raw.length);
                    rawView.wrap(raw);
                }
                final int n = inflater.inflate(raw, inflated, raw.length - inflated);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("compressed histogram: truncated deflate stream");
                }
                inflated += n;
            }
        } catch (final DataFormatException ex) {
            throw new IllegalArgumentException("not a compressed HdrHistogram", ex);
        }
        return inflated;
    }

    /** HdrHistogram's ZigZag LEB128 long: up to 8 bytes of 7 bits, then a ninth of 8. */
    private long zigZag() {
        long value = 0;
        int shift = 0;
        while (true) {
            final long b = rawView.getByte(position++);
            if (shift == 56) {
                value |= (b & 0xFF) << 56;
                break;
            }
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return (value >>> 1) ^ -(value & 1);
    }

    /** The lowest value of bucket {@code index}, as HdrHistogram's {@code valueFromIndex} (unit magnitude 0). */
    static long valueFromIndex(final int index) {
        int bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
        int subBucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
        if (bucket < 0) {
            subBucket -= SUB_BUCKET_HALF_COUNT;
            bucket = 0;
        }
        return (long)subBucket << bucket;
    }
}
