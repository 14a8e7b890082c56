package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.codec.Schema;
import io.tickwire.engine.Simulation;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A third-party WebSocket client (Node.js {@code ws}, SBE by hand) drives the feed: it subscribes with a Subscribe it
 * encodes itself, checks consecutive sequence numbers, drops the connection, reconnects with
 * {@code fromSequence = last + 1} and checks that the stream goes on with no gap and no duplicate.
 */
@Timeout(60)
class NodeInteropTest {
    private static final int TICKS = 40;

    @TempDir
    Path tmp;

    @Test
    void shouldSubscribeReadAndResumeFromNodeWs() throws Exception {
        final Path node = ExternalTools.node();
        ExternalTools.npmPackage("ws");
        final Path script = Paths.get("src/test/js/ws-interop.mjs").toAbsolutePath();
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), tmp.resolve("journal")).awaitTicks(1)) {
            final Processes.Outcome run = Processes.run(List.of(node.toString(), script.toString(), feed.feedUrl(),
                "0", String.valueOf(TICKS), "30000"), tmp, 40);
            assertThat(run.code()).as("node: " + run.out() + run.err()).isZero();

            final JsonNode summary = new ObjectMapper().readTree(run.out());
            assertThat(summary.get("status").asText()).isEqualTo("ok");
            assertThat(summary.get("textFrames").asInt()).isZero();
            assertThat(summary.get("schemaIds")).hasSize(1);
            assertThat(summary.get("schemaIds").get(0).asInt()).isEqualTo(Schema.ID).isEqualTo(7477);

            final JsonNode first = summary.get("phases").get(0);
            assertThat(first.get("templates").get(0).asInt()).isEqualTo(SubscribedDecoder.TEMPLATE_ID);
            assertThat(first.get("templates").get(1).asInt()).isEqualTo(CatalogDecoder.TEMPLATE_ID);
            assertThat(first.get("templates").get(2).asInt()).isEqualTo(TickSummaryDecoder.TEMPLATE_ID);
            assertThat(first.get("subscribed").get("requestId").asLong()).isEqualTo(1);
            assertThat(first.get("subscribed").get("simulationId").asLong()).isEqualTo(feed.simulation().id());
            assertThat(first.get("ticks").asInt()).isEqualTo(TICKS);
            assertThat(first.get("consecutive").asBoolean()).isTrue();
            assertThat(first.get("lastTick").asLong() - first.get("firstTick").asLong()).isEqualTo(TICKS - 1);

            final JsonNode second = summary.get("phases").get(1);
            final long fromSequence = first.get("lastTick").asLong() + 1;
            assertThat(second.get("fromSequence").asLong()).isEqualTo(fromSequence);
            assertThat(second.get("subscribed").get("requestId").asLong()).isEqualTo(2);
            assertThat(second.get("subscribed").get("firstSequence").asLong()).isEqualTo(fromSequence);
            assertThat(second.get("firstTick").asLong()).isEqualTo(fromSequence);
            assertThat(second.get("consecutive").asBoolean()).isTrue();
            assertThat(second.get("ticks").asInt()).isEqualTo(TICKS);
            assertThat(summary.get("noGapNoDuplicate").asBoolean()).isTrue();
        }
    }
}
