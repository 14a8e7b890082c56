package io.tickwire.transport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tickwire.engine.LaunchParameters;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.JournalLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static io.tickwire.transport.HttpResponses.JSON;
import static io.tickwire.transport.HttpResponses.error;
import static io.tickwire.transport.HttpResponses.json;

/**
 * {@code /simulations}: runs and replays, launched, listed, described and controlled.
 * <pre>
 *   POST /simulations?speed=&amp;ticks=&amp;duration=&amp;seed=&amp;workers=   body: diagram YAML or JSON
 *                                 201 {"id","name","seed","tickLengthNs","services":[{"id","name","servers"}],...}
 *                                 400 {"error","problems":[...]} bad diagram; 400 {"error","parameter"} bad parameter;
 *                                 413 larger than the diagram size limit; 429 {"error"} maxRuns running already
 *   GET  /simulations             200 [{"id","name","state","ticksClosed","seed","framesSent",...}]
 *   GET  /simulations/{id}        200 {...} as one element of the list; 404 unknown
 *   POST /simulations/{id}/stop   200 {...} once it has ended ("state":"ENDED"), or after 5 s "state":"STOPPING";
 *                                 404 unknown
 *   POST /replays?journal=NAME&amp;speed=&amp;from=&amp;to=   replay journal NAME of the journal root (sim-3-checkout)
 *                                 as a simulation of its own: 201 {...} as GET /simulations/{id}; 400 bad name or
 *                                 range; 404 no such journal
 *   POST /simulations/{id}/pause  a replay: hold the next tick; 200 {...,"replay":{...}}; 409 not a replay / ended
 *   POST /simulations/{id}/resume a replay: go on, paced from here
 *   POST /simulations/{id}/seek?tick=N | ?time=30s   a replay: play from tick N (or the first tick starting at or
 *                                 after that simulated time); 400 outside the replayed range
 *   POST /simulations/{id}/speed?x=S   a paced replay: play on at S simulated seconds per second; 400 a bad S or a
 *                                 replay started at max
 *   GET  /simulations/{id}/diagram   200 the run's services, calls and load sources ({@link DiagramJson}), for the
 *                                 dashboard's diagram; 404 unknown
 * </pre>
 * Launching (creating the rings, the journal files) runs on the registry's control thread, never on the event loop;
 * the response is written from there. Stops answer from the event loop once the run has ended (polled, never
 * blocking it).
 */
final class SimulationsApi {
    private static final Logger LOG = LoggerFactory.getLogger(SimulationsApi.class);
    static final String SIMULATIONS = "/simulations";
    /** How long a stop waits for the run to end before it answers "STOPPING". */
    private static final long STOP_ANSWER_TIMEOUT_MS = 5_000;
    private static final long STOP_POLL_MS = 2;

    private final FeedServer.Context ctx;
    private final SimulationRegistry registry;
    private final DiagramJson diagrams = new DiagramJson(JSON);

    SimulationsApi(final FeedRuntime runtime) {
        this.ctx = runtime.ctx();
        this.registry = runtime.registry();
    }

    void register(final HttpRoutes routes) {
        routes.add(HttpMethod.GET, SIMULATIONS, ex -> list())
            .add(HttpMethod.POST, SIMULATIONS, this::launch)
            .add(HttpMethod.GET, SIMULATIONS + "/{id}", this::get)
            .add(HttpMethod.POST, SIMULATIONS + "/{id}/stop", this::stop)
            .add(HttpMethod.GET, SIMULATIONS + "/{id}/diagram", this::diagram);
        routes.add(HttpMethod.POST, "/replays", this::replay);
        for (final String action : List.of("pause", "resume", "seek", "speed")) {
            routes.add(HttpMethod.POST, SIMULATIONS + "/{id}/" + action, ex -> replayAction(ex, action));
        }
    }

    private FullHttpResponse list() {
        final ArrayNode list = JSON.createArrayNode();
        registry.list().forEach(sim -> list.add(describe(sim)));
        registry.replays().forEach(replay -> list.add(describe(replay)));
        return json(HttpResponseStatus.OK, list);
    }

    private FullHttpResponse get(final HttpExchange ex) {
        final String id = ex.pathParameter("id");
        final Optional<JournalPlayer> replay = replay(id);
        if (replay.isPresent()) {
            return json(HttpResponseStatus.OK, describe(replay.get()));
        }
        return run(id).map(sim -> json(HttpResponseStatus.OK, describe(sim)))
            .orElseGet(() -> error(HttpResponseStatus.NOT_FOUND, "no simulation " + id));
    }

