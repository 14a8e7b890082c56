package io.tickwire.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.control.ControlEvents;
import io.tickwire.engine.control.PreparedEdit;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.sbe.EditKind;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static io.tickwire.transport.HttpResponses.JSON;
import static io.tickwire.transport.HttpResponses.error;
import static io.tickwire.transport.HttpResponses.json;

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

    private final SimulationRegistry registry;
    private final Executor control;

    LiveEditApi(final FeedRuntime runtime) {
        this.registry = runtime.registry();
        this.control = registry.control();
    }

    void register(final HttpRoutes routes) {
        routes.add(HttpMethod.PATCH, SimulationsApi.SIMULATIONS + "/{id}", ex -> edit(ex, EditKind.PATCH, ex.body()))
            .add(HttpMethod.POST, SimulationsApi.SIMULATIONS + "/{id}/faults",
                ex -> edit(ex, EditKind.FAULT_ADD, ex.body()))
            .add(HttpMethod.DELETE, SimulationsApi.SIMULATIONS + "/{id}/faults/{faultId}", this::endFault);
    }

    private FullHttpResponse endFault(final HttpExchange ex) {
        final String faultId = ex.pathParameter("faultId");
        try {
            return edit(ex, EditKind.FAULT_END, "{\"id\":" + Integer.parseInt(faultId) + "}");
        } catch (final NumberFormatException bad) {
            return error(HttpResponseStatus.NOT_FOUND, "no fault '" + faultId + "': faults are numbered");
        }
    }

    /** Checks what can be checked on the event loop, then hands the edit to the control thread: answers later. */
    private FullHttpResponse edit(final HttpExchange ex, final EditKind kind, final String body) {
        final String id = ex.pathParameter("id");
        final long simulationId = parsedId(id);
        final Simulation sim = registry.get(simulationId).orElse(null);
        if (sim == null) {
            return error(HttpResponseStatus.NOT_FOUND, registry.replay(simulationId).isPresent()
                ? "simulation " + id + " is a replay: a journal cannot be edited" : "no simulation " + id);
        }
        final int length = ex.request().content().readableBytes();
        if (length > MAX_BODY) {
            return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "an edit of at most " + MAX_BODY
                + " bytes (got " + length + ")");
        }
        try {
            control.execute(() -> submit(ex, sim, kind, body));
        } catch (final RejectedExecutionException rejected) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down");
        }
        return HttpExchange.LATER;
    }

    /** On the control thread: validate and queue the edit; answer once the orchestrator has applied it. */
    private static void submit(final HttpExchange ex, final Simulation sim, final EditKind kind, final String body) {
        final CompletableFuture<PreparedEdit.Applied> applied;
        try {
            applied = sim.edit(kind, body);
        } catch (final DiagramException bad) {
            final ObjectNode answer = JSON.createObjectNode().put("error", bad.getMessage());
            bad.problems().forEach(answer.putArray("problems")::add);
            ex.respond(json(HttpResponseStatus.BAD_REQUEST, answer));
            return;
        } catch (final IllegalStateException refused) {
            ex.respond(error(sim.state() == Simulation.State.RUNNING ? HttpResponseStatus.SERVICE_UNAVAILABLE
                : HttpResponseStatus.CONFLICT, refused.getMessage()));
            return;
        }
        applied.whenComplete((done, failure) -> {
            if (failure != null) {
                final Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
                ex.respond(error(HttpResponseStatus.CONFLICT, cause.getMessage()));
                return;
            }
            final ObjectNode ok = JSON.createObjectNode()
                .put("simulationId", sim.id())
                .put("editId", done.editId())
                .put("tick", done.tick())
                .put("simTimeNs", done.tick() * sim.diagram().tickLengthNs());
            if (done.faultId() >= 0) {
                ok.put("faultId", done.faultId());
            }
            ex.respond(json(HttpResponseStatus.OK, ok));
        });
    }

    private static long parsedId(final String text) {
        try {
            return Long.parseLong(text);
        } catch (final NumberFormatException ex) {
            return -1;
        }
    }
}
