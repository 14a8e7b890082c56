package io.tickwire.codec;

import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.BreakerEventDecoder;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.CatalogUpdateDecoder;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.HeartbeatDecoder;
import io.tickwire.sbe.ListSimulationsDecoder;
import io.tickwire.sbe.LiveEditAppliedDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.PingDecoder;
import io.tickwire.sbe.PongDecoder;
import io.tickwire.sbe.ReplicaEventDecoder;
import io.tickwire.sbe.ScaleDecisionDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.SimulationListDecoder;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.UnsubscribeDecoder;
import io.tickwire.sbe.UnsubscribedDecoder;

import java.util.ArrayList;
import java.util.List;

/**
 * The messages of the binary WebSocket feed, in one table: each one's template id and root block length (from the
 * generated codecs, so from the schema), who sends it, and which answer a request gets. The server's frame handler,
 * its message builders and the Java client dispatch on it; {@code FeedMessageTest} checks it against the schema XML
 * and {@code JsCodecInteropTest} checks the browser decoder's table against it.
 * <pre>
 *   client ─► server   Subscribe 40, Unsubscribe 41, ListSimulations 42, Ping 43
 *   server ─► client   TickSummary 10, Catalog 20, Heartbeat 30, SimulationEnd 31, GapNotice 32,
 *                      Subscribed 44, Unsubscribed 45, SimulationList 46, Pong 47, Error 50,
 *                      CatalogUpdate 71 (an observed run's new rows, before the first tick holding them); the events
 *                      ({@link EventMessages}): ReplicaEvent 62, ScaleDecision 65, FaultEvent 66, LiveEditApplied 67,
 *                      BreakerEvent 81, AlertEvent 83
 * </pre>
 * Templates 1 to 4, 60, 61, 70, 76, 80 and 82 are the engine's own (its rings) and never on the feed; 72 to 75 are
 * the WebSocket ingest protocol's ({@code /ingest}).
 * <p>
 * {@link #of(int)} and {@link #fromClient(int)} are array lookups: no allocation, for the receive paths.
 */
public enum FeedMessage {
    TICK_SUMMARY("TickSummary", TickSummaryDecoder.TEMPLATE_ID, TickSummaryDecoder.BLOCK_LENGTH, Sender.SERVER),
    CATALOG("Catalog", CatalogDecoder.TEMPLATE_ID, CatalogDecoder.BLOCK_LENGTH, Sender.SERVER),
    HEARTBEAT("Heartbeat", HeartbeatDecoder.TEMPLATE_ID, HeartbeatDecoder.BLOCK_LENGTH, Sender.SERVER),
    SIMULATION_END("SimulationEnd", SimulationEndDecoder.TEMPLATE_ID, SimulationEndDecoder.BLOCK_LENGTH,
        Sender.SERVER),
    GAP_NOTICE("GapNotice", GapNoticeDecoder.TEMPLATE_ID, GapNoticeDecoder.BLOCK_LENGTH, Sender.SERVER),
    SUBSCRIBED("Subscribed", SubscribedDecoder.TEMPLATE_ID, SubscribedDecoder.BLOCK_LENGTH, Sender.SERVER),
    UNSUBSCRIBED("Unsubscribed", UnsubscribedDecoder.TEMPLATE_ID, UnsubscribedDecoder.BLOCK_LENGTH, Sender.SERVER),
    SIMULATION_LIST("SimulationList", SimulationListDecoder.TEMPLATE_ID, SimulationListDecoder.BLOCK_LENGTH,
        Sender.SERVER),
    PONG("Pong", PongDecoder.TEMPLATE_ID, PongDecoder.BLOCK_LENGTH, Sender.SERVER),
    ERROR("Error", ErrorDecoder.TEMPLATE_ID, ErrorDecoder.BLOCK_LENGTH, Sender.SERVER),
    REPLICA_EVENT("ReplicaEvent", ReplicaEventDecoder.TEMPLATE_ID, ReplicaEventDecoder.BLOCK_LENGTH, Sender.SERVER),
    BREAKER_EVENT("BreakerEvent", BreakerEventDecoder.TEMPLATE_ID, BreakerEventDecoder.BLOCK_LENGTH, Sender.SERVER),
    ALERT_EVENT("AlertEvent", AlertEventDecoder.TEMPLATE_ID, AlertEventDecoder.BLOCK_LENGTH, Sender.SERVER),
    CATALOG_UPDATE("CatalogUpdate", CatalogUpdateDecoder.TEMPLATE_ID, CatalogUpdateDecoder.BLOCK_LENGTH,
        Sender.SERVER),
    SCALE_DECISION("ScaleDecision", ScaleDecisionDecoder.TEMPLATE_ID, ScaleDecisionDecoder.BLOCK_LENGTH,
        Sender.SERVER),
    FAULT_EVENT("FaultEvent", FaultEventDecoder.TEMPLATE_ID, FaultEventDecoder.BLOCK_LENGTH, Sender.SERVER),
    LIVE_EDIT_APPLIED("LiveEditApplied", LiveEditAppliedDecoder.TEMPLATE_ID, LiveEditAppliedDecoder.BLOCK_LENGTH,
        Sender.SERVER),