    private FullHttpResponse stop(final HttpExchange ex) {
        final String id = ex.pathParameter("id");
        final Optional<JournalPlayer> replay = replay(id);
        if (replay.isPresent()) {
            final JournalPlayer player = replay.get();
            if (player.ended()) {
                return error(HttpResponseStatus.CONFLICT, "replay " + player.simulationId() + " has ended");
            }
            player.stop();
            answerOnceEnded(ex, player::ended, () -> describe(player), deadline());
            return HttpExchange.LATER;
        }
        final Optional<Simulation> sim = run(id);
        if (sim.isEmpty()) {
            return error(HttpResponseStatus.NOT_FOUND, "no simulation " + id);
        }
        final Simulation run = sim.get();
        run.stop();
        answerOnceEnded(ex, () -> run.state() != Simulation.State.RUNNING, () -> describe(run), deadline());
        return HttpExchange.LATER;
    }

    private FullHttpResponse replayAction(final HttpExchange ex, final String action) {
        final String id = ex.pathParameter("id");
        final Optional<JournalPlayer> replay = replay(id);
        if (replay.isEmpty()) {
            return run(id).isPresent()
                ? error(HttpResponseStatus.CONFLICT, "simulation " + id + " is a run, not a replay: only a "
                    + "replay can " + action)
                : error(HttpResponseStatus.NOT_FOUND, "no simulation " + id);
        }
        final JournalPlayer player = replay.get();
        if (player.ended()) {
            return error(HttpResponseStatus.CONFLICT, "replay " + player.simulationId() + " has ended");
        }
        switch (action) {
            case "pause" -> player.pause();
            case "resume" -> player.resume();
            case "speed" -> {
                final String x = ex.query("x");
                if (x == null) {
                    return error(HttpResponseStatus.BAD_REQUEST, "speed needs ?x=S (simulated seconds per second, > 0)");
                }
                try {
                    player.speed(Double.parseDouble(x));
                } catch (final IllegalArgumentException bad) { // NumberFormatException included
                    return error(HttpResponseStatus.BAD_REQUEST, "speed: " + bad.getMessage());
                }
            }
            default -> {
                final String tick = ex.query("tick");
                final String time = ex.query("time");
                if ((tick == null) == (time == null)) {
                    return error(HttpResponseStatus.BAD_REQUEST, "seek needs one of ?tick=N or ?time=30s");
                }
                try {
                    player.seek(tick != null ? Long.parseLong(tick) : player.tickAtTime(Units.parseDurationNs(time)));
                } catch (final IllegalArgumentException bad) { // NumberFormatException included
                    return error(HttpResponseStatus.BAD_REQUEST, "seek: " + bad.getMessage());
                }
            }
        }
        return json(HttpResponseStatus.OK, describe(player));
    }

