package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A third-party WebSocket client (Node.js {@code ws}) reads the binary feed: SBE headers with our schema id. */
@Timeout(60)
class NodeInteropTest {
    private static final int FRAMES = 40;

    @TempDir
    Path tmp;

    @Test
    void shouldServeSbeFramesThatNodeWsReads() throws Exception {
        final Path node = ExternalTools.node();
        ExternalTools.wsPackage();
        final Path script = Paths.get("src/test/js/ws-interop.mjs").toAbsolutePath();
        try (LiveFeed feed = LiveFeed.checkout(20, null).awaitTicks(1)) {
            final Processes.Outcome run = Processes.run(
                List.of(node.toString(), script.toString(), feed.feedUrl(), String.valueOf(FRAMES), "20000"), tmp, 40);
            assertThat(run.code()).as("node: " + run.out() + run.err()).isZero();

            final JsonNode summary = new ObjectMapper().readTree(run.out());
            assertThat(summary.get("status").asText()).isEqualTo("ok");
            assertThat(summary.get("binaryFrames").asInt()).isGreaterThanOrEqualTo(FRAMES);
            assertThat(summary.get("textFrames").asInt()).isZero();
            assertThat(summary.get("schemaIds")).hasSize(1);
            assertThat(summary.get("schemaIds").get(0).asInt()).isEqualTo(Schema.ID).isEqualTo(7477);
            assertThat(summary.get("firstTemplate").asInt()).isEqualTo(CatalogDecoder.TEMPLATE_ID);
            assertThat(summary.get("ticks").asInt()).isGreaterThanOrEqualTo(FRAMES - 1);
            assertThat(summary.get("consecutive").asBoolean()).isTrue();
            assertThat(summary.get("lastTick").asLong() - summary.get("firstTick").asLong())
                .isEqualTo(summary.get("ticks").asLong() - 1);
        }
    }
}
