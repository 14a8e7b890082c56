package io.tickwire.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ListSimulationsDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.PingDecoder;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.UnsubscribeDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser's JS codec ({@code tickwire-decoder.js}) against the generated Java codecs, both ways: frames of every
 * server message written by the Java encoders are decoded by the JS module (in Node.js), and the client messages the
 * JS module encodes are read by the Java decoders.
 */
@Timeout(60)
class JsCodecInteropTest {
    @TempDir
    Path tmp;

    @Test
    void shouldDecodeJavaEncodedFramesAndEncodeFramesJavaDecodes() throws Exception {
        final int v = io.tickwire.sbe.TickSummaryEncoder.SCHEMA_VERSION; // every message carries the schema's
        final Path in = Files.createDirectories(tmp.resolve("java"));
        Files.write(in.resolve("catalog.bin"), FeedWire.catalogWithSource(7, "web", "gateway"));
        Files.write(in.resolve("tick.bin"), FeedWire.tick(7, 12, 2));
        Files.write(in.resolve("tick-entry.bin"), FeedWire.tickWithEntry(7, 13, 1_234_567_891L));
        Files.write(in.resolve("tick-v2.bin"), FeedWire.asVersion(FeedWire.tickWithEntry(7, 14, 5), 2));
        Files.write(in.resolve("heartbeat.bin"), FeedWire.heartbeat(7, 14, 1_700_000_000_000L));
        Files.write(in.resolve("gap.bin"), FeedWire.gapNotice(7, 15, 40));
        Files.write(in.resolve("replica-event.bin"), FeedWire.replicaEvent(7, 15, 2, 9, ReplicaEventKind.REPLACED, 11));
        Files.write(in.resolve("end.bin"), FeedWire.end(7, 99));
        Files.write(in.resolve("subscribed.bin"), FeedWire.subscribed(3, 7, 10, 99, ConflationPolicy.DISCONNECT));
        Files.write(in.resolve("unsubscribed.bin"), FeedWire.unsubscribed(4, 7, 41));
        Files.write(in.resolve("list.bin"), FeedWire.simulationList(5, "checkout ✓"));
        Files.write(in.resolve("pong.bin"), FeedWire.pong(6, 123_456_789, 1_700_000_000_000_000L));
        Files.write(in.resolve("error.bin"), FeedWire.error(8, ErrorCode.UNKNOWN_SERVICE, "no service 'nope' in 7"));

        final JsonNode out = new ObjectMapper().readTree(NodeScript.run("codec-interop.mjs", tmp));

        final JsonNode catalog = out.get("catalog.bin");
        assertThat(catalog.get("type").asText()).isEqualTo("catalog");
        assertThat(catalog.get("simulationId").asLong()).isEqualTo(7);
        assertThat(catalog.get("tickLengthNs").asLong()).isEqualTo(FeedWire.TICK_NS);
        assertThat(catalog.get("services").get(0).get("name").asText()).isEqualTo("gateway");
        assertThat(catalog.get("sources").get(0).get("name").asText()).isEqualTo("web");
        assertThat(catalog.get("simulationName").asText()).isEqualTo("test");

        final JsonNode tick = out.get("tick.bin");
        assertThat(tick.get("version").asInt()).isEqualTo(v);
        assertThat(tick.get("tick").asLong()).isEqualTo(12);
        assertThat(tick.get("wallTimeNs").asLong()).isCloseTo(1_763_856_000_123_456_789L + 12, within1024());
        final JsonNode s1 = tick.get("services").get(1);
        assertThat(s1.get("serviceId").asInt()).isEqualTo(1);
        assertThat(s1.get("p999Ns").asLong()).isEqualTo(6_000_007);
        assertThat(s1.get("busyTimeNs").asLong()).isEqualTo(2 * FeedWire.TICK_NS);
        assertThat(s1.get("timeouts").asLong()).isEqualTo(1);
        assertThat(s1.get("retries").asLong()).isEqualTo(3);
        assertThat(s1.get("storageBytes").asLong()).isEqualTo(1L << 31);
        assertThat(s1.get("replicas").asInt()).isEqualTo(3);
        assertThat(s1.get("readyReplicas").asInt()).isEqualTo(2);
        assertThat(s1.get("replicaTimeNs").asLong()).isEqualTo(3 * FeedWire.TICK_NS);
        assertThat(s1.get("readyTimeNs").asLong()).isEqualTo(2 * FeedWire.TICK_NS);
        assertThat(s1.get("histogramBytes").toString()).isEqualTo("[1,2,3]");
        assertThat(tick.get("entries")).isEmpty();

        final JsonNode withEntry = out.get("tick-entry.bin");
        assertThat(withEntry.get("services").get(0).get("costNanos").asLong()).isEqualTo(1_234_567_891L);
        assertThat(withEntry.get("entries").get(0).get("p99Ns").asLong()).isEqualTo(30_000_001);
        assertThat(withEntry.get("entries").get(0).get("timeouts").asLong()).isEqualTo(1);
        assertThat(withEntry.get("entries").get(0).get("histogramBytes").toString()).isEqualTo("[2]");

        // The same frame labelled version 2: the v3 fields are absent, the rest unchanged.
        final JsonNode v2 = out.get("tick-v2.bin");
        assertThat(v2.get("version").asInt()).isEqualTo(2);
        assertThat(v2.get("services").get(0).get("timeouts").isNull()).isTrue();
        assertThat(v2.get("services").get(0).get("storageBytes").isNull()).isTrue();
        assertThat(v2.get("services").get(0).get("costNanos").asLong()).isEqualTo(5);
        assertThat(v2.get("entries").get(0).get("timeouts").isNull()).isTrue();
        assertThat(v2.get("entries").get(0).get("completed").asLong()).isEqualTo(20);

        assertThat(out.get("heartbeat.bin").toString()).isEqualTo("{\"type\":\"heartbeat\",\"version\":" + v + ","
            + "\"simulationId\":7,\"lastSequence\":14,\"wallTimeNs\":1700000000000}");
        assertThat(out.get("replica-event.bin").toString()).isEqualTo("{\"type\":\"replicaEvent\",\"version\":" + v
            + ",\"simulationId\":7,\"tick\":15,\"simTimeNs\":750000123,\"serviceId\":2,\"replica\":9,"
            + "\"kindCode\":5,\"kind\":\"REPLACED\",\"detail\":11}");
        assertThat(out.get("gap.bin").toString()).isEqualTo("{\"type\":\"gap\",\"version\":" + v
            + ",\"simulationId\":7,"
            + "\"fromSequence\":15,\"toSequence\":40,\"reasonCode\":0,\"reason\":\"CONFLATED\"}");
        assertThat(out.get("end.bin").toString()).isEqualTo("{\"type\":\"end\",\"version\":" + v
            + ",\"simulationId\":7,"
            + "\"lastSequence\":99,\"reasonCode\":0,\"reason\":\"COMPLETED\"}");
        assertThat(out.get("subscribed.bin").toString()).isEqualTo("{\"type\":\"subscribed\",\"version\":" + v + ","
            + "\"requestId\":3,\"simulationId\":7,\"firstSequence\":10,\"lastSequence\":99,\"policyCode\":1,"
            + "\"policy\":\"DISCONNECT\"}");
        assertThat(out.get("unsubscribed.bin").toString()).isEqualTo("{\"type\":\"unsubscribed\",\"version\":" + v + ","
            + "\"requestId\":4,\"simulationId\":7,\"lastSequence\":41}");
        assertThat(out.get("list.bin").toString()).isEqualTo("{\"type\":\"simulationList\",\"version\":" + v + ","
            + "\"requestId\":5,\"simulations\":[{\"simulationId\":1,\"stateCode\":1,\"state\":\"ENDED\","
            + "\"lastSequence\":199,\"tickLengthNs\":50000000,\"name\":\"mm1\"},{\"simulationId\":2,\"stateCode\":0,"
            + "\"state\":\"RUNNING\",\"lastSequence\":-1,\"tickLengthNs\":1000000,\"name\":\"checkout ✓\"}]}");
        assertThat(out.get("pong.bin").toString()).isEqualTo("{\"type\":\"pong\",\"version\":" + v
            + ",\"requestId\":6,"
            + "\"clientTimeNs\":123456789,\"serverTimeNs\":1700000000000000}");
        assertThat(out.get("error.bin").toString()).isEqualTo("{\"type\":\"error\",\"version\":" + v
            + ",\"requestId\":8,"
            + "\"code\":6,\"codeName\":\"UNKNOWN_SERVICE\",\"message\":\"no service 'nope' in 7\"}");

        // And back: what the JS module encodes, the Java decoders read.
        final Path js = tmp.resolve("js");
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        UnsafeBuffer frame = frame(js.resolve("subscribe.bin"), header, SubscribeDecoder.TEMPLATE_ID);
        final SubscribeDecoder subscribe = new SubscribeDecoder()
            .wrap(frame, header.encodedLength(), header.blockLength(), header.version());
        assertThat(subscribe.requestId()).isEqualTo(11);
        assertThat(subscribe.simulationId()).isEqualTo(3);
        assertThat(subscribe.fromSequence()).isEqualTo(1234);
        assertThat(subscribe.policy()).isEqualTo(ConflationPolicy.DISCONNECT);
        assertThat(subscribe.services()).isEqualTo("gateway,orders-db");
        assertThat(MessageHeaderDecoder.ENCODED_LENGTH + subscribe.sbeDecodedLength()).isEqualTo(frame.capacity());

        frame = frame(js.resolve("subscribe-latest.bin"), header, SubscribeDecoder.TEMPLATE_ID);
        subscribe.wrap(frame, header.encodedLength(), header.blockLength(), header.version());
        assertThat(subscribe.requestId()).isEqualTo(12);
        assertThat(subscribe.simulationId()).isZero();
        assertThat(subscribe.fromSequence()).isEqualTo(-1);
        assertThat(subscribe.policy()).isEqualTo(ConflationPolicy.CONFLATE);
        assertThat(subscribe.services()).isEmpty();

        frame = frame(js.resolve("unsubscribe.bin"), header, UnsubscribeDecoder.TEMPLATE_ID);
        final UnsubscribeDecoder unsubscribe = new UnsubscribeDecoder()
            .wrap(frame, header.encodedLength(), header.blockLength(), header.version());
        assertThat(unsubscribe.requestId()).isEqualTo(13);
        assertThat(unsubscribe.simulationId()).isEqualTo(3);

        frame = frame(js.resolve("list.bin"), header, ListSimulationsDecoder.TEMPLATE_ID);
        assertThat(new ListSimulationsDecoder().wrap(frame, header.encodedLength(), header.blockLength(),
            header.version()).requestId()).isEqualTo(14);

        frame = frame(js.resolve("ping.bin"), header, PingDecoder.TEMPLATE_ID);
        final PingDecoder ping = new PingDecoder()
            .wrap(frame, header.encodedLength(), header.blockLength(), header.version());
        assertThat(ping.requestId()).isEqualTo(15);
        assertThat(ping.clientTimeNs()).isEqualTo(987_654_321_012_345L);
    }

