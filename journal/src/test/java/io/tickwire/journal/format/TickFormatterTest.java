package io.tickwire.journal.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.codec.test.FeedWire;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TickFormatterTest {
    @Test
    void shouldFormatOneTickAsOneJsonLine() {
        final TickFormatter formatter = new TickFormatter();
        final byte[] catalog = FeedWire.catalog(FeedWire.SIM, "gateway", "db \"main\"");
        formatter.catalog(new UnsafeBuffer(catalog), 0, catalog.length);
        final byte[] tick = FeedWire.tick(FeedWire.SIM, 7, 2);

        final String json = formatter.format(new UnsafeBuffer(tick), 0, tick.length);

        assertThat(json).isEqualTo("{\"sim\":42,\"tick\":7,\"simTimeNs\":400000000,\"wallTimeNs\":1763856000123456796,"
            + "\"services\":[{\"name\":\"gateway\",\"arrivals\":21,\"completed\":20,\"errors\":1,\"rejected\":0,"
            + "\"queue\":3,\"busy\":2,\"servers\":4,\"meanMs\":1,\"p50Ms\":0.500001,\"p90Ms\":1.25,\"p99Ms\":2,"
            + "\"p999Ms\":3.000007,\"maxMs\":4,\"utilization\":0.25,\"meanQueue\":0.75,\"cost\":0,"
            + "\"timeouts\":0,\"retries\":1,\"storageBytes\":1073741824,\"replicas\":2,\"readyReplicas\":1,"
            + "\"rateLimited\":0,\"bulkheadRefused\":0,\"breakerRefused\":0},"
            + "{\"name\":\"db \\\"main\\\"\",\"arrivals\":21,\"completed\":20,"
            + "\"errors\":1,\"rejected\":0,\"queue\":3,\"busy\":2,\"servers\":4,\"meanMs\":2,\"p50Ms\":1.000001,"
            + "\"p90Ms\":2.25,\"p99Ms\":4,\"p999Ms\":6.000007,\"maxMs\":8,\"utilization\":0.5,\"meanQueue\":0.75,"
            + "\"cost\":0,\"timeouts\":1,\"retries\":3,\"storageBytes\":2147483648,\"replicas\":3,"
            + "\"readyReplicas\":2,\"rateLimited\":1,\"bulkheadRefused\":0,\"breakerRefused\":0}]}");
    }

    @Test
    void shouldFormatEntryPointsAndCostExactly() throws Exception {
        final TickFormatter formatter = new TickFormatter();
        final byte[] catalog = FeedWire.catalogWithSource(FeedWire.SIM, "web", "gateway");
        formatter.catalog(new UnsafeBuffer(catalog), 0, catalog.length);
        final byte[] tick = FeedWire.tickWithEntry(FeedWire.SIM, 9, 1_234_567_891L);
        final JsonNode node = new ObjectMapper().readTree(formatter.format(new UnsafeBuffer(tick), 0, tick.length));
        assertThat(node.get("services").get(0).get("cost").decimalValue()).isEqualByComparingTo("1.234567891");
        final JsonNode entry = node.get("entries").get(0);
        assertThat(entry.get("name").asText()).isEqualTo("web");
        assertThat(entry.get("completed").asLong()).isEqualTo(20);
        assertThat(entry.get("errors").asLong()).isEqualTo(1);
        assertThat(entry.get("rejected").asLong()).isEqualTo(2);
        assertThat(entry.get("meanMs").decimalValue()).isEqualByComparingTo("10.5");
        assertThat(entry.get("p99Ms").decimalValue()).isEqualByComparingTo("30.000001");
        assertThat(entry.get("maxMs").decimalValue()).isEqualByComparingTo("45");
        assertThat(entry.get("timeouts").asLong()).isEqualTo(1);
    }

    @Test
    void shouldLeaveOutTheVersion3FieldsOfAnOlderMessage() throws Exception {
        final TickFormatter formatter = new TickFormatter();
        final byte[] v3 = FeedWire.tickWithEntry(FeedWire.SIM, 9, 5);
        final ObjectMapper mapper = new ObjectMapper();
        final JsonNode current = mapper.readTree(formatter.format(new UnsafeBuffer(v3), 0, v3.length));
        assertThat(current.get("services").get(0).has("timeouts")).isTrue();
        assertThat(current.get("services").get(0).get("storageBytes").asLong()).isZero();
        assertThat(current.get("services").get(0).get("readyReplicas").asLong()).isEqualTo(1);

        final byte[] v2 = FeedWire.asVersion(v3, 2);
        final JsonNode old = mapper.readTree(formatter.format(new UnsafeBuffer(v2), 0, v2.length));
        final JsonNode service = old.get("services").get(0);
        assertThat(service.has("timeouts")).isFalse();
        assertThat(service.has("retries")).isFalse();
        assertThat(service.has("storageBytes")).isFalse();
        assertThat(service.has("replicas")).isFalse();
        assertThat(service.get("cost").decimalValue()).isEqualByComparingTo("0.000000005");
        assertThat(old.get("entries").get(0).has("timeouts")).isFalse();
        assertThat(old.get("entries").get(0).get("completed").asLong()).isEqualTo(20);
    }

    @Test
    void shouldProduceJsonThatJacksonReads() throws Exception {
        final TickFormatter formatter = new TickFormatter();
        final byte[] tick = FeedWire.tick(FeedWire.SIM, 3, 3);
        final JsonNode node = new ObjectMapper().readTree(formatter.format(new UnsafeBuffer(tick), 0, tick.length));
        assertThat(node.get("tick").asLong()).isEqualTo(3);
        assertThat(node.get("services")).hasSize(3);
        // Without a catalog the services are named by id.
        assertThat(node.get("services").get(2).get("name").asText()).isEqualTo("#2");
        assertThat(node.get("services").get(2).get("p90Ms").decimalValue()).isEqualByComparingTo("3.25");
    }

    @Test
    void shouldWriteMillisecondsAsExactPlainDecimals() {
        assertThat(TickFormatter.appendMillis(new StringBuilder(), 0).toString()).isEqualTo("0");
        assertThat(TickFormatter.appendMillis(new StringBuilder(), 1).toString()).isEqualTo("0.000001");
        assertThat(TickFormatter.appendMillis(new StringBuilder(), 3_086_419).toString()).isEqualTo("3.086419");
        assertThat(TickFormatter.appendMillis(new StringBuilder(), 5_000_000).toString()).isEqualTo("5");
        assertThat(TickFormatter.appendMillis(new StringBuilder(), 12_340_000_000L).toString()).isEqualTo("12340");
        assertThat(TickFormatter.appendMillis(new StringBuilder(), -1_500_000).toString()).isEqualTo("-1.5");
        assertThat(TickFormatter.appendMillis(new StringBuilder(), Long.MIN_VALUE).toString()).isEqualTo("null");
    }

    @Test
    void shouldRefuseAMessageOfAnotherSchema() {
        final byte[] tick = FeedWire.tick(FeedWire.SIM, 0, 1);
        tick[4] = 1; // schemaId, uint16 LE at offset 4
        tick[5] = 0;
        assertThatThrownBy(() -> new TickFormatter().format(new UnsafeBuffer(tick), 0, tick.length))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema id 1");
    }
}