    SUBSCRIBE("Subscribe", SubscribeDecoder.TEMPLATE_ID, SubscribeDecoder.BLOCK_LENGTH, Sender.CLIENT) {
        @Override
        public int minBlockLength(final int actingVersion) {
            // The policy (and the services data after the block) came with version 3.
            return actingVersion >= SubscribeDecoder.policySinceVersion() ? SubscribeDecoder.BLOCK_LENGTH
                : SubscribeDecoder.policyEncodingOffset();
        }
    },
    UNSUBSCRIBE("Unsubscribe", UnsubscribeDecoder.TEMPLATE_ID, UnsubscribeDecoder.BLOCK_LENGTH, Sender.CLIENT),
    LIST_SIMULATIONS("ListSimulations", ListSimulationsDecoder.TEMPLATE_ID, ListSimulationsDecoder.BLOCK_LENGTH,
        Sender.CLIENT),
    PING("Ping", PingDecoder.TEMPLATE_ID, PingDecoder.BLOCK_LENGTH, Sender.CLIENT);

    /** Who puts a message on the feed. */
    public enum Sender {
        CLIENT,
        SERVER
    }

    private static final FeedMessage[] BY_TEMPLATE_ID;

    static {
        int max = 0;
        for (final FeedMessage m : values()) {
            max = Math.max(max, m.templateId);
        }
        BY_TEMPLATE_ID = new FeedMessage[max + 1];
        for (final FeedMessage m : values()) {
            if (BY_TEMPLATE_ID[m.templateId] != null) {
                throw new IllegalStateException("template " + m.templateId + " twice: " + m + ", "
                    + BY_TEMPLATE_ID[m.templateId]);
            }
            BY_TEMPLATE_ID[m.templateId] = m;
        }
    }

    private final String schemaName;
    private final int templateId;
    private final int blockLength;
    private final Sender sender;

    FeedMessage(final String schemaName, final int templateId, final int blockLength, final Sender sender) {
        this.schemaName = schemaName;
        this.templateId = templateId;
        this.blockLength = blockLength;
        this.sender = sender;
    }

    /** The feed message of {@code templateId}, or null for any other template (an engine-internal or a newer one). */
    public static FeedMessage of(final int templateId) {
        return templateId >= 0 && templateId < BY_TEMPLATE_ID.length ? BY_TEMPLATE_ID[templateId] : null;
    }

    /** The client message (a request) of {@code templateId}, or null if clients do not send it. */
    public static FeedMessage fromClient(final int templateId) {
        final FeedMessage m = of(templateId);
        return m != null && m.sender == Sender.CLIENT ? m : null;
    }

    /** The messages clients send, as the server names them in a refusal: "Subscribe (40), ... or Ping (43)". */
    public static String clientMessages() {
        final List<String> names = new ArrayList<>();
        for (final FeedMessage m : values()) {
            if (m.sender == Sender.CLIENT) {
                names.add(m.schemaName + " (" + m.templateId + ")");
            }
        }
        final int last = names.size() - 1;
        return String.join(", ", names.subList(0, last)) + " or " + names.get(last);
    }

    /** The message's name in the schema, e.g. {@code TickSummary}. */
    public String schemaName() {
        return schemaName;
    }

    public int templateId() {
        return templateId;
    }

    /** The root block length this schema version writes. */
    public int blockLength() {
        return blockLength;
    }

    /** The root block a message of {@code actingVersion} must hold: smaller for an older version of a grown block. */
    public int minBlockLength(final int actingVersion) {
        return blockLength;
    }

    /** Header and root block: the whole message when it has no groups and no var data. */
    public int fixedLength() {
        return MessageHeaderDecoder.ENCODED_LENGTH + blockLength;
    }

    public Sender sender() {
        return sender;
    }

    public boolean isRequest() {
        return sender == Sender.CLIENT;
    }

    /** What the server answers to this request when it can serve it (it may answer {@link #ERROR} instead). */
    public FeedMessage answer() {
        return switch (this) {
            case SUBSCRIBE -> SUBSCRIBED;
            case UNSUBSCRIBE -> UNSUBSCRIBED;
            case LIST_SIMULATIONS -> SIMULATION_LIST;
            case PING -> PONG;
            default -> throw new IllegalStateException(this + " is not a request");
        };
    }
}
