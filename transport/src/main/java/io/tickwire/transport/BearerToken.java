package io.tickwire.transport;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The bearer token of a server ({@link FeedServer.Context#token}), checked in one place ({@link RequestGuard}) for
 * every route, upgrade and ingest endpoint alike. A request carries it as
 * <pre>
 *   Authorization: Bearer &lt;token&gt;                          any request (curl, Prometheus, programs)
 *   Sec-WebSocket-Protocol: tickwire.feed, tickwire.bearer.&lt;token&gt;   a WebSocket upgrade from a browser, which
 *                                                           cannot set headers; the server selects tickwire.feed
 * </pre>
 * Compared in constant time. Tokens are printable ASCII without separators (RFC 7230 tchar), so that they fit a
 * subprotocol name: e.g. {@code openssl rand -hex 32}.
 */
final class BearerToken {
    /** The subprotocol the server selects when a client offers it (with its token as another one). */
    static final String FEED_SUBPROTOCOL = "tickwire.feed";
    static final String SUBPROTOCOL_PREFIX = "tickwire.bearer.";
    private static final String SCHEME = "Bearer ";
    private static final String TCHARS = "!#$%&'*+-.^_`|~";

    private final byte[] expected;

    BearerToken(final String token) {
        check(token);
        this.expected = token.getBytes(StandardCharsets.US_ASCII);
    }

    /** @throws IllegalArgumentException if {@code token} is too short or has characters a subprotocol cannot carry. */
    static void check(final String token) {
        if (token.length() < 16) {
            throw new IllegalArgumentException("token must have at least 16 characters, got " + token.length());
        }
        for (int i = 0; i < token.length(); i++) {
            final char c = token.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || TCHARS.indexOf(c) >= 0)) {
                throw new IllegalArgumentException("token may hold letters, digits and " + TCHARS
                    + " only (it must fit a WebSocket subprotocol), found '" + c + "'");
            }
        }
    }

    /** Whether {@code request} carries the token, in its Authorization header or a bearer subprotocol. */
    boolean presentIn(final FullHttpRequest request) {
        final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
            && matches(authorization.substring(SCHEME.length()).trim())) {
            return true;
        }
        final String protocols = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (protocols != null) {
            for (final String p : protocols.split(",")) {
                final String protocol = p.trim();
                if (protocol.startsWith(SUBPROTOCOL_PREFIX) && matches(protocol.substring(SUBPROTOCOL_PREFIX.length()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean matches(final String candidate) {
        return MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII));
    }
}
