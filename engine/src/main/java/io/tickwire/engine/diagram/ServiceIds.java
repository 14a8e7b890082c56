package io.tickwire.engine.diagram;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tickwire.engine.diagram.DiagramLoader.MAX_SERVICES;

/**
 * Every service's id by name, read before the services themselves so that calls and loads can name any of them.
 * A service's id is its index in {@code services}; an attached database is the implicit service {@code <owner>.db},
 * numbered after the diagram's own services in the order of their owners, so that adding one never moves an id.
 */
final class ServiceIds {
    private final Map<String, Integer> ids = new HashMap<>();
    /** Service index to the id of its database. */
    private final Map<Integer, Integer> databaseOf = new HashMap<>();

    private ServiceIds() {
    }

    /** Reports a bad or duplicate name, a database name taken by a service, and too many services. */
    static ServiceIds number(final DiagramNode servicesNode, final List<DiagramNode> services) {
        final ServiceIds result = new ServiceIds();
        if (services.size() > MAX_SERVICES) {
            servicesNode.problem("at most " + MAX_SERVICES + " services (got " + services.size() + ")");
        }
        for (int i = 0; i < services.size(); i++) {
            final DiagramNode node = services.get(i);
            final String name = node.isObject() ? node.requireName("name") : null;
            if (name != null && result.ids.putIfAbsent(name, i) != null) {
                node.problem("name", "duplicate service name '" + name + "'");
            }
        }
        for (int i = 0; i < services.size(); i++) {
            final DiagramNode node = services.get(i);
            final String name = node.isObject() ? node.text("name") : null;
            // Only the first service of a valid name owns a database: the others are refused already.
            if (name != null && node.has("database") && Integer.valueOf(i).equals(result.ids.get(name))) {
                final String dbName = name + ".db";
                final int dbId = services.size() + result.databaseOf.size();
                if (result.ids.putIfAbsent(dbName, dbId) != null) {
                    node.problem("database", "its implicit service '" + dbName
                        + "' clashes with a service of that name");
                } else {
                    result.databaseOf.put(i, dbId);
                }
            }
        }
        if (services.size() + result.databaseOf.size() > MAX_SERVICES) {
            servicesNode.problem("at most " + MAX_SERVICES + " services, databases included (got "
                + (services.size() + result.databaseOf.size()) + ")");
        }
        return result;
    }

    /** The ids of a diagram already read: for what is read against it later (a fault added live). */
    static ServiceIds of(final Diagram diagram) {
        final ServiceIds result = new ServiceIds();
        for (final ServiceSpec s : diagram.services()) {
            result.ids.put(s.name(), s.id());
        }
        return result;
    }

    /** The id of the service called {@code name}, or null. */
    Integer id(final String name) {
        return ids.get(name);
    }

    /** The id of the database attached to service {@code index}; null when it has none (or it was refused). */
    Integer databaseOf(final int index) {
        return databaseOf.get(index);
    }

    /**
     * @return the id of the service that {@code field} names, or null after reporting it absent ({@code required})
     *         or unknown.
     */
    Integer target(final DiagramNode node, final String field, final String required) {
        final JsonNode value = node.raw(field);
        if (value == null || !value.isTextual()) {
            node.problem(field, required);
            return null;
        }
        final Integer id = ids.get(value.asText());
        if (id == null) {
            node.problem(field, "unknown service '" + DiagramLimits.shown(value.asText()) + "'");
        }
        return id;
    }
}
