package io.tickwire.transport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import static io.tickwire.transport.HttpResponses.JSON;
import static io.tickwire.transport.HttpResponses.json;

/**
 * The server's own state:
 * <pre>
 *   GET  /health                  200 {"status":"ok"}
 *   GET  /connections             200 [{"remoteAddress","subscriptions":[{"simulationId","policy","services"}],
 *                                       "framesSent","ticksConflated","bytesQueued"}]: the open feed connections
 * </pre>
 */
final class ServerApi {
    private final FeedRuntime runtime;

    ServerApi(final FeedRuntime runtime) {
        this.runtime = runtime;
    }

    void register(final HttpRoutes routes) {
        routes.add(HttpMethod.GET, "/health", ex -> json(HttpResponseStatus.OK,
                JSON.createObjectNode().put("status", "ok")))
            .add(HttpMethod.GET, "/connections", ex -> json(HttpResponseStatus.OK, connections()));
    }

    /** The open feed connections and their counters; racy snapshots of each, which is all a monitor needs. */
    private ArrayNode connections() {
        final ArrayNode list = JSON.createArrayNode();
        for (final FeedFrameHandler c : runtime.connections()) {
            final ObjectNode node = list.addObject()
                .put("remoteAddress", c.remoteAddress())
                .put("framesSent", c.framesSent())
                .put("ticksConflated", c.ticksConflated())
                .put("bytesQueued", c.bytesQueued());
            final ArrayNode subscriptions = node.putArray("subscriptions");
            for (final FeedFrameHandler.SubscriptionView s : c.subscriptionViews()) {
                subscriptions.addObject()
                    .put("simulationId", s.simulationId())
                    .put("policy", s.policy())
                    .put("services", s.services());
            }
        }
        return list;
    }
}
