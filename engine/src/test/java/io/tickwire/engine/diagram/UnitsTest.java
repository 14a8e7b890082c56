package io.tickwire.engine.diagram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class UnitsTest {
    @ParameterizedTest(name = "{0} = {1}ns")
    @CsvSource(delimiter = '=', value = {
        "17ns = 17",
        "250us = 250000",
        "250µs = 250000",
        "5ms = 5000000",
        "2s = 2000000000",
        "1min = 60000000000",
        "1m = 60000000000",
        "1h = 3600000000000",
        "1.5ms = 1500000",
        "0.25s = 250000000",
        "1e3us = 1000000",
        "2.5E-1s = 250000000",
        "0ms = 0",
        "0s = 0",
        "-5ms = -5000000",
    })
    void shouldParseEveryDurationUnit(final String text, final long ns) {
        assertThat(Units.parseDurationNs(text)).isEqualTo(ns);
    }

    @Test
    void shouldIgnoreCaseAndSurroundingSpaceInDurations() {
        assertThat(Units.parseDurationNs("5MS")).isEqualTo(5_000_000L);
        assertThat(Units.parseDurationNs("  5 ms ")).isEqualTo(5_000_000L);
        assertThat(Units.parseDurationNs("2 Min")).isEqualTo(120_000_000_000L);
    }

    @Test
    void shouldRoundDurationsToTheNearestNanosecond() {
        assertThat(Units.parseDurationNs("1.4ns")).isEqualTo(1L);
        assertThat(Units.parseDurationNs("1.6ns")).isEqualTo(2L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "0", "1.5", "", "ms", "five ms", "5ms5", "5 m s", "--5ms", "5ms/s"})
    void shouldRefuseTextThatIsNotADuration(final String text) {
        assertThatThrownBy(() -> Units.parseDurationNs(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("not a duration (say 250us, 5ms, 2s): '" + text + "'");
    }

    @Test
    void shouldNameTheUnknownDurationUnit() {
        assertThatThrownBy(() -> Units.parseDurationNs("5parsecs"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown duration unit 'parsecs' (ns, us, ms, s, min, h): '5parsecs'");
        assertThatThrownBy(() -> Units.parseDurationNs("3 days"))
            .hasMessage("unknown duration unit 'days' (ns, us, ms, s, min, h): '3 days'");
    }

    @Test
    void shouldRefuseDurationsThatOverflow() {
        assertThatThrownBy(() -> Units.parseDurationNs("1e300s"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("duration too large: '1e300s'");
        assertThatThrownBy(() -> Units.parseDurationNs("3000000h")).hasMessage("duration too large: '3000000h'");
        assertThat(Units.parseDurationNs("1000000h")).isEqualTo(3_600_000_000_000_000_000L);
    }

    @ParameterizedTest(name = "{0} = {1}/s")
    @CsvSource(delimiter = '=', value = {
        "800/s = 800",
        "800/sec = 800",
        "800 = 800",
        "800 / s = 800",
        "800/S = 800",
        "5/ms = 5000",
        "2/us = 2000000",
        "1/ns = 1000000000",
        "1200/min = 20",
        "1200/m = 20",
        "3600/h = 1",
        "0.5/s = 0.5",
        "1e3/s = 1000",
        "0/s = 0",
        "-5/s = -5",
    })
    void shouldParseEveryRateUnit(final String text, final double perSec) {
        assertThat(Units.parseRatePerSec(text)).isCloseTo(perSec, within(1e-9));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "", "/s", "800/", "800 per second", "800/s/s", "800ms", "8 00/s"})
    void shouldRefuseTextThatIsNotARate(final String text) {
        assertThatThrownBy(() -> Units.parseRatePerSec(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("not a rate (say 800/s, 5/ms, 1200/min): '" + text + "'");
    }

    @Test
    void shouldNameTheUnknownRateUnit() {
        assertThatThrownBy(() -> Units.parseRatePerSec("800/fortnight"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown rate unit '/fortnight' (/ms, /s, /min, /h): '800/fortnight'");
        assertThatThrownBy(() -> Units.parseRatePerSec("3/day"))
            .hasMessage("unknown rate unit '/day' (/ms, /s, /min, /h): '3/day'");
    }

    @ParameterizedTest(name = "{0}ns -> {1}")
    @CsvSource({
        "0, 0s",
        "2000000000, 2s",
        "60000000000, 60s",
        "5000000, 5ms",
        "1500000, 1500us",
        "250000, 250us",
        "17, 17ns",
        "1000001, 1000001ns",
        "-5000000, -5ms",
    })
    void shouldFormatNanosecondsInTheLargestExactUnit(final long ns, final String text) {
        assertThat(Units.formatNs(ns)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"17ns", "250us", "5ms", "2s", "1500us", "-5ms"})
    void shouldParseWhatItFormats(final String text) {
        assertThat(Units.formatNs(Units.parseDurationNs(text))).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "512, 512",
        "512B, 512",
        "2KB, 2048",
        "1.5 MB, 1572864",
        "10GB, 10737418240",
        "1gib, 1073741824",
        "2TB, 2199023255552",
    })
    void shouldParseBinarySizes(final String text, final long bytes) {
        assertThat(Units.parseBytes(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource({
        "1GB/day, 1073741824",
        "1GB/d, 1073741824",
        "1MB/h, 25165824",
        "1KB/s, 88473600",
        "30GB/month, 1073741824",
    })
    void shouldParseGrowthAsBytesPerDay(final String text, final double perDay) {
        assertThat(Units.parseBytesPerDay(text)).isEqualTo(perDay);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1GB", "10 parsecs", "lots", "GB"})
    void shouldRefuseABadSize(final String text) {
        assertThatThrownBy(() -> Units.parseBytes(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1GB", "1GB/week", "much/day"})
    void shouldRefuseABadGrowth(final String text) {
        assertThatThrownBy(() -> Units.parseBytesPerDay(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
