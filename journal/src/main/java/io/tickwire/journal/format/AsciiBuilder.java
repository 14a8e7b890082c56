package io.tickwire.journal.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that formats numbers as ASCII digits straight into its bytes: what CSV rows are made of,
 * without a {@code StringBuilder}'s chars and a {@code Writer}'s encoding between them and the file.
 * <p>
 * <b>Not thread safe</b>. Grows (doubling) when a write needs it; a steady state of same-sized rows allocates
 * nothing.
 */
final class AsciiBuilder {
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DIGIT_PAIRS = new byte[200]; // "00" "01" ... "99"
    private byte[] bytes;
    private int length;

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte)('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte)('0' + i % 10);
        }
    }

    AsciiBuilder(final int capacity) {
        bytes = new byte[capacity];
    }

    /** The bytes written so far: {@code [0, length())}. Valid until the next write. */
    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }

    void clear() {
        length = 0;
    }

    /** An ASCII character. */
    AsciiBuilder put(final char c) {
        ensure(1);
        bytes[length++] = (byte)c;
        return this;
    }

    AsciiBuilder put(final byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
        return this;
    }

    AsciiBuilder put(final AsciiBuilder other) {
        ensure(other.length);
        System.arraycopy(other.bytes, 0, bytes, length, other.length);
        length += other.length;
        return this;
    }

    /** {@code value} in decimal, as {@link Long#toString(long)} writes it. */
    AsciiBuilder putLong(final long value) {
        if (value == Long.MIN_VALUE) {
            return put(MIN_LONG);
        }
        ensure(20);
        long v = value;
        if (v < 0) {
            bytes[length++] = '-';
            v = -v;
        }
        final int digits = digits(v);
        int at = length + digits;
        length = at;
        // Two digits per division, from a table, as Long.getChars does.
        while (v >= 100) {
            final long q = v / 100;
            final int r = (int)(v - q * 100) << 1;
            bytes[--at] = DIGIT_PAIRS[r + 1];
            bytes[--at] = DIGIT_PAIRS[r];
            v = q;
        }
        if (v >= 10) {
            final int r = (int)v << 1;
            bytes[--at] = DIGIT_PAIRS[r + 1];
            bytes[--at] = DIGIT_PAIRS[r];
        } else {
            bytes[--at] = (byte)('0' + v);
        }
        return this;
    }

    /**
     * {@code value / unit} exactly, with as many decimals as {@code unit} (a power of ten, at least 10) has zeros:
     * {@code (5000123, 1000000)} is {@code 5.000123}.
     */
    AsciiBuilder putDecimal(final long value, final long unit) {
        long whole = value / unit;
        long fraction = value % unit;
        if (value < 0) {
            put('-');
            whole = -whole;
            fraction = -fraction;
        }
        putLong(whole).put('.');
        for (long digit = unit / 10; digit > fraction && digit > 1; digit /= 10) {
            put('0');
        }
        return putLong(fraction);
    }

    /** True if every byte so far is ASCII (below 0x80). */
    static boolean isAscii(final byte[] b) {
        for (final byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    private static int digits(final long v) {
        int n = 1;
        for (long p = 10; n < 19 && v >= p; p *= 10) {
            n++;
        }
        return n;
    }

    private void ensure(final int extra) {
        if (length + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(length + extra, 2 * bytes.length));
        }
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
