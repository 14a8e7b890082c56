package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

import java.util.List;
import java.util.function.Predicate;

/**
 * Every HTTP request — REST, static files and WebSocket upgrades alike — passes these checks before anything acts
 * on it; the first that refuses answers, the request goes no further, and the connection is closed. The place for
 * what guards the whole server (well-formed requests, origins, hosts, tokens), so that no route can forget it.
 * Stateless, so one instance serves every connection.
 */
@ChannelHandler.Sharable
final class RequestGuard extends ChannelInboundHandlerAdapter {
    /** One check: null to let the request through, else the refusal to answer with. */
    @FunctionalInterface
    interface Check {
        FullHttpResponse refuse(ChannelHandlerContext channel, FullHttpRequest request);
    }

    /** A request Netty could not decode (a bad header) or whose URI does not decode (a bad %-escape) gets 400. */
    static final Check WELL_FORMED = (channel, request) -> {
        if (!request.decoderResult().isSuccess()) {
            return HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
        }
        try {
            final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            uri.path();
            uri.parameters();
            return null;
        } catch (final IllegalArgumentException ex) {
            return HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "malformed request URI: " + ex.getMessage());
        }
    };

    /**
     * The bearer token ({@link BearerToken}) on every request but the public ones (the dashboard's files and
     * {@code /health}, which carry no data): 401 with {@code WWW-Authenticate: Bearer} otherwise.
     */
    static Check bearerToken(final BearerToken token, final Predicate<FullHttpRequest> isPublic) {
        return (channel, request) -> {
            if (isPublic.test(request) || token.presentIn(request)) {
                return null;
            }
            final FullHttpResponse refusal = HttpResponses.error(HttpResponseStatus.UNAUTHORIZED,
                "a bearer token is required: Authorization: Bearer <token> (WebSocket: subprotocol "
                    + BearerToken.SUBPROTOCOL_PREFIX + "<token>)");
            refusal.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"tickwire\"");
            return refusal;
        };
    }

    private final List<Check> checks;

    RequestGuard(final List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    @Override
    public void channelRead(final ChannelHandlerContext channel, final Object msg) {
        if (msg instanceof FullHttpRequest request) {
            for (final Check check : checks) {
                final FullHttpResponse refusal = check.refuse(channel, request);
                if (refusal != null) {
                    ReferenceCountUtil.release(request);
                    final ByteBuf content = refusal.content();
                    HttpUtil.setContentLength(refusal, content.readableBytes());
                    HttpUtil.setKeepAlive(refusal, false);
                    channel.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
            }
        }
        channel.fireChannelRead(msg);
    }
}
