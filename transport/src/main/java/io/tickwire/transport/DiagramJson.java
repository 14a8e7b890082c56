package io.tickwire.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.journal.JournalLayout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A run's system as the dashboard draws it ({@code GET /simulations/{id}/diagram}): the structure the feed does not
 * carry. The feed's {@code Catalog} names the services and load sources; the calls between services are only in the
 * diagram, so the page takes them from here once per run:
 * <pre>
 *   {"name", "tickLengthNs",
 *    "services": [{"id", "name", "kind": "service"|"database", "replicas", "concurrency", "servers",
 *                  "queue" (capacity; null = unbounded), "failureRate", "meanNs", "owner" (a database's service)}],
 *    "calls":    [{"from", "to" (service ids), "mode": "sync"|"forward", "probability", "delayNs",
 *                  "timeoutNs" (0 = none), "attempts" (retries), "database" (a query of the caller's database)}],
 *    "sources":  [{"id" (the Catalog's sourceId), "name", "target", "arrivals": "poisson"|"constant"|"closed",
 *                  "ratePerSec", "users"}]}
 * </pre>
 * Ids are the Catalog's. Stateless but for a cache of the diagrams of replays (each parsed once from its journal's
 * {@value JournalLayout#DIAGRAM_FILE}); safe from any thread.
 */
final class DiagramJson {
    private final ObjectMapper json;
    private final Map<Path, Diagram> journaled = new ConcurrentHashMap<>();

    DiagramJson(final ObjectMapper json) {
        this.json = json;
    }

    /** The diagram a replay plays, from its journal (parsed once). */
    Diagram ofJournal(final Path journal) throws IOException, DiagramException {
        final Diagram known = journaled.get(journal);
        if (known != null) {
            return known;
        }
        final String source = Files.readString(journal.resolve(JournalLayout.DIAGRAM_FILE), StandardCharsets.UTF_8);
        final Diagram diagram = DiagramLoader.parse(source);
        journaled.put(journal, diagram);
        return diagram;
    }

    ObjectNode render(final Diagram diagram) {
        final ObjectNode body = json.createObjectNode().put("name", diagram.name()).put("tickLengthNs", diagram.tickLengthNs());
        final ArrayNode services = body.putArray("services");
        final ArrayNode calls = body.putArray("calls");
        for (final ServiceSpec s : diagram.services()) {
            final ObjectNode node = services.addObject()
                .put("id", s.id())
                .put("name", s.name())
                .put("kind", s.storage() != null ? "database" : "service")
                .put("replicas", s.replicas())
                .put("concurrency", s.concurrency())
                .put("servers", s.servers())
                .put("failureRate", s.failureRate())
                .put("meanNs", s.latency().meanNs());
            if (s.queueCapacity() == ServiceSpec.UNBOUNDED) {
                node.putNull("queue");
            } else {
                node.put("queue", s.queueCapacity());
            }
            int syncIndex = 0;
            for (final CallSpec c : s.calls()) {
                final boolean database = c.isSync() && syncIndex++ < s.databaseCalls();
                calls.addObject()
                    .put("from", s.id())
                    .put("to", c.target())
                    .put("mode", c.mode().name().toLowerCase(Locale.ROOT))
                    .put("probability", c.probability())
                    .put("delayNs", c.delayNs())
                    .put("timeoutNs", c.timeoutNs())
                    .put("attempts", c.retry().attempts())
                    .put("database", database);
            }
        }
        // A database is numbered after every service: name its owner once all nodes exist.
        for (final ServiceSpec s : diagram.services()) {
            int syncIndex = 0;
            for (final CallSpec c : s.calls()) {
                if (c.isSync() && syncIndex++ < s.databaseCalls()) {
                    ((ObjectNode)services.get(c.target())).put("owner", s.name());
                }
            }
        }
        final ArrayNode sources = body.putArray("sources");
        int id = 0;
        for (final LoadSpec l : diagram.load()) {
            sources.addObject()
                .put("id", id++)
                .put("name", l.name())
                .put("target", l.target())
                .put("arrivals", l.arrivals().name().toLowerCase(Locale.ROOT))
                .put("ratePerSec", l.ratePerSec())
                .put("users", l.users());
        }
        return body;
    }
}
