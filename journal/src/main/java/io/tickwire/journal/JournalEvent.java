package io.tickwire.journal;

import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.BreakerEventDecoder;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.LiveEditAppliedDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.ReplicaEventDecoder;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.ScaleDecisionDecoder;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One event of the audit trail, decoded for people and tools ({@code tickwire events}, {@code report}, the HTML
 * report): its tick and time, its type ({@code scale}, {@code fault}, {@code edit}, {@code replica}), its kind within
 * the type, the services it concerns, a line of text, and every field of the message by name (the JSON of
 * {@code tickwire events --json}). Allocates: for tools, not for hot paths.
 *
 * @param tick      the tick it follows (a decision's: the tick it takes effect at).
 * @param simTimeNs when, in simulated ns.
 * @param type      {@code scale}, {@code fault}, {@code edit}, {@code replica}, {@code breaker} or {@code alert}.
 * @param kind      within the type, lower case: {@code hpa}/{@code threshold}, {@code started}/{@code ended},
 *                  {@code patch}/{@code fault_add}/{@code fault_end}, {@code starting}/{@code ready}/...
 * @param serviceId the service it concerns, -1 for none (a live edit, a load spike).
 * @param peerId    a partition's other service; else -1.
 * @param text      one line, without tick and time.
 * @param fields    every field, named as in the schema (services by name), in schema order.
 */
public record JournalEvent(long tick, long simTimeNs, String type, String kind, int serviceId, int peerId,
                           String text, Map<String, Object> fields) {
    public static final String SCALE = "scale";
    public static final String FAULT = "fault";
    public static final String EDIT = "edit";
    public static final String REPLICA = "replica";
    public static final String BREAKER = "breaker";
    public static final String ALERT = "alert";

    /** The event at {@code offset}, its service ids named by {@code names}; null for a template that is no event. */
    public static JournalEvent decode(final DirectBuffer buffer, final int offset, final CatalogInfo names) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        final int at = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int block = header.blockLength();
        final int version = header.version();
        final Map<String, Object> f = new LinkedHashMap<>();
        switch (header.templateId()) {
            case ReplicaEventDecoder.TEMPLATE_ID -> {
                final ReplicaEventDecoder d = new ReplicaEventDecoder().wrap(buffer, at, block, version);
                final String service = name(names, d.serviceId());
                final ReplicaEventKind k = d.kind();
                f.put("type", REPLICA);
                f.put("tick", d.tick());
                f.put("simTimeNs", d.simTimeNs());
                f.put("service", service);
                f.put("replica", d.replica());
                f.put("kind", lower(k.name()));
                f.put("detail", d.detail());
                return new JournalEvent(d.tick(), d.simTimeNs(), REPLICA, lower(k.name()), d.serviceId(), -1,
                    service + "#" + d.replica() + " " + lower(k.name()) + replicaDetail(k, d.detail()), f);
            }
            case BreakerEventDecoder.TEMPLATE_ID -> {
                final BreakerEventDecoder d = new BreakerEventDecoder().wrap(buffer, at, block, version);
                final String service = name(names, d.serviceId());
                final String callee = name(names, d.callee());
                final String to = lower(d.toState().name());
                f.put("type", BREAKER);
                f.put("tick", d.tick());
                f.put("simTimeNs", d.simTimeNs());
                f.put("service", service);
                f.put("call", d.call());
                f.put("callee", callee);
                f.put("from", lower(d.fromState().name()));
                f.put("to", to);
                f.put("failureRate", d.failureRate() < 0 ? null : d.failureRate() / 100.0);
                f.put("slowCallRate", d.slowCallRate() < 0 ? null : d.slowCallRate() / 100.0);
                return new JournalEvent(d.tick(), d.simTimeNs(), BREAKER, to, d.serviceId(), d.callee(),
                    "breaker " + service + " -> " + callee + " " + lower(d.fromState().name()) + " -> " + to
                        + (d.failureRate() < 0 ? "" : " (failure rate " + d.failureRate() / 100.0 + "%, slow "
                        + d.slowCallRate() / 100.0 + "%)"), f);
            }
            case AlertEventDecoder.TEMPLATE_ID -> {
                final AlertEventDecoder d = new AlertEventDecoder().wrap(buffer, at, block, version);
                final String from = lower(d.fromState().name());
                final String to = alertKind(d.fromState(), d.toState());
                final String service = d.serviceId() < 0 ? null : name(names, d.serviceId());
                final String rule = d.name();
                f.put("type", ALERT);
                f.put("tick", d.tick());
                f.put("simTimeNs", d.simTimeNs());
                f.put("rule", d.rule());
                f.put("name", rule);
                f.put("from", from);
                f.put("to", lower(d.toState().name()));
                f.put("value", finite(d.value()));
                f.put("activeSinceNs", d.activeSinceNs());
                f.put("service", service);
                return new JournalEvent(d.tick(), d.simTimeNs(), ALERT, to, d.serviceId(), -1,
                    "alert " + rule + " " + from + " -> " + to + (service == null ? "" : " on " + service)
                        + " (value " + (Double.isNaN(d.value()) ? "none" : String.format(Locale.ROOT, "%.6g",
                        d.value())) + ", active since " + String.format(Locale.ROOT, "%.3fs",
                        d.activeSinceNs() / 1e9) + ")", f);
            }
            case ScaleDecisionDecoder.TEMPLATE_ID -> {
                final ScaleDecisionDecoder d = new ScaleDecisionDecoder().wrap(buffer, at, block, version);
                final String service = name(names, d.serviceId());
                final String algorithm = lower(d.algorithm().name());
                f.put("type", SCALE);
                f.put("tick", d.tick());
                f.put("simTimeNs", d.simTimeNs());
                f.put("service", service);
                f.put("algorithm", algorithm);
                f.put("limitedBy", lower(d.limitedBy().name()));
                f.put("from", d.fromReplicas());
                f.put("to", d.toReplicas());
                f.put("recommended", d.recommendedReplicas());
                f.put("stabilized", d.stabilizedReplicas());
                f.put("ready", d.readyReplicas());
                f.put("windowFirstTick", d.windowFirstTick());
                f.put("windowLastTick", d.windowLastTick());
                f.put("decidingMetric", (int)d.decidingMetric());
                final java.util.List<Map<String, Object>> metrics = new java.util.ArrayList<>();
                for (final ScaleDecisionDecoder.MetricsDecoder m : d.metrics()) {
                    final Map<String, Object> one = new LinkedHashMap<>();
                    one.put("metric", lower(m.metric().name()));
                    one.put("targetType", lower(m.targetType().name()));
                    one.put("value", finite(m.value()));
                    one.put("target", finite(m.target()));
                    one.put("ratio", finite(m.ratio()));
                    one.put("proposal", m.proposal());
                    metrics.add(one);
                }
                f.put("metrics", metrics);
                final String reason = d.reason();
                f.put("reason", reason);
                return new JournalEvent(d.tick(), d.simTimeNs(), SCALE, algorithm, d.serviceId(), -1,
                    service + " " + d.fromReplicas() + " -> " + d.toReplicas() + " (" + algorithm + ": " + reason + ")",
                    f);
            }
            case FaultEventDecoder.TEMPLATE_ID -> {
                final FaultEventDecoder d = new FaultEventDecoder().wrap(buffer, at, block, version);
                final String phase = lower(d.phase().name());
                f.put("type", FAULT);
                f.put("tick", d.tick());
                f.put("simTimeNs", d.simTimeNs());
                f.put("faultId", d.faultId());
                f.put("phase", phase);
                f.put("kind", lower(d.kind().name()));
                f.put("origin", lower(d.origin().name()));
                f.put("service", d.serviceId() < 0 ? null : name(names, d.serviceId()));
                f.put("peerService", d.peerServiceId() < 0 ? null : name(names, d.peerServiceId()));
                f.put("source", d.sourceId() < 0 ? null : sourceName(names, d.sourceId()));
                f.put("count", d.count());
                f.put("factor", finite(d.factor()));
                f.put("addedNs", d.addedNs());
                f.put("rate", finite(d.rate()));
                f.put("mode", (int)d.mode());
                f.put("durationNs", d.durationNs());
                final String description = d.description();
                f.put("description", description);
                return new JournalEvent(d.tick(), d.simTimeNs(), FAULT, phase, d.serviceId(), d.peerServiceId(),
                    "fault #" + d.faultId() + " " + phase + ": " + description
                        + (d.origin() == io.tickwire.sbe.ControlOrigin.LIVE ? " (live)" : ""), f);
            }
            case LiveEditAppliedDecoder.TEMPLATE_ID -> {
                final LiveEditAppliedDecoder d = new LiveEditAppliedDecoder().wrap(buffer, at, block, version);
                final String kind = lower(d.kind().name());
                final byte[] body = new byte[d.bodyLength()];
                d.getBody(body, 0, body.length);
                final String json = new String(body, StandardCharsets.UTF_8);
                f.put("type", EDIT);
                f.put("tick", d.tick());
                f.put("simTimeNs", d.simTimeNs());
                f.put("editId", d.editId());
                f.put("kind", kind);
                f.put("body", json);
                return new JournalEvent(d.tick(), d.simTimeNs(), EDIT, kind, -1, -1,
                    "edit #" + d.editId() + " " + kind + " " + json, f);
            }
            default -> {
                return null;
            }
        }
    }

    /** Whether it concerns the service with id {@code serviceId}. */
    public boolean concerns(final int serviceId) {
        return this.serviceId == serviceId || peerId == serviceId;
    }

    /**
     * Whether {@code kind}, as {@code tickwire events --kind} takes it, selects this event: a type ({@code scale},
     * {@code fault}, {@code edit}, {@code replica}, {@code breaker}, {@code alert}) or a kind within one
     * ({@code crashed}, {@code started}, {@code firing}, ...).
     */
    public boolean is(final String kind) {
        final String k = kind.toLowerCase(Locale.ROOT).replace('-', '_');
        return k.equals(type) || k.equals(this.kind) || (REPLICA.equals(type) && "killed".equals(k)
            && "killed_after_grace".equals(this.kind));
    }

    /** The kinds {@link #is} knows, for messages. */
    public static final String KINDS = "scale, fault, edit, replica, breaker; hpa, threshold; started, ended; patch, "
        + "fault_add, fault_end; starting, ready, crashed, unhealthy, replaced, draining, removed, killed; closed, "
        + "open, half_open; alert; pending, firing, resolved, inactive";

    /** An alert event's kind: the state it enters, {@code resolved} for a firing alert's end. */
    private static String alertKind(final AlertState from, final AlertState to) {
        return from == AlertState.FIRING && to == AlertState.INACTIVE ? "resolved" : lower(to.name());
    }

    private static String replicaDetail(final ReplicaEventKind kind, final int detail) {
        return switch (kind) {
            case STARTING -> detail == 1 ? " (scale-out)" : detail == 2 ? " (replacement)" : "";
            case CRASHED -> detail == 1 ? " (failure model)" : detail == 2 ? " (crash fault)" : "";
            case UNHEALTHY -> " (" + detail + " failed probes)";
            case REPLACED -> " (by #" + detail + ")";
            case KILLED_AFTER_GRACE -> " (" + detail + " requests failed)";
            default -> "";
        };
    }

    private static Object finite(final double v) {
        return Double.isFinite(v) ? (Object)v : null;
    }

    private static String lower(final String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static String name(final CatalogInfo names, final int id) {
        return names != null && id >= 0 && id < names.serviceCount() ? names.name(id) : "#" + id;
    }

    private static String sourceName(final CatalogInfo names, final int id) {
        return names != null && id < names.sourceCount() ? names.sourceName(id) : "#" + id;
    }
}
