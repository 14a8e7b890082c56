package io.tickwire.engine.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON merge patch, RFC 7386, section 2: an object merges field by field (a {@code null} removes the field), anything
 * else (an array included) replaces the target. Works on copies: neither argument is changed.
 */
public final class MergePatch {
    private MergePatch() {
    }

    /** {@code MergePatch(target, patch)} of RFC 7386. */
    public static JsonNode apply(final JsonNode target, final JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        final ObjectNode result = target != null && target.isObject() ? ((ObjectNode)target).deepCopy()
            : ((ObjectNode)patch).objectNode();
        for (final Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), apply(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    /**
     * The field paths at which two trees differ, as a diagram names them ({@code services[1].replicas}): objects field
     * by field, arrays of equal length element by element; any other difference (a value, a type, a length, a field
     * present on one side only) is reported at its own path.
     */
    public static void differences(final String path, final JsonNode a, final JsonNode b, final List<String> into) {
        if (a == null ? b == null : a.equals(b)) {
            return;
        }
        if (a != null && b != null && a.isObject() && b.isObject()) {
            final java.util.TreeSet<String> names = new java.util.TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (final String name : names) {
                differences(path.isEmpty() ? name : path + "." + name, a.get(name), b.get(name), into);
            }
        } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                differences(path + "[" + i + "]", a.get(i), b.get(i), into);
            }
        } else {
            into.add(path);
        }
    }
}
