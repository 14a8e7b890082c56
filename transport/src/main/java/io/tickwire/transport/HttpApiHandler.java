package io.tickwire.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tickwire.engine.LaunchParameters;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.engine.diagram.Units;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * REST control and the static dashboard, for every request the WebSocket handshake did not take:
 * <pre>
 *   GET  /health                  200 {"status":"ok"}
 *   POST /simulations?speed=&amp;ticks=&amp;duration=&amp;seed=&amp;workers=   body: diagram YAML or JSON
 *                                 201 {"id","name","seed","tickNs","services":[{"id","name","servers"}],...}
 *                                 400 {"error","problems":[...]} bad diagram; 400 {"error","parameter"} bad parameter
 *   GET  /simulations             200 [{"id","name","state","ticksClosed","seed","framesSent",...}]
 *   GET  /simulations/{id}        200 {...} as one element of the list; 404 unknown
 *   POST /simulations/{id}/stop   200 {...} once it has ended ("state":"ENDED"), or after 5 s "state":"STOPPING";
 *                                 404 unknown
 *   PATCH /simulations/{id}       a live edit: JSON merge patch on the diagram; 200 {"editId","tick",...} once
 *                                 applied; 400 {"error","problems"} as a bad diagram ({@link LiveEditApi})
 *   POST /simulations/{id}/faults, DELETE /simulations/{id}/faults/{faultId}   a live fault, added or ended
 *   POST /simulations/{id}/pause  a replay: hold the next tick; 200 {...,"replay":{...}}; 409 not a replay / ended
 *   POST /simulations/{id}/resume a replay: go on, paced from here
 *   POST /simulations/{id}/seek?tick=N | ?time=30s   a replay: play from tick N (or the first tick starting at or
 *                                 after that simulated time); 400 outside the replayed range
 *   GET  /connections             200 [{"remoteAddress","subscriptions":[{"simulationId","policy","services"}],
 *                                       "framesSent","ticksConflated","bytesQueued"}]: the open feed connections
 *   GET  / /index.html /*.js /*.css ...   the dashboard, from the classpath
 * </pre>
 * Unknown paths get 404, known paths with another method 405 (with {@code Allow}). Launching (creating the rings,
 * the journal files) runs on the registry's control thread, never on the event loop; the response is written from
 * there. Stateless, so one instance serves every connection.
 */
