package io.tickwire.codec;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The feed's message table against the schema XML itself, read here with the JDK's parser and block lengths added
 * up from the primitive types: every message of the schema but the engine's internal ones is in the table, with its
 * template id, root block length and direction ("Client to server" in its description), and nothing else is.
 */
class FeedMessageTest {
    /** The engine's own messages (its rings, the journal's internals): never on the feed. */
    private static final Set<String> INTERNAL = Set.of("MetricSample", "ServiceGauge", "WorkerTickEnd",
        "EndToEndSample", "WorkerReplicaEvent", "ReplicaGauge", "ObservedSamples", "TickDue",
        "WorkerBreakerEvent", "ResilienceGauge");
    /** The WebSocket ingest protocol's messages (/ingest, see IngestMessage): not the feed's either. */
    private static final Set<String> INGEST = Set.of("SeriesDeclaration", "SampleBatch", "IngestStatus",
        "IngestNack");
    private static final Map<String, Integer> PRIMITIVE_SIZE = Map.of("int8", 1, "uint8", 1, "int16", 2,
        "uint16", 2, "int32", 4, "uint32", 4, "int64", 8, "uint64", 8, "double", 8);

    private record SchemaMessage(String name, int id, int blockLength, boolean fromClient, int firstSinceV3Offset) {
    }

    @Test
    void shouldListEveryFeedMessageOfTheSchemaWithItsTemplateIdBlockLengthAndSender() throws Exception {
        final Map<String, SchemaMessage> schema = parseSchema();
        final Map<String, SchemaMessage> feed = new TreeMap<>(schema);
        feed.keySet().removeAll(INTERNAL);
        feed.keySet().removeAll(INGEST);
        assertThat(schema.keySet()).containsAll(INTERNAL).containsAll(INGEST);

        final Set<String> table = new TreeSet<>();
        for (final FeedMessage m : FeedMessage.values()) {
            table.add(m.schemaName());
            final SchemaMessage s = feed.get(m.schemaName());
            assertThat(s).as("%s in the schema", m).isNotNull();
            assertThat(m.templateId()).as("%s template id", m).isEqualTo(s.id());
            assertThat(m.blockLength()).as("%s block length", m).isEqualTo(s.blockLength());
            assertThat(m.isRequest()).as("%s sent by clients", m).isEqualTo(s.fromClient());
            assertThat(FeedMessage.of(s.id())).isSameAs(m);
        }
        assertThat(table).isEqualTo(feed.keySet());
    }

    @Test
    void shouldFindNoFeedMessageForOtherTemplates() throws Exception {
        for (final SchemaMessage s : parseSchema().values()) {
            if (INTERNAL.contains(s.name()) || INGEST.contains(s.name())) {
                assertThat(FeedMessage.of(s.id())).as(s.name()).isNull();
            }
        }
        assertThat(FeedMessage.of(-1)).isNull();
        assertThat(FeedMessage.of(60_000)).isNull();
        assertThat(FeedMessage.fromClient(FeedMessage.TICK_SUMMARY.templateId())).isNull();
        assertThat(FeedMessage.fromClient(40)).isSameAs(FeedMessage.SUBSCRIBE);
    }

    @Test
    void shouldAcceptTheShorterBlockOfAVersionTwoSubscribe() throws Exception {
        final SchemaMessage subscribe = parseSchema().get("Subscribe");
        assertThat(FeedMessage.SUBSCRIBE.minBlockLength(2)).isEqualTo(subscribe.firstSinceV3Offset()).isEqualTo(24);
        assertThat(FeedMessage.SUBSCRIBE.minBlockLength(3)).isEqualTo(subscribe.blockLength());
        assertThat(FeedMessage.PING.minBlockLength(2)).isEqualTo(FeedMessage.PING.blockLength());
    }

    @Test
    void shouldPairEachRequestWithItsAnswerAndNameThemForARefusal() {
        assertThat(FeedMessage.SUBSCRIBE.answer()).isEqualTo(FeedMessage.SUBSCRIBED);
        assertThat(FeedMessage.UNSUBSCRIBE.answer()).isEqualTo(FeedMessage.UNSUBSCRIBED);
        assertThat(FeedMessage.LIST_SIMULATIONS.answer()).isEqualTo(FeedMessage.SIMULATION_LIST);
        assertThat(FeedMessage.PING.answer()).isEqualTo(FeedMessage.PONG);
        assertThat(FeedMessage.clientMessages())
            .isEqualTo("Subscribe (40), Unsubscribe (41), ListSimulations (42) or Ping (43)");
        assertThat(FeedMessage.PONG.fixedLength()).isEqualTo(Schema.HEADER_LENGTH + 24);
    }

    /** Every message of the schema: its id, root block length (fields before the first group or data) and sender. */
    private static Map<String, SchemaMessage> parseSchema() throws Exception {
        final Document doc;
        try (InputStream in = FeedMessageTest.class.getResourceAsStream("/sbe/tickwire-schema.xml")) {
            assertThat(in).as("the schema on the classpath").isNotNull();
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            doc = factory.newDocumentBuilder().parse(in);
        }
        final Map<String, String> primitives = new HashMap<>();
        for (final Element type : elements(doc.getElementsByTagName("type"))) {
            if (type.getParentNode() instanceof Element parent && "types".equals(parent.getLocalName())) {
                primitives.put(type.getAttribute("name"), type.getAttribute("primitiveType"));
            }
        }
        for (final Element e : elements(doc.getElementsByTagName("enum"))) {
            primitives.put(e.getAttribute("name"), e.getAttribute("encodingType"));
        }
        final Map<String, SchemaMessage> messages = new LinkedHashMap<>();
        for (final Element m : elements(doc.getElementsByTagNameNS("*", "message"))) {
            int offset = 0;
            int firstSinceV3 = -1;
            for (Node n = m.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (!(n instanceof Element field) || !"field".equals(field.getLocalName())) {
                    continue; // groups and data follow the root block
                }
                final String type = field.getAttribute("type");
                final String primitive = PRIMITIVE_SIZE.containsKey(type) ? type : primitives.get(type);
                assertThat(primitive).as("type %s of %s", type, field.getAttribute("name")).isNotNull();
                if (firstSinceV3 < 0 && "3".equals(field.getAttribute("sinceVersion"))) {
                    firstSinceV3 = offset;
                }
                offset += PRIMITIVE_SIZE.get(primitive);
            }
            final String name = m.getAttribute("name");
            messages.put(name, new SchemaMessage(name, Integer.parseInt(m.getAttribute("id")), offset,
                m.getAttribute("description").startsWith("Client to server"), firstSinceV3));
        }
        return messages;
    }

    private static Iterable<Element> elements(final NodeList list) {
        final List<Element> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element)list.item(i));
        }
        return out;
    }
}
