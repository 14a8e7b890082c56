package io.tickwire.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One REST request being answered: the request, its decoded URI, the path's parameters ({@code {id}}), and the way
 * back. A route answers at once by returning a response, or later — from any thread — by returning
 * {@link #LATER} and calling {@link #respond} once. The request's body is only valid until the route returns: a
 * route that answers later reads what it needs first.
 */
final class HttpExchange {
    /** Returned by a route that will call {@link #respond} itself. */
    static final FullHttpResponse LATER = null;

    private final ChannelHandlerContext channel;
    private final FullHttpRequest request;
    private final QueryStringDecoder uri;
    private final boolean keepAlive;
    private Map<String, String> pathParameters = Map.of();
    private InFlightAnswers answers; // guarded by this, with responded
    private boolean responded;

    HttpExchange(final ChannelHandlerContext channel, final FullHttpRequest request, final QueryStringDecoder uri) {
        this.channel = channel;
        this.request = request;
        this.uri = uri;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    ChannelHandlerContext channel() {
        return channel;
    }

    FullHttpRequest request() {
        return request;
    }

    String path() {
        return uri.path();
    }

    /** The value of {@code {name}} in the route's pattern. */
    String pathParameter(final String name) {
        return pathParameters.get(name);
    }

    void pathParameters(final Map<String, String> parameters) {
        this.pathParameters = parameters;
    }

    Map<String, List<String>> query() {
        return uri.parameters();
    }

    /** The first value of query parameter {@code name}, or null. */
    String query(final String name) {
        final List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    String body() {
        return request.content().toString(StandardCharsets.UTF_8);
    }

    /** Answer now, from the event loop (flushed once the read completes). */
    void respondInline(final FullHttpResponse response) {
        write(response, false);
    }

    /** The route answered {@link #LATER}: {@code answers} holds the server's close until {@link #respond}. */
    synchronized void deferred(final InFlightAnswers answers) {
        if (!responded) { // a route may have answered already (a stop of a run that had ended)
            this.answers = answers;
            answers.begin();
        }
    }

    /** Answer later, from any thread; the response is flushed at once. */
    void respond(final FullHttpResponse response) {
        write(response, true);
    }

    private void write(final FullHttpResponse response, final boolean flushNow) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        final ChannelFuture written;
        if (!keepAlive) {
            written = channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else if (flushNow) {
            written = channel.writeAndFlush(response);
        } else {
            written = channel.write(response);
        }
        final InFlightAnswers deferred;
        synchronized (this) {
            responded = true;
            deferred = answers;
            answers = null;
        }
        if (deferred != null) {
            written.addListener(f -> deferred.end());
        }
    }
}
