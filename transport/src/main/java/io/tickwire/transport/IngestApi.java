package io.tickwire.transport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SourceStats;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.transport.ingest.IngestBatch;
import io.tickwire.transport.ingest.IngestException;
import io.tickwire.transport.ingest.JsonSamplesDecoder;
import io.tickwire.transport.ingest.LineProtocolDecoder;
import io.tickwire.transport.ingest.RemoteWriteDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tickwire.transport.HttpResponses.JSON;
import static io.tickwire.transport.HttpResponses.error;
import static io.tickwire.transport.HttpResponses.json;

/**
 * Observed runs and their ingest (docs/ingest.md):
 * <pre>
 *   POST /observations?ticks=&amp;duration=   body: observe configuration (YAML/JSON), or none for the defaults
 *                                 201 {"id","name","tickLengthNs","latenessNs",...}; 400 {"error","problems"}
 *   GET  /observations            200 [{"id","name","state","ticksClosed",...}]
 *   GET  /observations/{id}       200 {..., "sources":[{"name","accepted","late","rejected":{reason: n}}]}
 *   POST /observations/{id}/stop  200 once it has ended (or "STOPPING" after 5 s)
 *
 *   POST /api/v1/write            Prometheus remote-write 1.0 (snappy protobuf)          204
 *   POST /api/v2/write, /write    InfluxDB line protocol, ?precision=ns|us|ms|s            204
 *   POST /metrics                 JSON {source, metric, value, timestamp?, labels?} or [...]  200 {"accepted","refused"}
 *     ?observation=ID             the observed run to feed (default: the latest running one; none: 503 + Retry-After)
 *     answers: 401 no or wrong bearer token (when the server has one) · 413 body over maxIngestBodyBytes, or more
 *     samples of one source than its burst · 400 malformed, naming the line or field · 429 + Retry-After a source
 *     over its rate · nothing of a refused request is taken
 * </pre>
 * Ingest runs on the connection's event loop: decode into the connection's batch, take each source's tokens, publish
 * into the run's metrics ring. A full ring (the aggregator behind) holds the answer: the connection reads nothing more
 * until its batch is in, retried from the event loop, so memory does not grow with a fast sender. {@code GET /metrics}
 * (Prometheus exposition) is the deployment's: a route of another method on the same path.
 */
final class IngestApi {
    static final String OBSERVATIONS = "/observations";
    private static final Logger LOG = LoggerFactory.getLogger(IngestApi.class);
    private static final AttributeKey<IngestConnection> CONNECTION = AttributeKey.valueOf("tickwire.ingest");
    private static final long RING_RETRY_MS = 1;

    private final FeedServer.Context ctx;
    private final SimulationRegistry registry;
    private final FeedCounters counters;

    IngestApi(final FeedRuntime runtime) {
        this.ctx = runtime.ctx();
        this.registry = runtime.registry();
        this.counters = runtime.counters();
    }

    void register(final HttpRoutes routes) {
        routes.add(HttpMethod.POST, OBSERVATIONS, this::launch)
            .add(HttpMethod.GET, OBSERVATIONS, ex -> list())
            .add(HttpMethod.GET, OBSERVATIONS + "/{id}", this::get)
            .add(HttpMethod.POST, OBSERVATIONS + "/{id}/stop", this::stop)
            .add(HttpMethod.POST, "/api/v1/write", ex -> write(ex, FeedCounters.IngestProtocol.REMOTE_WRITE))
            .add(HttpMethod.POST, "/api/v2/write", ex -> write(ex, FeedCounters.IngestProtocol.LINE_PROTOCOL))
            .add(HttpMethod.POST, "/write", ex -> write(ex, FeedCounters.IngestProtocol.LINE_PROTOCOL))
            .add(HttpMethod.POST, "/metrics", ex -> write(ex, FeedCounters.IngestProtocol.JSON));
    }

    // ---------------------------------------------------------------- observed runs