@ChannelHandler.Sharable
final class HttpApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SIMULATIONS = "/simulations";
    private static final String CONNECTIONS = "/connections";
    private static final String JSON_TYPE = "application/json; charset=UTF-8";
    /** How long a stop waits for the run to end before it answers "STOPPING". */
    private static final long STOP_ANSWER_TIMEOUT_MS = 5_000;
    private static final long STOP_POLL_MS = 2;

    private final FeedServer.Context ctx;
    private final FeedRuntime runtime;
    private final SimulationRegistry registry;
    private final StaticResources resources;

    HttpApiHandler(final FeedRuntime runtime, final StaticResources resources) {
        this.ctx = runtime.ctx();
        this.runtime = runtime;
        this.registry = runtime.registry();
        this.resources = resources;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext channel, final FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(channel, request, error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"));
            return;
        }
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path = uri.path();
        final HttpMethod method = request.method();
        FullHttpResponse response;
        try {
            response = route(channel, request, uri, path, method);
        } catch (final RuntimeException ex) {
            LOG.warn("{} {} failed", method, request.uri(), ex);
            response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + ex);
        }
        if (response != null) {
            respond(channel, request, response);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext channel) {
        channel.flush();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext channel, final Throwable cause) {
        LOG.debug("HTTP connection {} failed", channel.channel().remoteAddress(), cause);
        channel.close();
    }

    /** @return the response, or null when it will be written later (a launch). */
    private FullHttpResponse route(final ChannelHandlerContext channel, final FullHttpRequest request,
                                   final QueryStringDecoder uri, final String path, final HttpMethod method) {
        if ("/health".equals(path)) {
            return HttpMethod.GET.equals(method) ? json(HttpResponseStatus.OK, JSON.createObjectNode().put("status",
                "ok")) : notAllowed("GET");
        }
        if (SIMULATIONS.equals(path)) {
            if (HttpMethod.GET.equals(method)) {
                final ArrayNode list = JSON.createArrayNode();
                registry.list().forEach(sim -> list.add(describe(sim)));
                registry.replays().forEach(replay -> list.add(describe(replay)));
                return json(HttpResponseStatus.OK, list);
            }
            if (HttpMethod.POST.equals(method)) {
                return launch(channel, request, uri);
            }
            return notAllowed("GET, POST");
        }
        if (CONNECTIONS.equals(path)) {
            return HttpMethod.GET.equals(method) ? json(HttpResponseStatus.OK, connections()) : notAllowed("GET");
        }
        if (path.startsWith(SIMULATIONS + "/")) {
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (LiveEditApi.handle(path.substring(SIMULATIONS.length() + 1), method, request, registry,
                registry.control(), (status, body) -> channel.executor().execute(() ->
                    respond(channel, keepAlive, json(status, body), true)))) {
                return null;
            }
            return simulation(channel, keepAlive, path.substring(SIMULATIONS.length() + 1), method, uri);
        }
        return staticResource(path, method);
    }

    /** @return the response, or null when it will be written later (a stop). */
    private FullHttpResponse simulation(final ChannelHandlerContext channel, final boolean keepAlive, final String rest,
                                        final HttpMethod method, final QueryStringDecoder uri) {
        final int slash = rest.indexOf('/');
        final Optional<JournalPlayer> replay = parseId(slash < 0 ? rest : rest.substring(0, slash))
            .flatMap(registry::replay);
        if (replay.isPresent()) {
            return replay(channel, keepAlive, replay.get(), slash < 0 ? "" : rest.substring(slash + 1), method, uri);
        }
        final String action = slash < 0 ? "" : rest.substring(slash + 1);
        if (action.equals("pause") || action.equals("resume") || action.equals("seek")) {
            if (!HttpMethod.POST.equals(method)) {
                return notAllowed("POST");
            }
            final String idText = rest.substring(0, slash);
            return parseId(idText).flatMap(registry::get).isPresent()
                ? error(HttpResponseStatus.CONFLICT, "simulation " + idText + " is a run, not a replay: only a "
                    + "replay can " + action)
                : error(HttpResponseStatus.NOT_FOUND, "no simulation " + idText);
        }
        final boolean stop = rest.endsWith("/stop");
        final String idText = stop ? rest.substring(0, rest.length() - "/stop".length()) : rest;
        final Optional<Simulation> sim = parseId(idText).flatMap(registry::get);
        if (idText.contains("/")) {
            return error(HttpResponseStatus.NOT_FOUND, "no such resource");
        }
        if (stop && !HttpMethod.POST.equals(method)) {
            return notAllowed("POST");
        }
        if (!stop && !HttpMethod.GET.equals(method)) {
            return notAllowed("GET");
        }
        if (sim.isEmpty()) {
            return error(HttpResponseStatus.NOT_FOUND, "no simulation " + idText);
        }
        final Simulation run = sim.get();
        if (stop) {
            run.stop();
            answerOnceEnded(channel, keepAlive, () -> run.state() != Simulation.State.RUNNING, () -> describe(run),
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_ANSWER_TIMEOUT_MS));
            return null;
        }
        return json(HttpResponseStatus.OK, describe(run));
    }

    /** {@code /simulations/{id}[/action]} of a replay; null when the response will be written later (a stop). */
    private FullHttpResponse replay(final ChannelHandlerContext channel, final boolean keepAlive,
                                    final JournalPlayer replay, final String action, final HttpMethod method,
                                    final QueryStringDecoder uri) {
        if (action.isEmpty()) {
            return HttpMethod.GET.equals(method) ? json(HttpResponseStatus.OK, describe(replay)) : notAllowed("GET");
        }
        if (!action.equals("stop") && !action.equals("pause") && !action.equals("resume") && !action.equals("seek")) {
            return error(HttpResponseStatus.NOT_FOUND, "no such resource");
        }
        if (!HttpMethod.POST.equals(method)) {
            return notAllowed("POST");
        }
        if (replay.ended()) {
            return error(HttpResponseStatus.CONFLICT, "replay " + replay.simulationId() + " has ended");
        }
        switch (action) {
            case "stop" -> {
                replay.stop();
                answerOnceEnded(channel, keepAlive, replay::ended, () -> describe(replay),
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_ANSWER_TIMEOUT_MS));
                return null;
            }
            case "pause" -> replay.pause();
            case "resume" -> replay.resume();
            default -> {
                final String tick = uri.parameters().containsKey("tick") ? uri.parameters().get("tick").get(0) : null;
                final String time = uri.parameters().containsKey("time") ? uri.parameters().get("time").get(0) : null;
                if ((tick == null) == (time == null)) {
                    return error(HttpResponseStatus.BAD_REQUEST, "seek needs one of ?tick=N or ?time=30s");
                }
                try {
                    replay.seek(tick != null ? Long.parseLong(tick) : replay.tickAtTime(Units.parseDurationNs(time)));
                } catch (final IllegalArgumentException ex) { // NumberFormatException included
                    return error(HttpResponseStatus.BAD_REQUEST, "seek: " + ex.getMessage());
                }
            }
        }
        return json(HttpResponseStatus.OK, describe(replay));
    }

    /**
     * Answer a stop with the state after it: once {@code ended} (polled on the connection's event loop, which nothing
     * here blocks), or at the deadline with {@code "state":"STOPPING"} if the run is still draining.
     */
    private void answerOnceEnded(final ChannelHandlerContext channel, final boolean keepAlive,
                                 final BooleanSupplier ended, final Supplier<ObjectNode> describe,
                                 final long deadlineNanos) {
        if (!ended.getAsBoolean() && System.nanoTime() - deadlineNanos < 0) {
            channel.executor().schedule(() -> answerOnceEnded(channel, keepAlive, ended, describe, deadlineNanos),
                STOP_POLL_MS, TimeUnit.MILLISECONDS);
            return;
        }
        final ObjectNode body = describe.get();
        if ("RUNNING".equals(body.path("state").asText())) {
            body.put("state", "STOPPING");
        }
        respond(channel, keepAlive, json(HttpResponseStatus.OK, body), true);
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

    private FullHttpResponse launch(final ChannelHandlerContext channel, final FullHttpRequest request,
                                    final QueryStringDecoder uri) {
        final LaunchParameters params;
        try {
            params = launchParameters(uri.parameters());
        } catch (final LaunchParameters.BadParameterException ex) {
            final ObjectNode body = JSON.createObjectNode().put("error", ex.getMessage())
                .put("parameter", ex.parameter());
            return json(HttpResponseStatus.BAD_REQUEST, body);
        }
        final Diagram diagram;
        try {
            diagram = DiagramLoader.parse(request.content().toString(StandardCharsets.UTF_8));
        } catch (final DiagramException ex) {
            final ObjectNode body = JSON.createObjectNode().put("error", ex.getMessage());
            ex.problems().forEach(body.putArray("problems")::add);
            return json(HttpResponseStatus.BAD_REQUEST, body);
        }
        final Simulation.Context simCtx = params.context(diagram);
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        final Path journalRoot = ctx.journalRoot();
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
                } catch (final IllegalArgumentException ex) {
                    response = error(HttpResponseStatus.BAD_REQUEST, ex.getMessage());
                } catch (final Exception ex) {
                    LOG.warn("launching '{}' failed", diagram.name(), ex);
                    response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot launch: " + ex.getMessage());
                }
                respond(channel, keepAlive, response, true);
            });
        } catch (final RejectedExecutionException ex) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down");
        }
        return null;
    }

    private FullHttpResponse staticResource(final String path, final HttpMethod method) {
        if (!StaticResources.isSafe(path)) {
            return error(HttpResponseStatus.BAD_REQUEST, "refused path");
        }
        final StaticResources.Resource resource = resources.find(path);
        if (resource == null) {
            return error(HttpResponseStatus.NOT_FOUND, "not found: " + path);
        }
        if (!HttpMethod.GET.equals(method)) {
            return notAllowed("GET");
        }
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
            Unpooled.wrappedBuffer(resource.bytes()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, resource.contentType());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        return response;
    }

    private static ObjectNode launched(final Simulation sim) {
        final Diagram diagram = sim.diagram();
        final ObjectNode body = JSON.createObjectNode()
            .put("id", sim.id())
            .put("name", diagram.name())
            .put("seed", sim.seed())
            .put("tickNs", diagram.tickNs())
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

    private static FullHttpResponse notAllowed(final String allow) {
        final FullHttpResponse response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        return response;
    }

    private static FullHttpResponse error(final HttpResponseStatus status, final String message) {
        return json(status, JSON.createObjectNode().put("error", message));
    }

    private static FullHttpResponse json(final HttpResponseStatus status, final Object body) {
        final byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (final JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        final FullHttpResponse response =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE);
        return response;
    }

    private static void respond(final ChannelHandlerContext channel, final FullHttpRequest request,
                                final FullHttpResponse response) {
        respond(channel, HttpUtil.isKeepAlive(request), response, false);
    }

    /** Write (flushed in {@link #channelReadComplete}, or now if {@code flushNow}); close after if not kept alive. */
    private static void respond(final ChannelHandlerContext channel, final boolean keepAlive,
                                final FullHttpResponse response, final boolean flushNow) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!keepAlive) {
            channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else if (flushNow) {
            channel.writeAndFlush(response);
        } else {
            channel.write(response);
        }
    }
}
