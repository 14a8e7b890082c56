package io.tickwire.transport;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The REST API's table of routes: a method and a path pattern ({@code /simulations/{id}/stop}: literal segments
 * and {@code {name}} parameters, one segment each) to a {@link Route}. Each concern registers its own routes (see
 * {@link SimulationsApi}, {@link ServerApi}); {@link #match} gives the route, or tells a known path with another
 * method (405, with the methods it allows) from an unknown one (404). Built once, before the server starts; read-only
 * afterwards, so every event loop may match concurrently.
 */
final class HttpRoutes {
    /** Answers one request: a response now, or {@link HttpExchange#LATER}. */
    @FunctionalInterface
    interface Route {
        FullHttpResponse handle(HttpExchange exchange);
    }

    /** What {@link #match} found: a route and its path parameters, or the methods the path allows (none: 404). */
    record Match(Route route, Map<String, String> parameters, String allow) {
        boolean found() {
            return route != null;
        }

        boolean pathKnown() {
            return route != null || !allow.isEmpty();
        }
    }

    private record Entry(HttpMethod method, String[] segments, Route route) {
    }

    private final List<Entry> entries = new ArrayList<>();

    HttpRoutes add(final HttpMethod method, final String pattern, final Route route) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("a route's pattern starts with /: " + pattern);
        }
        entries.add(new Entry(method, segments(pattern), route));
        return this;
    }

    Match match(final HttpMethod method, final String path) {
        final String[] segments = segments(path);
        final Set<String> allowed = new LinkedHashSet<>();
        for (final Entry e : entries) {
            final Map<String, String> parameters = bind(e.segments, segments);
            if (parameters == null) {
                continue;
            }
            if (e.method.equals(method)) {
                return new Match(e.route, parameters, "");
            }
            allowed.add(e.method.name());
        }
        final StringJoiner allow = new StringJoiner(", ");
        allowed.forEach(allow::add);
        return new Match(null, Map.of(), allow.toString());
    }

    private static Map<String, String> bind(final String[] pattern, final String[] path) {
        if (pattern.length != path.length) {
            return null;
        }
        Map<String, String> parameters = Map.of();
        for (int i = 0; i < pattern.length; i++) {
            final String p = pattern[i];
            if (p.length() > 2 && p.charAt(0) == '{' && p.charAt(p.length() - 1) == '}') {
                if (path[i].isEmpty()) {
                    return null;
                }
                if (parameters.isEmpty()) {
                    parameters = new LinkedHashMap<>();
                }
                parameters.put(p.substring(1, p.length() - 1), path[i]);
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        return parameters;
    }

    private static String[] segments(final String path) {
        return "/".equals(path) ? new String[0] : path.substring(1).split("/", -1);
    }
}
