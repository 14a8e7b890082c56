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
 * A {@link TickHistogram} is Deflate-compressed only when its V2 encoding is longer than
 * {@value #DEFLATE_ABOVE_BYTES} bytes; a shorter one is written as the V2 encoding itself. Deflate does not shrink
 * the encoding of a sparse tick (a few dozen buckets are already run-length and LEB128 coded) and costs ~5 us a call
 * in zlib's reset alone; dense ticks, where it pays, are also the ones with enough samples to amortise it. The
 * first 4 bytes (the big-endian cookie) say which: {@link #V2_COMPRESSED_COOKIE} or {@link TickHistogram#V2_COOKIE};
 * {@link #decode} reads both.
 * <p>
 * {@link AbstractHistogram#encodeIntoCompressedByteBuffer} makes a new {@code Deflater} (and its native stream) on
 * every call; the aggregator encodes every service's histogram on every tick, so it keeps one here instead.
 * <p>
 * <b>Not thread safe</b>: one instance per encoding thread.
 */
public final class CompressedHistogramEncoder implements AutoCloseable {
    /** HdrHistogram's V2 compressed-encoding cookie, for 8-byte words. */
    public static final int V2_COMPRESSED_COOKIE = 0x1c849314;
    /** V2 encodings longer than this are Deflate-compressed; shorter ones are written as they are. */
    public static final int DEFLATE_ABOVE_BYTES = 512;
    private static final int HEADER_LENGTH = 8;

    private final Deflater deflater;
    private ByteBuffer uncompressed = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
    private final UnsafeBuffer uncompressedView = new UnsafeBuffer(uncompressed.array());
    private byte[] compressed = new byte[1024];
    private final UnsafeBuffer view = new UnsafeBuffer(compressed);
    private UnsafeBuffer last = view;

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
        last = view;
        return deflate(histogram.encodeIntoByteBuffer(uncompressed));
    }

    /**
     * Encode a {@link TickHistogram}: compressed as {@link #encode(AbstractHistogram)} does when its V2 encoding is
     * longer than {@value #DEFLATE_ABOVE_BYTES} bytes, else that V2 encoding itself. Bytes in {@link #buffer()}.
     */
    public int encode(final TickHistogram histogram) {
        ensureUncompressed(histogram.maxEncodedLength());
        final int rawLength = histogram.encodeV2(uncompressedView, 0);
        if (rawLength <= DEFLATE_ABOVE_BYTES) {
            last = uncompressedView;
            return rawLength;
        }
        last = view;
        return deflate(rawLength);
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

    /** The bytes of the last {@link #encode}, from offset 0. */
    public DirectBuffer buffer() {
        return last;
    }

    /**
     * Decode bytes written by {@link #encode} (or by HdrHistogram itself), compressed or plain V2 by their cookie.
     * Allocates: not for hot paths.
     */
    public static Histogram decode(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        final int cookie = length >= 4 ? buffer.getInt(offset, ByteOrder.BIG_ENDIAN) : 0;
        try {
            if (cookie == TickHistogram.V2_COOKIE) {
                return Histogram.decodeFromByteBuffer(ByteBuffer.wrap(bytes), 0);
            }
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        } catch (final DataFormatException | RuntimeException ex) {
            throw new IllegalArgumentException("not an HdrHistogram V2 encoding (cookie " + Integer.toHexString(cookie)
                + ")", ex);
        }
    }

    @Override
    public void close() {
        deflater.end();
    }
}