    /** {@code GET /simulations/{id}/diagram} of a run or a replay. */
    private FullHttpResponse diagram(final HttpExchange ex) {
        final String id = ex.pathParameter("id");
        final Optional<Simulation> sim = run(id);
        if (sim.isPresent()) {
            return json(HttpResponseStatus.OK, diagrams.render(sim.get().diagram()));
        }
        final Optional<JournalPlayer> replay = replay(id);
        if (replay.isEmpty()) {
            return error(HttpResponseStatus.NOT_FOUND, "no simulation " + id);
        }
        try {
            return json(HttpResponseStatus.OK, diagrams.render(diagrams.ofJournal(replay.get().directory())));
        } catch (final IOException | DiagramException | RuntimeException failure) {
            LOG.warn("the diagram of replay {} cannot be read", id, failure);
            return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot read the replay's diagram (logged)");
        }
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_ANSWER_TIMEOUT_MS);
    }

    /**
     * Answer a stop with the state after it: once {@code ended} (polled on the connection's event loop, which nothing
     * here blocks), or at the deadline with {@code "state":"STOPPING"} if the run is still draining.
     */
    private void answerOnceEnded(final HttpExchange ex, final BooleanSupplier ended,
                                 final Supplier<ObjectNode> describe, final long deadlineNanos) {
        if (!ended.getAsBoolean() && System.nanoTime() - deadlineNanos < 0) {
            ex.channel().executor().schedule(() -> answerOnceEnded(ex, ended, describe, deadlineNanos),
                STOP_POLL_MS, TimeUnit.MILLISECONDS);
            return;
        }
        final ObjectNode body = describe.get();
        if ("RUNNING".equals(body.path("state").asText())) {
            body.put("state", "STOPPING");
        }
        ex.respond(json(HttpResponseStatus.OK, body));
    }

    /** The launch parameters of {@code POST /simulations}, each given once. */
    private static LaunchParameters launchParameters(final Map<String, List<String>> query)
        throws LaunchParameters.BadParameterException {
        final LaunchParameters params = new LaunchParameters();
        for (final Map.Entry<String, List<String>> e : query.entrySet()) {
            if (e.getValue().size() != 1 && LaunchParameters.NAMES.contains(e.getKey())) {
                throw new LaunchParameters.BadParameterException(e.getKey(), "given " + e.getValue().size()
                    + " times");
            }
            params.set(e.getKey(), e.getValue().get(0));
        }
        return params;
    }

    private FullHttpResponse launch(final HttpExchange ex) {
        final LaunchParameters params;
        try {
            params = launchParameters(ex.query());
        } catch (final LaunchParameters.BadParameterException bad) {
            final ObjectNode body = JSON.createObjectNode().put("error", bad.getMessage())
                .put("parameter", bad.parameter());
            return json(HttpResponseStatus.BAD_REQUEST, body);
        }
        final long size = ex.request().content().readableBytes();
        if (size > ctx.diagramLimits().maxBytes()) {
            // The aggregator takes ingest's larger bodies too: a diagram's own limit is checked here.
            return HttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the diagram is " + size
                + " bytes, more than the limit of " + ctx.diagramLimits().maxBytes() + " (limits.maxDiagramBytes)");
        }
        final Diagram diagram;
        try {
            // Bytes, as a file's: invalid UTF-8 is refused here as by the CLI, not replaced.
            diagram = DiagramLoader.parse(ByteBufUtil.getBytes(ex.request().content()), ctx.diagramLimits());
        } catch (final DiagramException bad) {
            final ObjectNode body = JSON.createObjectNode().put("error", bad.getMessage());
            bad.problems().forEach(body.putArray("problems")::add);
            return json(HttpResponseStatus.BAD_REQUEST, body);
        }
        final Simulation.Context simCtx = params.context(diagram)
            .maxPendingEvents(ctx.diagramLimits().maxPendingEvents())
            .diagramLimits(ctx.diagramLimits());
        final Path journalRoot = ctx.journalRoot();
        if (registry.running() >= ctx.maxRuns()) {
            return tooManyRuns();
        }
        try {
            registry.control().execute(() -> {
                FullHttpResponse response;
                try {
                    final Simulation sim = registry.launch(diagram, simCtx,
                        journalRoot == null ? null : id -> journalRoot.resolve("sim-" + id + "-" + diagram.name()));
                    final ObjectNode body = launched(sim);
                    registry.journalDir(sim.id()).ifPresent(dir -> body.put("journal", dir.toString()));
                    response = json(HttpResponseStatus.CREATED, body);
                    response.headers().set(HttpHeaderNames.LOCATION, SIMULATIONS + "/" + sim.id());
                } catch (final IllegalArgumentException bad) {
                    response = error(HttpResponseStatus.BAD_REQUEST, bad.getMessage());
                } catch (final SimulationRegistry.TooManyRunsException full) {
                    response = tooManyRuns();
                } catch (final Exception failure) {
                    LOG.warn("launching '{}' failed", diagram.name(), failure);
                    response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot launch: the server logged why");
                }
                ex.respond(response);
            });
        } catch (final RejectedExecutionException shuttingDown) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down");
        }
        return HttpExchange.LATER;
    }

    private FullHttpResponse tooManyRuns() {
        final FullHttpResponse response = error(HttpResponseStatus.TOO_MANY_REQUESTS, "the server runs "
            + ctx.maxRuns() + " simulations at once, its limit (maxRuns): stop one, or try again once one has ended");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
        return response;
    }

    private FullHttpResponse replay(final HttpExchange ex) {
        final String name = ex.query("journal");
        final Path root = ctx.journalRoot();
        if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            return error(HttpResponseStatus.BAD_REQUEST, "replay needs ?journal=NAME, a journal of the server's "
                + "journal directory");
        }
        if (root == null || !JournalLayout.isJournal(root.resolve(name))) {
            return error(HttpResponseStatus.NOT_FOUND, "no journal " + name);
        }
        final double speed;
        final long from;
        final long to;
        try {
            final String s = ex.query("speed");
            speed = s == null || "max".equals(s) ? Double.POSITIVE_INFINITY : Double.parseDouble(s);
            from = ex.query("from") == null ? -1 : Long.parseLong(ex.query("from"));
            to = ex.query("to") == null ? -1 : Long.parseLong(ex.query("to"));
        } catch (final NumberFormatException bad) {
            return error(HttpResponseStatus.BAD_REQUEST, "replay: speed, from and to are numbers (speed may be max)");
        }
        try {
            registry.control().execute(() -> {
                FullHttpResponse response;
                try {
                    final JournalPlayer player = registry.replay(root.resolve(name), from, to, speed, false);
                    response = json(HttpResponseStatus.CREATED, describe(player));
                    response.headers().set(HttpHeaderNames.LOCATION, SIMULATIONS + "/" + player.simulationId());
                } catch (final IllegalArgumentException bad) {
                    response = error(HttpResponseStatus.BAD_REQUEST, bad.getMessage());
                } catch (final Exception failure) {
                    LOG.warn("replaying '{}' failed", name, failure);
                    response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot replay: the server logged why");
                }
                ex.respond(response);
            });
        } catch (final RejectedExecutionException shuttingDown) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down");
        }
        return HttpExchange.LATER;
    }

    private Optional<JournalPlayer> replay(final String id) {
        return parseId(id).flatMap(registry::replay);
    }

    private Optional<Simulation> run(final String id) {
        return parseId(id).flatMap(registry::get);
    }

    private static ObjectNode launched(final Simulation sim) {
        final Diagram diagram = sim.diagram();
        final ObjectNode body = JSON.createObjectNode()
            .put("id", sim.id())
            .put("name", diagram.name())
            .put("seed", sim.seed())
            .put("tickLengthNs", diagram.tickLengthNs())
            .put("workers", sim.workers());
        final double speed = sim.context().speed();
        if (Double.isInfinite(speed)) {
            body.put("speed", "max");
        } else {
            body.put("speed", speed);
        }
        body.put("ticks", sim.context().ticks());
        final ArrayNode services = body.putArray("services");
        for (final ServiceSpec s : diagram.services()) {
            services.addObject().put("id", s.id()).put("name", s.name()).put("servers", s.servers());
        }
        return body;
    }

    private ObjectNode describe(final Simulation sim) {
        final ObjectNode node = JSON.createObjectNode()
            .put("id", sim.id())
            .put("name", sim.diagram().name())
            .put("state", sim.state().name())
            .put("ticksClosed", sim.ticksClosed())
            .put("seed", sim.seed());
        if (sim.endReason() != null) {
            node.put("endReason", sim.endReason().name());
        }
        registry.broadcaster(sim.id()).ifPresent(b -> node
            .put("subscribers", b.subscriberCount())
            .put("framesSent", b.framesSent())
            .put("slowReaderDisconnects", b.slowReaderDisconnects()));
        return node;
    }

    private static ObjectNode describe(final JournalPlayer replay) {
        final Broadcaster b = replay.broadcaster();
        final ObjectNode node = JSON.createObjectNode()
            .put("id", replay.simulationId())
            .put("name", b.name())
            .put("state", replay.ended() ? (replay.failure() != null ? "FAILED" : "ENDED") : "RUNNING")
            .put("ticksClosed", Math.max(0, b.lastSequence() + 1))
            .put("subscribers", b.subscriberCount())
            .put("framesSent", b.framesSent())
            .put("slowReaderDisconnects", b.slowReaderDisconnects());
        if (replay.ended() && b.endReason() != null) {
            node.put("endReason", b.endReason().name());
        }
        final ObjectNode state = node.putObject("replay")
            .put("journal", replay.directory().toString())
            .put("firstTick", replay.firstTick())
            .put("lastTick", replay.lastTick())
            .put("position", replay.position())
            .put("positionTimeNs", (replay.position() + 1) * replay.tickLengthNs())
            .put("paused", replay.paused());
        if (Double.isInfinite(replay.speed())) {
            state.put("speed", "max");
        } else {
            state.put("speed", replay.speed());
        }
        return node;
    }

    private static Optional<Long> parseId(final String text) {
        try {
            return Optional.of(Long.parseLong(text));
        } catch (final NumberFormatException ex) {
            return Optional.empty();
        }
    }
}
