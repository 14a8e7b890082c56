package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.codec.EventMessages;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.LiveEditAppliedDecoder;
import io.tickwire.transport.test.FeedTestClient;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit trail on the feed: every event follows its tick, as journaled, live and on a resume from any sequence
 * (events of ticks >= it); a service filter keeps its services' events and those of none; live edits over REST
 * answer the tick they took effect at, or 400 with the field paths, and are journaled at that tick.
 */
@Timeout(120)
class OperationsFeedTest {
    static final String OPERATED = SimulatedJournals.OPERATED;

    @TempDir
    Path tmp;

    private FeedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldSendEveryEventAfterItsTickLiveAndOnAResumeAsJournaled() throws Exception {
        server = FeedServer.start(new FeedServer.Context().port(0).tailTicks(16).replayBatchTicks(8));
        final Path journal = tmp.resolve("journal");
        final Simulation sim = server.registry().launch(DiagramLoader.parse(OPERATED),
            new Simulation.Context().speed(10).ticks(200), journal);
        final List<byte[]> live;
        try (FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + sim.id() + "&from=0")) {
            live = recordsUntilEnd(client);
        }
        assertThat(sim.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        final List<byte[]> journaled = journalRecords(journal);
        assertThat(events(journaled)).as("faults and a scale decision").hasSizeGreaterThanOrEqualTo(9);
        assertSameRecords(live, journaled);

        // After the end, a resume from the middle comes from the journal (the tail is small): ticks >= 60 and their
        // events, the events of the ticks before not.
        await("the tail released", 10_000, () -> server.registry().broadcaster(sim.id()).orElseThrow().ended());
        try (FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + sim.id() + "&from=60")) {
            final List<byte[]> resumed = recordsUntilEnd(client);
            assertSameRecords(resumed, journaled.subList(indexOfTick(journaled, 60), journaled.size()));
        }
        // A service filter: the events of its services and of none; a partition is of both of its services.
        try (FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + sim.id() + "&from=0&services=batch")) {
            final List<String> kinds = new ArrayList<>();
            for (final byte[] e : events(recordsUntilEnd(client))) {
                final FaultEventDecoder f = fault(e);
                kinds.add(f == null ? "other" : f.kind() + " " + f.phase());
            }
            assertThat(kinds).containsExactly("ERRORS STARTED", "ERRORS ENDED");
        }
    }

    @Test
    void shouldApplyALiveEditOverRestAtTheTickItAnswers() throws Exception {
        server = FeedServer.start(new FeedServer.Context().port(0));
        final Path journal = tmp.resolve("edited");
        final Simulation sim = server.registry().launch(DiagramLoader.parse(OPERATED),
            new Simulation.Context().speed(5).ticks(400), journal);
        await("a few ticks", 10_000, () -> sim.ticksClosed() > 5);
        final String path = "/simulations/" + sim.id();

        // Refused as a diagram is, with the paths; and what cannot change live, with why. Nothing applied.
        final HttpResponse<String> bad = send(server.port(), "PATCH", path,
            "{\"tick\": \"10ms\", \"autoscale\": [{\"service\": \"api\", \"maxReplicas\": 0, \"metrics\": []}]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("problems")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
            "autoscale[0].maxReplicas: must be an integer >= 1 (got 0)",
            "autoscale[0].metrics: must list at least one entry");
        final HttpResponse<String> fixed = send(server.port(), "PATCH", path, "{\"tick\": \"10ms\"}");
        assertThat(fixed.statusCode()).isEqualTo(400);
        assertThat(json(fixed).get("problems").get(0).asText())
            .isEqualTo("tick: cannot change while the simulation runs: it is fixed when the run starts");

        // Accepted: answered with the tick it took effect at.
        final HttpResponse<String> ok = send(server.port(), "PATCH", path,
            "{\"autoscale\": [{\"service\": \"api\", \"maxReplicas\": 3, \"syncPeriod\": \"5s\", "
                + "\"metrics\": [{\"metric\": \"utilization\", \"averageUtilization\": 50}]}]}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        final long patchTick = json(ok).get("tick").asLong();
        assertThat(json(ok).get("editId").asInt()).isEqualTo(1);
        assertThat(json(ok).get("simTimeNs").asLong()).isEqualTo(patchTick * 50_000_000L);
        final HttpResponse<String> added = send(server.port(), "POST", path + "/faults",
            "{\"kind\": \"crash\", \"service\": \"worker\", \"count\": 1}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(json(added).get("faultId").asInt()).isEqualTo(4);
        final HttpResponse<String> ended = send(server.port(), "DELETE", path + "/faults/3", null);
        assertThat(ended.statusCode()).isEqualTo(200);
        assertThat(send(server.port(), "DELETE", path + "/faults/x", null).statusCode()).isEqualTo(404);
        assertThat(send(server.port(), "PATCH", "/simulations/99", "{}").statusCode()).isEqualTo(404);

        assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(send(server.port(), "PATCH", path, "{}").statusCode()).isEqualTo(409);
        // Journaled with the tick it answered.
        final List<String> edits = new ArrayList<>();
        for (final byte[] e : events(journalRecords(journal))) {
            if (EventMessages.templateId(new org.agrona.concurrent.UnsafeBuffer(e), 0)
                == LiveEditAppliedDecoder.TEMPLATE_ID) {
                final org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(e);
                final LiveEditAppliedDecoder d = new LiveEditAppliedDecoder().wrap(b, 8,
                    LiveEditAppliedDecoder.BLOCK_LENGTH, LiveEditAppliedDecoder.SCHEMA_VERSION);
                edits.add(d.editId() + " " + d.kind() + " " + d.tick());
            }
        }
        assertThat(edits).containsExactly("1 PATCH " + patchTick, "2 FAULT_ADD " + json(added).get("tick").asLong(),
            "3 FAULT_END " + json(ended).get("tick").asLong());
    }

    /** Ticks and events, in the order the feed sent them, until the end. */
    private static List<byte[]> recordsUntilEnd(final FeedTestClient client) throws Exception {
        final List<byte[]> records = new ArrayList<>();
        byte[] m;
        while ((m = client.nextBinary()) != null) {
            final FeedMessage message = FeedWire.messageOf(m);
            if (message == FeedMessage.TICK_SUMMARY || EventMessages.isEvent(FeedWire.templateId(m))) {
                records.add(m);
            } else if (message == FeedMessage.SIMULATION_END) {
                return records;
            } else {
                assertThat(message).isIn(FeedMessage.SUBSCRIBED, FeedMessage.CATALOG, FeedMessage.HEARTBEAT);
            }
        }
        throw new AssertionError("no end after " + records.size() + " records");
    }

    private static List<byte[]> journalRecords(final Path journal) throws Exception {
        final List<byte[]> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            while (reader.nextRecord(new JournalReader.RecordHandler() {
                @Override
                public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
                    records.add(copy(buffer, offset, length));
                }

                @Override
                public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick,
                                    final int templateId) {
                    records.add(copy(buffer, offset, length));
                }
            })) {
                // all of them
            }
        }
        return records;
    }

    private static void assertSameRecords(final List<byte[]> actual, final List<byte[]> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("record %d", i).isEqualTo(expected.get(i));
        }
    }

    private static List<byte[]> events(final List<byte[]> records) {
        final List<byte[]> events = new ArrayList<>();
        for (final byte[] r : records) {
            if (EventMessages.isEvent(FeedWire.templateId(r))) {
                events.add(r);
            }
        }
        return events;
    }

    private static int indexOfTick(final List<byte[]> records, final long tick) {
        for (int i = 0; i < records.size(); i++) {
            if (FeedWire.messageOf(records.get(i)) == FeedMessage.TICK_SUMMARY && FeedWire.tickOf(records.get(i)) == tick) {
                return i;
            }
        }
        throw new AssertionError("no tick " + tick);
    }

    private static FaultEventDecoder fault(final byte[] e) {
        if (FeedWire.templateId(e) != FaultEventDecoder.TEMPLATE_ID) {
            return null;
        }
        return new FaultEventDecoder().wrap(new org.agrona.concurrent.UnsafeBuffer(e), 8,
            FaultEventDecoder.BLOCK_LENGTH, FaultEventDecoder.SCHEMA_VERSION);
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
