package io.tickwire.engine.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.FaultSpec;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.sbe.EditKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Validates live edits of a run against the diagram as every edit accepted so far left it, exactly as a diagram is
 * validated (the patched diagram is read by {@link DiagramLoader}; problems name the field path), and refuses what
 * cannot change while a simulation runs, naming the path and why. Nothing of a refused edit is kept.
 * <p>
 * Live: a service's {@code replicas}, {@code concurrency}, {@code latency} and {@code failureRate}; an open,
 * unscheduled load's {@code rate}; {@code autoscale} (bounds, metrics, rules; a service scaled from the start only,
 * within the window it started with); {@code faults} (entries dropped end now, entries added are scheduled, at once
 * if their start has passed). Faults are also added and ended one by one ({@link EditKind#FAULT_ADD},
 * {@link EditKind#FAULT_END}).
 * <p>
 * <b>Thread-safe</b>: {@link #prepare} then {@link #accept} (or nothing, to drop it), both under this object's lock,
 * so that edits are validated, numbered and kept in the order they are handed to the orchestrator.
 */
public final class LiveEdits {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LIVE_SERVICE_FIELD =
        Pattern.compile("services\\[\\d+]\\.(replicas|concurrency|failureRate|latency)([.\\[].*)?");
    private static final Pattern LOAD_RATE = Pattern.compile("load\\[\\d+]\\.rate");
    private static final Pattern OPERATIONS = Pattern.compile("(autoscale|faults)([.\\[].*)?");
    private static final Pattern SERVICE_FIELD = Pattern.compile("services\\[\\d+]\\.([A-Za-z]+).*");
    private static final Pattern LOAD_FIELD = Pattern.compile("load\\[\\d+]\\.([A-Za-z]+).*");

    private final long tickLengthNs;
    /** Services whose closed ticks the aggregator keeps, and how many: only they may be autoscaled. */
    private final int[] windowCapacityTicks;
    private JsonNode tree;
    private Diagram diagram;
    private int[] faultIds;
    private int nextEditId = 1;
    private int nextFaultId;
    // What the last prepare() would make of the state: accept() keeps it.
    private JsonNode stagedTree;
    private Diagram stagedDiagram;
    private int[] stagedFaultIds;
    private final DiagramLimits limits;
    private int stagedNextFaultId;
    private PreparedEdit staged;

    /**
     * @param diagram             the run's diagram; its source is the text edits apply to (null: no live edit).
     * @param windowCapacityTicks per service, the closed ticks kept for its autoscaler (0: none).
     */
    public LiveEdits(final Diagram diagram, final int[] windowCapacityTicks) {
        this(diagram, windowCapacityTicks, DiagramLimits.DEFAULT);
    }

    /**
     * @param limits what an edited diagram must stay within (visits per second, pending events): the limits the run
     *               was launched under.
     */
    public LiveEdits(final Diagram diagram, final int[] windowCapacityTicks, final DiagramLimits limits) {
        this.diagram = diagram;
        this.limits = limits;
        this.tickLengthNs = diagram.tickLengthNs();
        this.windowCapacityTicks = windowCapacityTicks.clone();
        faultIds = new int[diagram.faults().size()];
        for (int i = 0; i < faultIds.length; i++) {
            faultIds[i] = i;
        }
        nextFaultId = faultIds.length;
    }

    /** The diagram as every accepted edit left it. */
    public synchronized Diagram diagram() {
        return diagram;
    }

    /**
     * Validate and number an edit; nothing is kept until {@link #accept} (the caller has handed it over).
     *
     * @param body PATCH: a JSON merge patch (an object); FAULT_ADD: a fault as in {@code faults}, {@code at} optional;
     *             FAULT_END: {@code {"id": n}}.
     * @throws DiagramException with every problem, each {@code path: what}; nothing is kept.
     */
    public synchronized PreparedEdit prepare(final EditKind kind, final String body) throws DiagramException {
        final JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (final JsonProcessingException ex) {
            throw new DiagramException("", "not valid JSON: " + ex.getOriginalMessage());
        }
        if (json == null || json.isMissingNode()) {
            throw new DiagramException("", "an empty body: send a JSON object");
        }
        final String compact = json.toString();
        stagedTree = tree;
        stagedDiagram = diagram;
        stagedFaultIds = faultIds;
        stagedNextFaultId = nextFaultId;
        staged = switch (kind) {
            case PATCH -> patch(json, compact);
            case FAULT_ADD -> addFault(json, compact);
            case FAULT_END -> endFault(json, compact);
            default -> throw new DiagramException("", "unknown edit kind " + kind);
        };
        return staged;
    }

    /** Keep {@code edit}, the last one {@link #prepare}d: the next edit applies to the diagram it makes. */
    public synchronized void accept(final PreparedEdit edit) {
        if (edit != staged) {
            throw new IllegalStateException("edit " + edit.editId() + " is not the one last prepared");
        }
        tree = stagedTree;
        diagram = stagedDiagram;
        faultIds = stagedFaultIds;
        nextFaultId = stagedNextFaultId;
        nextEditId = edit.editId() + 1;
        staged = null;
    }

    private PreparedEdit patch(final JsonNode patch, final String body) throws DiagramException {
        if (!patch.isObject()) {
            throw new DiagramException("", "a merge patch on a diagram is a JSON object (got " + abbreviate(body)
                + ")");
        }
        if (tree == null) {
            if (diagram.source() == null) {
                throw new DiagramException("", "this run's diagram has no source text to patch");
            }
            tree = DiagramLoader.tree(diagram.source());
            stagedTree = tree;
        }
        final JsonNode patched = MergePatch.apply(tree, patch);
        final Diagram after = DiagramLoader.parseTree(patched, patched.toString(), limits);
        final List<String> changed = new ArrayList<>();
        MergePatch.differences("", tree, patched, changed);
        final List<String> refused = new ArrayList<>();
        for (final String path : changed) {
            final String why = refusal(path);
            if (why != null) {
                refused.add(path + ": cannot change while the simulation runs: " + why);
            }
        }
        checkLive(after, refused);
        if (!refused.isEmpty()) {
            throw new DiagramException(refused);
        }
        // The faults list: entries that stay (same index, same fault) keep their id; the others end or are added.
        final List<Integer> ended = new ArrayList<>();
        final List<FaultSpec> added = new ArrayList<>();
        final List<Integer> addedIds = new ArrayList<>();
        final List<FaultSpec> was = diagram.faults();
        final List<FaultSpec> now = after.faults();
        final int[] ids = new int[now.size()];
        for (int i = 0; i < Math.max(was.size(), now.size()); i++) {
            final boolean same = i < was.size() && i < now.size() && was.get(i).equals(now.get(i));
            if (same) {
                ids[i] = faultIds[i];
                continue;
            }
            if (i < was.size()) {
                ended.add(faultIds[i]);
            }
            if (i < now.size()) {
                ids[i] = stagedNextFaultId++;
                added.add(now.get(i));
                addedIds.add(ids[i]);
            }
        }
        final Diagram before = diagram;
        stagedTree = patched;
        stagedDiagram = after;
        stagedFaultIds = ids;
        return new PreparedEdit(nextEditId, EditKind.PATCH, body, before, after, -1, null, ended, added, addedIds,
            new CompletableFuture<>());
    }

    private PreparedEdit addFault(final JsonNode json, final String body) throws DiagramException {
        final FaultSpec fault = DiagramLoader.parseFault(json, diagram);
        return new PreparedEdit(nextEditId, EditKind.FAULT_ADD, body, null, null, stagedNextFaultId++, fault,
            List.of(), List.of(), List.of(), new CompletableFuture<>());
    }

    private PreparedEdit endFault(final JsonNode json, final String body) throws DiagramException {
        final JsonNode id = json.get("id");
        if (id == null || !id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0
            || id.asInt() >= nextFaultId) {
            throw new DiagramException("id", "must be the id of a fault of this run, 0 to " + (nextFaultId - 1)
                + " (got " + id + ")");
        }
        return new PreparedEdit(nextEditId, EditKind.FAULT_END, body, null, null, id.asInt(), null, List.of(),
            List.of(), List.of(), new CompletableFuture<>());
    }

    /** What a live edit of the diagram may not do beyond the fields it may not touch. */
    private void checkLive(final Diagram after, final List<String> refused) {
        for (int l = 0; l < Math.min(after.load().size(), diagram.load().size()); l++) {
            final LoadSpec was = diagram.load().get(l);
            final LoadSpec now = after.load().get(l);
            if (was.ratePerSec() != now.ratePerSec() && was.isScheduled()) {
                refused.add("load[" + l + "].rate: cannot change while the simulation runs: its schedule sets the "
                    + "rate (only an unscheduled open load's rate changes live)");
            }
        }
        for (int a = 0; a < after.autoscale().size(); a++) {
            final AutoscaleSpec spec = after.autoscale().get(a);
            final int capacity = windowCapacityTicks[spec.service()];
            if (capacity == 0) {
                refused.add("autoscale[" + a + "].service: cannot change while the simulation runs: '"
                    + spec.serviceName() + "' had no autoscaler when the run started, so its closed ticks are not "
                    + "kept");
            } else if (ticks(spec.windowNs()) > capacity) {
                refused.add("autoscale[" + a + "].window: cannot change while the simulation runs: at most "
                    + capacity + " ticks are kept for '" + spec.serviceName() + "' (got " + ticks(spec.windowNs())
                    + ")");
            }
        }
    }

    /** Why the field at {@code path} may not change live; null if it may. */
    static String refusal(final String path) {
        if (LIVE_SERVICE_FIELD.matcher(path).matches() || LOAD_RATE.matcher(path).matches()
            || OPERATIONS.matcher(path).matches()) {
            return null;
        }
        if (path.equals("alerts") || path.startsWith("alerts[") || path.startsWith("alerts.")) {
            return "alert rules are fixed when the run starts (their indexes and states are on the feed and in the "
                + "journal)";
        }
        switch (path) {
            case "name", "tick", "seed", "partitions" -> {
                return "it is fixed when the run starts";
            }
            case "services" -> {
                return "services cannot be added or removed";
            }
            case "load" -> {
                return "load sources cannot be added or removed";
            }

            default -> {
            }
        }
        final var service = SERVICE_FIELD.matcher(path);
        if (service.matches()) {
            return switch (service.group(1)) {
                case "name" -> "a service cannot be renamed (its id and name are on the feed)";
                case "calls", "fanout", "database" -> "the calls and databases decide the partitions";
                default -> "a service's live fields are replicas, concurrency, latency and failureRate";
            };
        }
        if (LOAD_FIELD.matcher(path).matches()) {
            return "a load's only live field is rate";
        }
        return "the live fields are services[i].replicas, .concurrency, .latency, .failureRate, load[i].rate, "
            + "autoscale and faults";
    }

    private long ticks(final long ns) {
        return (ns + tickLengthNs - 1) / tickLengthNs;
    }

    private static String abbreviate(final String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    /** For tests: the ids the accepted diagram's faults have. */
    synchronized int[] faultIds() {
        return Arrays.copyOf(faultIds, faultIds.length);
    }
}
