package io.tickwire.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.control.ControlEvents;
import io.tickwire.engine.control.PreparedEdit;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.sbe.EditKind;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Live edits over REST, for a run of the {@link SimulationRegistry}:
 * <pre>
 *   PATCH  /simulations/{id}                   body: a JSON merge patch (RFC 7386) on the run's diagram
 *   POST   /simulations/{id}/faults            body: a fault as in the diagram's faults ({@code at} optional: now)
 *   DELETE /simulations/{id}/faults/{faultId}  end a fault (the diagram's, 0..n-1, or a live one)
 *     200 {"editId", "tick", "simTimeNs", "faultId"}: taken effect at the start of that tick, journaled with it
 *     400 {"error", "problems": ["path: what", ...]}: refused as a diagram is (or a field that cannot change live,
 *         with why); nothing of it is applied
 *     404 no such run; 409 the run is not running; 413 a body over {@link #MAX_BODY} bytes; 503 too many edits wait
 * </pre>
 * Validation runs on the registry's control thread (a patched diagram is read whole), never on an event loop; the
 * answer is written once the orchestrator has applied the edit, naming the tick it took effect at.
 */
final class LiveEditApi {
    /** The largest body taken: what a journaled edit may hold, with room for its header. */
    static final int MAX_BODY = ControlEvents.MAX_MESSAGE - 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: a status and a JSON body. */
    record Answer(HttpResponseStatus status, ObjectNode body) {
    }

    private LiveEditApi() {
    }

    /**
     * Whether {@code rest} (the path after {@code /simulations/}) with {@code method} is a live edit; if so,
     * {@code answer} is called once, later, from the control thread or the orchestrator's.
     */
    static boolean handle(final String rest, final HttpMethod method, final FullHttpRequest request,
                          final SimulationRegistry registry, final Executor control,
                          final BiConsumer<HttpResponseStatus, ObjectNode> answer) {
        final String[] parts = rest.split("/", -1);
        final EditKind kind;
        final String body;
        if (parts.length == 1 && HttpMethod.PATCH.equals(method)) {
            kind = EditKind.PATCH;
            body = request.content().toString(StandardCharsets.UTF_8);
        } else if (parts.length == 2 && "faults".equals(parts[1]) && HttpMethod.POST.equals(method)) {
            kind = EditKind.FAULT_ADD;
            body = request.content().toString(StandardCharsets.UTF_8);
        } else if (parts.length == 3 && "faults".equals(parts[1]) && HttpMethod.DELETE.equals(method)) {
            kind = EditKind.FAULT_END;
            try {
                body = "{\"id\":" + Integer.parseInt(parts[2]) + "}";
            } catch (final NumberFormatException ex) {
                answer.accept(HttpResponseStatus.NOT_FOUND, error("no fault '" + parts[2] + "': faults are numbered"));
                return true;
            }
        } else {
            return false;
        }
        final Simulation sim;
        try {
            sim = registry.get(Long.parseLong(parts[0])).orElse(null);
        } catch (final NumberFormatException ex) {
            answer.accept(HttpResponseStatus.NOT_FOUND, error("no simulation " + parts[0]));
            return true;
        }
        if (sim == null) {
            answer.accept(HttpResponseStatus.NOT_FOUND, error(registry.replay(parsedId(parts[0])).isPresent()
                ? "simulation " + parts[0] + " is a replay: a journal cannot be edited" : "no simulation " + parts[0]));
            return true;
        }
        if (request.content().readableBytes() > MAX_BODY) {
            answer.accept(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, error("an edit of at most " + MAX_BODY
                + " bytes (got " + request.content().readableBytes() + ")"));
            return true;
        }
        try {
            control.execute(() -> submit(sim, kind, body, answer));
        } catch (final java.util.concurrent.RejectedExecutionException ex) {
            answer.accept(HttpResponseStatus.SERVICE_UNAVAILABLE, error("the server is shutting down"));
        }
        return true;
    }

    private static void submit(final Simulation sim, final EditKind kind, final String body,
                               final BiConsumer<HttpResponseStatus, ObjectNode> answer) {
        final CompletableFuture<PreparedEdit.Applied> applied;
        try {
            applied = sim.edit(kind, body);
        } catch (final DiagramException ex) {
            final ObjectNode error = error(ex.getMessage());
            ex.problems().forEach(error.putArray("problems")::add);
            answer.accept(HttpResponseStatus.BAD_REQUEST, error);
            return;
        } catch (final IllegalStateException ex) {
            answer.accept(sim.state() == Simulation.State.RUNNING ? HttpResponseStatus.SERVICE_UNAVAILABLE
                : HttpResponseStatus.CONFLICT, error(ex.getMessage()));
            return;
        }
        applied.whenComplete((done, failure) -> {
            if (failure != null) {
                final Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
                answer.accept(HttpResponseStatus.CONFLICT, error(cause.getMessage()));
                return;
            }
            final ObjectNode ok = JSON.createObjectNode()
                .put("simulationId", sim.id())
                .put("editId", done.editId())
                .put("tick", done.tick())
                .put("simTimeNs", done.tick() * sim.diagram().tickNs());
            if (done.faultId() >= 0) {
                ok.put("faultId", done.faultId());
            }
            answer.accept(HttpResponseStatus.OK, ok);
        });
    }

    private static long parsedId(final String text) {
        try {
            return Long.parseLong(text);
        } catch (final NumberFormatException ex) {
            return -1;
        }
    }

    private static ObjectNode error(final String message) {
        return JSON.createObjectNode().put("error", message);
    }
}
