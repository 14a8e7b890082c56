package io.tickwire.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's files, from the classpath under a root prefix ({@code web/}). Only known file types are served,
 * paths with {@code ..}, backslashes or empty segments are refused, and what was found is cached (the classpath does
 * not change while the server runs).
 */
final class StaticResources {
    /** A file and its content type. */
    record Resource(byte[] bytes, String contentType) {
    }

    private static final Map<String, String> CONTENT_TYPES = Map.of(
        "html", "text/html; charset=UTF-8",
        "js", "text/javascript; charset=UTF-8",
        "mjs", "text/javascript; charset=UTF-8",
        "css", "text/css; charset=UTF-8",
        "json", "application/json",
        "map", "application/json",
        "svg", "image/svg+xml",
        "png", "image/png",
        "ico", "image/x-icon");

    private final String root;
    private final ClassLoader loader;
    private final Map<String, Resource> cache = new ConcurrentHashMap<>();

    StaticResources(final String root) {
        this.root = root;
        final ClassLoader context = Thread.currentThread().getContextClassLoader();
        this.loader = context != null ? context : StaticResources.class.getClassLoader();
    }

    /** True if {@code path} (decoded, from the request) may name a resource at all. */
    static boolean isSafe(final String path) {
        if (!path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return false;
        }
        for (final String segment : path.substring(1).split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return false;
            }
        }
        return !path.contains("//");
    }

    /** @return the resource for a safe request path, or null if there is none of a type served. */
    Resource find(final String path) {
        final String relative = "/".equals(path) ? "index.html" : path.substring(1);
        final String type = contentType(relative);
        if (type == null) {
            return null;
        }
        final Resource cached = cache.get(relative);
        if (cached != null) {
            return cached;
        }
        try (InputStream in = loader.getResourceAsStream(root + relative)) {
            if (in == null) {
                return null;
            }
            final Resource resource = new Resource(in.readAllBytes(), type);
            cache.put(relative, resource);
            return resource;
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String contentType(final String relative) {
        final int dot = relative.lastIndexOf('.');
        final int slash = relative.lastIndexOf('/');
        if (dot <= slash + 1 || dot == relative.length() - 1) {
            return null;
        }
        return CONTENT_TYPES.get(relative.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
