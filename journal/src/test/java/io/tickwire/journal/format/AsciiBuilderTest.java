package io.tickwire.journal.format;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** ASCII formatting against the JDK's: Long.toString and BigDecimal's plain string. */
class AsciiBuilderTest {
    @Test
    void shouldFormatLongsAsLongToStringDoes() {
        final AsciiBuilder b = new AsciiBuilder(4); // small: growing is part of the test
        final long[] edges = {0, 1, -1, 9, 10, 99, 100, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        for (final long v : edges) {
            b.clear();
            assertThat(b.putLong(v).toString()).isEqualTo(Long.toString(v));
        }
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            final long v = random.nextLong() >> random.nextInt(64);
            b.clear();
            assertThat(b.putLong(v).toString()).isEqualTo(Long.toString(v));
        }
    }

    @Test
    void shouldFormatDecimalsExactly() {
        final AsciiBuilder b = new AsciiBuilder(16);
        final SplittableRandom random = new SplittableRandom(2);
        final long[] units = {10, 1_000, 1_000_000, 1_000_000_000};
        for (int i = 0; i < 100_000; i++) {
            final long unit = units[random.nextInt(units.length)];
            final long v = random.nextLong(-5_000_000_000_000L, 5_000_000_000_000L) >> random.nextInt(40);
            b.clear();
            final int decimals = Long.toString(unit).length() - 1;
            assertThat(b.putDecimal(v, unit).toString()).as("%d / %d", v, unit)
                .isEqualTo(BigDecimal.valueOf(v, decimals).toPlainString().replaceFirst("^-0\\.", v < 0 ? "-0." : "0."));
        }
        b.clear();
        assertThat(b.put('a').put(new byte[] {'b', 'c'}).put(',').putDecimal(5_000_123, 1_000_000).toString())
            .isEqualTo("abc,5.000123");
    }
}
