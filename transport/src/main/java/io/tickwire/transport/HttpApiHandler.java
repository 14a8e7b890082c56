package io.tickwire.transport;

import io.netty.buffer.Unpooled;
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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.tickwire.transport.HttpResponses.error;
import static io.tickwire.transport.HttpResponses.notAllowed;

/**
 * REST and the static dashboard, for every request the WebSocket handshake did not take (and {@link RequestGuard}
 * let through): the request is matched against {@link HttpRoutes} — each concern registers its own, see
 * {@link SimulationsApi}, {@link LiveEditApi} and {@link ServerApi} — and anything else is a file of the dashboard,
 * from the classpath.
 * Unknown paths get 404, known paths with another method 405 (with {@code Allow}). A route that fails unexpectedly
 * answers 500 with no detail (the server logs it): no response carries an exception's text. Stateless, so one
 * instance serves every connection.
 */
@ChannelHandler.Sharable
final class HttpApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandler.class);

    private final HttpRoutes routes;
    private final StaticResources resources;
    private final InFlightAnswers answers;

    HttpApiHandler(final HttpRoutes routes, final StaticResources resources, final InFlightAnswers answers) {
        this.routes = routes;
        this.resources = resources;
        this.answers = answers;
    }

    /** The server's routes: every API registered in one place. */
    static HttpRoutes routes(final FeedRuntime runtime) {
        final HttpRoutes routes = new HttpRoutes();
        new ServerApi(runtime).register(routes);
        new SimulationsApi(runtime).register(routes);
        new IngestApi(runtime).register(routes);
        new LiveEditApi(runtime).register(routes);
        if (runtime.ctx().metrics()) {
            new MetricsApi(runtime).register(routes);
        }
        return routes;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext channel, final FullHttpRequest request) {
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final HttpExchange exchange = new HttpExchange(channel, request, uri);
        FullHttpResponse response;
        try {
            final HttpRoutes.Match match = routes.match(request.method(), uri.path());
            if (match.found()) {
                exchange.pathParameters(match.parameters());
                response = match.route().handle(exchange);
            } else if (match.pathKnown()) {
                response = notAllowed(match.allow());
            } else {
                response = staticResource(uri.path(), request.method());
            }
        } catch (final RuntimeException ex) {
            LOG.warn("{} {} failed", request.method(), request.uri(), ex);
            response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error (logged by the server)");
        }
        if (response != HttpExchange.LATER) {
            exchange.respondInline(response);
        } else {
            exchange.deferred(answers);
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
}
