package io.tickwire.codec;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;

/**
 * Encodes a histogram in HdrHistogram's compressed format (the one {@link Histogram#decodeFromCompressedByteBuffer}
 * reads and {@code .hlog} files carry), reusing its buffers and {@link Deflater}.
 * <p>
 * {@link AbstractHistogram#encodeIntoCompressedByteBuffer} makes a new {@code Deflater} (and its native stream) on
 * every call; the aggregator encodes every service's histogram on every tick, so it keeps one here instead.
 * <p>
 * <b>Not thread safe</b>: one instance per encoding thread.
 */
public final class CompressedHistogramEncoder implements AutoCloseable {
    /** HdrHistogram's V2 compressed-encoding cookie, for 8-byte words. */
    public static final int V2_COMPRESSED_COOKIE = 0x1c849314;
    private static final int HEADER_LENGTH = 8;

    private final Deflater deflater;
    private ByteBuffer uncompressed = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
    private final UnsafeBuffer uncompressedView = new UnsafeBuffer(uncompressed.array());
    private byte[] compressed = new byte[1024];
    private final UnsafeBuffer view = new UnsafeBuffer(compressed);

    public CompressedHistogramEncoder() {
        this(Deflater.BEST_SPEED);
    }

    public CompressedHistogramEncoder(final int compressionLevel) {
        deflater = new Deflater(compressionLevel);
    }

    /**
     * Encode {@code histogram}; the bytes are in {@link #buffer()} from offset 0 until the next call.
     *
     * @return the encoded length in bytes.
     */
    public int encode(final AbstractHistogram histogram) {
        final int needed = histogram.getNeededByteBufferCapacity();
        ensureUncompressed(needed);
        uncompressed.clear();
        return deflate(histogram.encodeIntoByteBuffer(uncompressed));
    }

    /** Encode a {@link TickHistogram}, in the same format; see {@link #encode(AbstractHistogram)}. */
    public int encode(final TickHistogram histogram) {
        ensureUncompressed(histogram.maxEncodedLength());
        return deflate(histogram.encodeV2(uncompressedView, 0));
    }

    private void ensureUncompressed(final int capacity) {
        if (uncompressed.capacity() < capacity) {
            uncompressed = ByteBuffer.allocate(capacity).order(ByteOrder.BIG_ENDIAN);
            uncompressedView.wrap(uncompressed.array());
        }
    }

    private int deflate(final int rawLength) {
        // Deflate's worst case is a little over the input; size for it once so one pass always finishes.
        final int bound = HEADER_LENGTH + rawLength + (rawLength >> 3) + 64;
        if (compressed.length < bound) {
            compressed = new byte[bound];
            view.wrap(compressed);
        }
        deflater.reset();
        deflater.setInput(uncompressed.array(), 0, rawLength);
        deflater.finish();
        final int deflated = deflater.deflate(compressed, HEADER_LENGTH, compressed.length - HEADER_LENGTH);
        if (!deflater.finished()) {
            throw new IllegalStateException("deflate did not finish within its bound: " + rawLength);
        }
        view.putInt(0, V2_COMPRESSED_COOKIE, ByteOrder.BIG_ENDIAN);
        view.putInt(4, deflated, ByteOrder.BIG_ENDIAN);
        return HEADER_LENGTH + deflated;
    }

    /** The bytes of the last {@link #encode}. */
    public DirectBuffer buffer() {
        return view;
    }

    /** Decode bytes written by {@link #encode} (or by HdrHistogram itself). Allocates: not for hot paths. */
    public static Histogram decode(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        } catch (final DataFormatException ex) {
            throw new IllegalArgumentException("not a compressed HdrHistogram", ex);
        }
    }

    @Override
    public void close() {
        deflater.end();
    }
}
