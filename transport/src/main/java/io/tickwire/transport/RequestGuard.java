package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.tickwire.engine.diagram.DiagramLimits;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Every HTTP request — REST, static files and WebSocket upgrades alike — passes these checks before anything acts
 * on it; the first that refuses answers, the request goes no further, and the connection is closed. The place for
 * what guards the whole server (well-formed requests, hosts, origins, tokens), so that no route can forget it.
 * Stateless, so one instance serves every connection.
 * <p>
 * What keeps a web page the user happens to visit from driving the server (docs: README, Security):
 * <ul>
 *   <li>{@link #hosts}: the {@code Host} header must name the address the connection came in on ({@code localhost}
 *       too on a loopback address) or a configured name, else 421 — a page of {@code evil.example} whose name was
 *       rebound to 127.0.0.1 still says {@code Host: evil.example} (DNS rebinding).</li>
 *   <li>{@link #origins}: a state-changing request or a WebSocket upgrade that carries an {@code Origin} must come
 *       from the server's own origin or a configured one, else 403. Browsers send {@code Origin} with every such
 *       request; programs (curl, the CLI, the Java client) send none, or their target's.</li>
 *   <li>{@link #nonSimpleContentType}: a state-changing request needs a {@code Content-Type} a page cannot send
 *       cross-site without asking first ({@code application/json}, {@code application/yaml}: not {@code text/plain}
 *       or a form's, nor none), else 415 — the defence when a browser sends no {@code Origin} — unless it comes from
 *       the server's own (or an allowed) origin, or bears the server's token (a page cannot send
 *       {@code Authorization} cross-site without asking first either).</li>
 *   <li>{@link #bearerToken}, when the server has a token ({@link FeedServer.Context#token}): every request but the
 *       public ones carries it, else 401. Checked after Host and Origin: a foreign page that knows the token (a
 *       WebSocket subprotocol can carry it) is still refused.</li>
 * </ul>
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

    /** A server without a token ({@link FeedServer.Context#token}): no request bears one. */
    static final Predicate<FullHttpRequest> NO_TOKEN = request -> false;

    /** CORS "simple" content types: a page may send these anywhere without a preflight. */
    private static final Set<String> SIMPLE_TYPES =
        Set.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data");

    /**
     * The {@code Host} header names the address the connection came in on, {@code localhost} on a loopback one, or
     * one of {@code allowed} ({@code name} for any port, {@code name:port}); else 421. A request without one (HTTP/1.0)
     * passes: a browser always sends it.
     */
    static Check hosts(final List<String> allowed) {
        return (channel, request) -> {
            final String host = request.headers().get(HttpHeaderNames.HOST);
            if (host == null || isLocal(channel, host, 80) || isAllowedName(host, allowed)) {
                return null;
            }
            return HttpResponses.error(HttpResponseStatus.MISDIRECTED_REQUEST, "Host '"
                + shown(host) + "' is not this server's address (add the name to its allowed hosts)");
        };
    }

    /**
     * A state-changing request or a WebSocket upgrade with an {@code Origin} comes from the server's own origin (its
     * address, or {@code localhost} on a loopback one, at its port) or one of {@code allowed}; else 403.
     */
    static Check origins(final List<String> allowed) {
        return (channel, request) -> {
            final String origin = request.headers().get(HttpHeaderNames.ORIGIN);
            if (origin == null || !(isStateChanging(request.method()) || isUpgrade(request))
                || allowed.contains(origin) || isOwnOrigin(channel, origin)) {
                return null;
            }
            return HttpResponses.error(HttpResponseStatus.FORBIDDEN, "requests from the origin '" + shown(origin)
                + "' are refused: only this server's own pages (or its allowed origins) may "
                + (isUpgrade(request) ? "open the feed" : "change anything"));
        };
    }

    /**
     * A state-changing request has a {@code Content-Type} that is not CORS-simple, else 415 — unless it comes from a
     * page of the server's own origin or one of {@code allowed} (the browser says so in {@code Origin}, which a page
     * cannot forge: the dashboard's bodiless {@code POST .../stop}), or bears the token, or is one {@code exempt}
     * names (a protocol whose clients send {@code text/plain}: line-protocol ingest).
     */
    static Check nonSimpleContentType(final List<String> allowed, final Predicate<FullHttpRequest> bearsToken,
                                      final Predicate<FullHttpRequest> exempt) {
        return (channel, request) -> {
            if (!isStateChanging(request.method()) || bearsToken.test(request) || exempt.test(request)) {
                return null;
            }
            final String origin = request.headers().get(HttpHeaderNames.ORIGIN);
            if (origin != null && (allowed.contains(origin) || isOwnOrigin(channel, origin))) {
                return null;
            }
            final String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
            final String essence = type == null ? "" : HttpUtil.getMimeType(type) == null ? ""
                : HttpUtil.getMimeType(type).toString().trim().toLowerCase(Locale.ROOT);
            if (!essence.isEmpty() && !SIMPLE_TYPES.contains(essence)) {
                return null;
            }
            return HttpResponses.error(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "a " + request.method()
                + " needs a Content-Type such as application/yaml or application/json (got "
                + (type == null ? "none" : "'" + shown(type) + "'") + "): a web page cannot send those to another "
                + "site without asking first");
        };
    }

    private static boolean isStateChanging(final HttpMethod method) {
        return !HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method) && !HttpMethod.OPTIONS.equals(method);
    }

    private static boolean isUpgrade(final HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /** {@code origin} ({@code scheme://host[:port]}) names this connection's local address and port. */
    private static boolean isOwnOrigin(final ChannelHandlerContext channel, final String origin) {
        final URI uri;
        try {
            uri = new URI(origin);
        } catch (final URISyntaxException ex) {
            return false;
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            return false; // "null" (a sandboxed page, a file), or not a web origin
        }
        final int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        return isLocal(channel, uri.getHost() + ":" + port, port);
    }

    /** {@code hostAndPort} names the address the connection came in on (or localhost, on loopback) and its port. */
    private static boolean isLocal(final ChannelHandlerContext channel, final String hostAndPort,
                                   final int defaultPort) {
        if (!(channel.channel().localAddress() instanceof InetSocketAddress local)) {
            return false;
        }
        final String host = hostOf(hostAndPort);
        final int port = portOf(hostAndPort, defaultPort);
        if (port != local.getPort()) {
            return false;
        }
        if ("localhost".equalsIgnoreCase(host)) {
            return local.getAddress().isLoopbackAddress();
        }
        final byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        return literal != null && Arrays.equals(literal, local.getAddress().getAddress());
    }

    private static boolean isAllowedName(final String hostAndPort, final List<String> allowed) {
        final String host = hostOf(hostAndPort);
        for (final String entry : allowed) {
            if (entry.equalsIgnoreCase(hostAndPort) || entry.equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }

    /** The host of {@code host[:port]}, an IPv6 literal without its brackets. */
    private static String hostOf(final String hostAndPort) {
        final String value = hostAndPort.trim();
        if (value.startsWith("[")) {
            final int end = value.indexOf(']');
            return end < 0 ? value : value.substring(1, end);
        }
        final int colon = value.lastIndexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    private static int portOf(final String hostAndPort, final int defaultPort) {
        final String value = hostAndPort.trim();
        final int colon = value.lastIndexOf(':');
        if (colon < 0 || value.endsWith("]") || colon < value.lastIndexOf(']')) {
            return defaultPort;
        }
        try {
            return Integer.parseInt(value.substring(colon + 1));
        } catch (final NumberFormatException ex) {
            return -1;
        }
    }

    private static String shown(final String value) {
        return DiagramLimits.shown(value);
    }

    /**
     * The bearer token ({@link BearerToken}) on every request but the public ones (the dashboard's files and
     * {@code /health}, which carry no data): 401 with {@code WWW-Authenticate: Bearer} otherwise, after telling
     * {@code onRefused} (ingest counts it).
     */
    static Check bearerToken(final BearerToken token, final Predicate<FullHttpRequest> isPublic,
                             final Consumer<FullHttpRequest> onRefused) {
        return (channel, request) -> {
            if (isPublic.test(request) || token.presentIn(request)) {
                return null;
            }
            onRefused.accept(request);
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
            final ConnectionGuard connection = channel.pipeline().get(ConnectionGuard.class);
            if (connection != null) {
                connection.requestRead(isUpgrade(request));
            }
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