    @Test
    void shouldHoldTheSameTableOfFeedMessagesAsJava() throws Exception {
        Files.createDirectories(tmp.resolve("java"));
        final JsonNode table = new ObjectMapper().readTree(NodeScript.run("codec-interop.mjs", tmp))
            .get("MESSAGES");
        final Map<String, String> js = new TreeMap<>();
        for (final JsonNode m : table) {
            js.put(m.get("name").asText(), m.get("templateId").asInt() + " " + m.get("blockLength").asInt());
        }
        final Map<String, String> java = new TreeMap<>();
        for (final FeedMessage m : FeedMessage.values()) {
            java.put(m.schemaName(), m.templateId() + " " + m.blockLength());
        }
        assertThat(js).as("name: template id, block length").isEqualTo(java);
    }

    /** JS numbers are doubles: an epoch in ns near 1.7e18 is exact to 256 ns; allow the rounding, nothing else. */
    private static org.assertj.core.data.Offset<Long> within1024() {
        return org.assertj.core.data.Offset.offset(1024L);
    }

    private static UnsafeBuffer frame(final Path file, final MessageHeaderDecoder header, final int templateId)
        throws Exception {
        final UnsafeBuffer buffer = new UnsafeBuffer(Files.readAllBytes(file));
        header.wrap(buffer, 0);
        assertThat(header.schemaId()).isEqualTo(SubscribeDecoder.SCHEMA_ID);
        assertThat(header.version()).isEqualTo(SubscribeDecoder.SCHEMA_VERSION);
        assertThat(header.templateId()).isEqualTo(templateId);
        assertThat(header.blockLength()).isEqualTo(FeedMessage.of(templateId).blockLength());
        return buffer;
    }
}