    private FullHttpResponse launch(final HttpExchange ex) {
        final ObserveSpec spec;
        final Observation.Context obsCtx = new Observation.Context();
        try {
            final String body = ex.body();
            spec = body.isBlank() ? ObserveLoader.defaults("observed") : ObserveLoader.parse(body);
            final String ticks = ex.query("ticks");
            final String duration = ex.query("duration");
            if (ticks != null) {
                obsCtx.ticks(Long.parseLong(ticks));
            } else if (duration != null) {
                obsCtx.ticks(Math.max(1, io.tickwire.engine.diagram.Units.parseDurationNs(duration) / spec.tickLengthNs()));
            }
        } catch (final DiagramException bad) {
            final ObjectNode body = JSON.createObjectNode().put("error", bad.getMessage());
            bad.problems().forEach(body.putArray("problems")::add);
            return json(HttpResponseStatus.BAD_REQUEST, body);
        } catch (final IllegalArgumentException bad) {
            return error(HttpResponseStatus.BAD_REQUEST, "ticks/duration: " + bad.getMessage());
        }
        final Path root = ctx.journalRoot();
        try {
            registry.control().execute(() -> {
                FullHttpResponse response;
                try {
                    final Observation obs = registry.launch(spec, obsCtx,
                        root == null ? null : id -> root.resolve("sim-" + id + "-" + spec.name()));
                    final ObjectNode body = describe(obs, false);
                    registry.journalDir(obs.id()).ifPresent(dir -> body.put("journal", dir.toString()));
                    response = json(HttpResponseStatus.CREATED, body);
                    response.headers().set(HttpHeaderNames.LOCATION, OBSERVATIONS + "/" + obs.id());
                } catch (final IllegalArgumentException bad) {
                    response = error(HttpResponseStatus.BAD_REQUEST, bad.getMessage());
                } catch (final Exception failure) {
                    LOG.warn("launching observed run '{}' failed", spec.name(), failure);
                    response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot launch: the server logged why");
                }
                ex.respond(response);
            });
        } catch (final RejectedExecutionException shuttingDown) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down");
        }
        return HttpExchange.LATER;
    }

    private FullHttpResponse list() {
        final ArrayNode list = JSON.createArrayNode();
        registry.observations().forEach(o -> list.add(describe(o, false)));
        return json(HttpResponseStatus.OK, list);
    }

    private FullHttpResponse get(final HttpExchange ex) {
        return observation(ex.pathParameter("id"))
            .map(o -> json(HttpResponseStatus.OK, describe(o, true)))
            .orElseGet(() -> error(HttpResponseStatus.NOT_FOUND, "no observed run " + ex.pathParameter("id")));
    }

    private FullHttpResponse stop(final HttpExchange ex) {
        final Optional<Observation> found = observation(ex.pathParameter("id"));
        if (found.isEmpty()) {
            return error(HttpResponseStatus.NOT_FOUND, "no observed run " + ex.pathParameter("id"));
        }
        final Observation obs = found.get();
        obs.stop();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        answerOnceEnded(ex, obs, deadline);
        return HttpExchange.LATER;
    }

    private void answerOnceEnded(final HttpExchange ex, final Observation obs, final long deadline) {
        if (obs.state() == Simulation.State.RUNNING && System.nanoTime() - deadline < 0) {
            ex.channel().executor().schedule(() -> answerOnceEnded(ex, obs, deadline), 2, TimeUnit.MILLISECONDS);
            return;
        }
        final ObjectNode body = describe(obs, true);
        if (obs.state() == Simulation.State.RUNNING) {
            body.put("state", "STOPPING");
        }
        ex.respond(json(HttpResponseStatus.OK, body));
    }

    private Optional<Observation> observation(final String id) {
        try {
            return registry.observation(Long.parseLong(id));
        } catch (final NumberFormatException ex) {
            return Optional.empty();
        }
    }

    /** An observed run, and (with {@code sources}) each source's counters. */
    private ObjectNode describe(final Observation obs, final boolean sources) {
        final ObserveSpec spec = obs.spec();
        final ObjectNode node = JSON.createObjectNode()
            .put("id", obs.id())
            .put("kind", "observed")
            .put("name", obs.name())
            .put("state", obs.state().name())
            .put("ticksClosed", obs.ticksClosed())
            .put("tickLengthNs", spec.tickLengthNs())
            .put("latenessNs", spec.latenessNs())
            .put("originNs", obs.originNs())
            .put("series", obs.registry().rowCount());
        if (obs.endReason() != null) {
            node.put("endReason", obs.endReason().name());
        }
        registry.broadcaster(obs.id()).ifPresent(b -> node.put("subscribers", b.subscriberCount())
            .put("framesSent", b.framesSent()));
        if (sources) {
            final ArrayNode list = node.putArray("sources");
            for (final SourceStats s : obs.registry().sources()) {
                counters(list.addObject().put("name", s.name()), s);
            }
            counters(node.putObject("unattributed"), obs.registry().unattributed());
        }
        return node;
    }

    private static void counters(final ObjectNode node, final SourceStats s) {
        node.put("accepted", s.accepted()).put("late", s.late());
        final ObjectNode rejected = node.putObject("rejected");
        for (final IngestRejection reason : IngestRejection.values()) {
            if (reason != IngestRejection.NULL_VAL) {
                rejected.put(reason.name().toLowerCase(Locale.ROOT), s.rejected(reason));
            }
        }
        if (!s.limit().unlimited()) {
            node.put("rate", s.limit().rate()).put("burst", s.limit().burst());
        }
    }

    // ---------------------------------------------------------------- ingest

    /** The paths of ingest: a request to them refused for its token is counted UNAUTHORIZED. */
    static boolean isIngestPath(final String path) {
        return switch (path) {
            case "/api/v1/write", "/api/v2/write", "/write", "/metrics", IngestFrameHandler.PATH -> true;
            default -> false;
        };
    }

    /**
     * Whether {@code request} is an InfluxDB line-protocol write: its clients (Telegraf, the Influx client libraries)
     * send {@code text/plain}, a type a page may send anywhere; so {@link RequestGuard#nonSimpleContentType} lets it
     * through, and the Origin check (and the token, off loopback) keep foreign pages out.
     */
    static boolean isLineProtocol(final FullHttpRequest request) {
        final String uri = request.uri();
        final int q = uri.indexOf('?');
        final String path = q < 0 ? uri : uri.substring(0, q);
        return HttpMethod.POST.equals(request.method()) && ("/api/v2/write".equals(path) || "/write".equals(path));
    }

    /**
     * Count an ingest request the {@link RequestGuard} refused for its bearer token (the server's one token check):
     * against the latest running observed run, unattributed (an unauthenticated request names no source we trust).
     */
    static void countUnauthorized(final SimulationRegistry registry, final FullHttpRequest request) {
        if (isIngestPath(new QueryStringDecoder(request.uri()).path())) {
            registry.latestRunningObservation().ifPresent(o ->
                o.registry().unattributed().rejected(IngestRejection.UNAUTHORIZED, 1));
        }
    }

    private FullHttpResponse write(final HttpExchange ex, final FeedCounters.IngestProtocol format) {
        final String id = ex.query("observation");
        final Observation obs;
        if (id != null) {
            final Optional<Observation> found = observation(id);
            if (found.isEmpty()) {
                return error(HttpResponseStatus.NOT_FOUND, "no observed run " + id);
            }
            obs = found.get();
        } else {
            obs = registry.latestRunningObservation().orElse(null);
        }
        if (obs == null || obs.state() != Simulation.State.RUNNING) {
            final FullHttpResponse response = error(HttpResponseStatus.SERVICE_UNAVAILABLE, obs == null
                ? "no observed run is running: start one (tickwire observe, or POST /observations)"
                : "observed run " + obs.id() + " has ended");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            return response;
        }
        final ByteBuf body = ex.request().content();
        if (body.readableBytes() > ctx.maxIngestBodyBytes()) {
            obs.registry().unattributed().rejected(IngestRejection.OVERSIZED, 1);
            counters.ingestRejected(format, 1);
            return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the body is " + body.readableBytes()
                + " bytes, more than " + ctx.maxIngestBodyBytes() + " (maxIngestBodyBytes)");
        }
        final IngestConnection connection = connection(ex.channel().channel());
        final IngestBatch batch = connection.batch(obs);
        try {
            switch (format) {
                case REMOTE_WRITE -> connection.remoteWrite.decode(body, batch);
                case LINE_PROTOCOL -> {
                    final String precision = ex.query("precision");
                    final long unit = LineProtocolDecoder.precisionNs(precision);
                    if (unit == 0) {
                        batch.reset();
                        return error(HttpResponseStatus.BAD_REQUEST, "precision must be ns, us, ms or s (got '"
                            + precision + "')");
                    }
                    connection.lineProtocol.decode(body, unit, batch);
                }
                default -> connection.json.decode(body, batch);
            }
        } catch (final IngestException bad) {
            batch.malformed(null);
            counters.ingestRejected(format, 1);
            if (bad.tooLarge()) {
                return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, bad.getMessage());
            }
            return error(HttpResponseStatus.BAD_REQUEST, bad.getMessage());
        }
        if (!batch.admit(System.nanoTime())) {
            final SourceStats source = batch.limitedBy();
            final long waitNs = batch.retryAfterNs();
            final int samples = batch.samplesOf(source);
            counters.ingestRejected(format, batch.samples());
            batch.reset();
            if (waitNs == SourceStats.NEVER) {
                return error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the request holds " + samples
                    + " samples of source '" + source.name() + "', more than its burst (" + source.limit().burst()
                    + "): send fewer at once");
            }
            final long seconds = Math.max(1, (waitNs + 999_999_999L) / 1_000_000_000L);
            final ObjectNode body2 = JSON.createObjectNode()
                .put("error", "source '" + source.name() + "' is over its rate (" + source.limit().rate()
                    + "/s, burst " + source.limit().burst() + "): retry in " + seconds + " s")
                .put("source", source.name())
                .put("retryAfterMs", Math.max(1, waitNs / 1_000_000));
            final FullHttpResponse response = json(HttpResponseStatus.TOO_MANY_REQUESTS, body2);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds));
            return response;
        }
        final int samples = batch.samples();
        final int refusedSamples = batch.refused();
        if (batch.publish()) {
            batch.commit();
            counters.ingestAccepted(format, samples);
            return accepted(format, samples, refusedSamples);
        }
        // The ring is full: read nothing more from this connection until the batch is in.
        ex.channel().channel().config().setAutoRead(false);
        ex.channel().executor().schedule(() -> retryPublish(ex, batch, format, samples, refusedSamples),
            RING_RETRY_MS, TimeUnit.MILLISECONDS);
        return HttpExchange.LATER;
    }

    private void retryPublish(final HttpExchange ex, final IngestBatch batch, final FeedCounters.IngestProtocol format, final int samples,
                              final int refusedSamples) {
        if (batch.publish()) {
            batch.commit();
            counters.ingestAccepted(format, samples);
            ex.channel().channel().config().setAutoRead(true);
            ex.respond(accepted(format, samples, refusedSamples));
            return;
        }
        if (batch.observation().state() != Simulation.State.RUNNING) {
            batch.reset();
            ex.channel().channel().config().setAutoRead(true);
            ex.respond(error(HttpResponseStatus.SERVICE_UNAVAILABLE, "observed run " + batch.observation().id()
                + " ended before the samples were in"));
            return;
        }
        ex.channel().executor().schedule(() -> retryPublish(ex, batch, format, samples, refusedSamples),
            RING_RETRY_MS, TimeUnit.MILLISECONDS);
    }

    private static FullHttpResponse accepted(final FeedCounters.IngestProtocol format, final int samples, final int refused) {
        if (format == FeedCounters.IngestProtocol.JSON) {
            return json(HttpResponseStatus.OK, JSON.createObjectNode().put("accepted", samples)
                .put("refused", refused));
        }
        return new io.netty.handler.codec.http.DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            HttpResponseStatus.NO_CONTENT);
    }

    private IngestConnection connection(final Channel channel) {
        IngestConnection c = channel.attr(CONNECTION).get();
        if (c == null) {
            c = new IngestConnection(ctx.maxIngestDecodedBytes());
            channel.attr(CONNECTION).set(c);
        }
        return c;
    }

    /** One connection's decoders and batch: each caches what it resolved for the run it last fed. Event loop only. */
    private static final class IngestConnection {
        final RemoteWriteDecoder remoteWrite;
        final LineProtocolDecoder lineProtocol = new LineProtocolDecoder();
        final JsonSamplesDecoder json = new JsonSamplesDecoder();
        private IngestBatch batch;

        IngestConnection(final int maxDecodedBytes) {
            remoteWrite = new RemoteWriteDecoder(maxDecodedBytes);
        }

        IngestBatch batch(final Observation obs) {
            if (batch == null || batch.observation() != obs) {
                batch = new IngestBatch(obs);
            }
            return batch;
        }
    }
}
