package io.tickwire.engine.diagram;

/**
 * Reads {@code services[i].startup}: how long a replica started during the run takes to be ready — a duration
 * ({@code 30s}) or a distribution written as a {@code latency} is ({@code {distribution: uniform, min: 20s, max:
 * 40s}}).
 */
final class StartupReader {
    private StartupReader() {
    }

    /** @return the start-up time's distribution; null for none (absent, 0 or refused): ready at once. */
    static LatencySpec read(final DiagramNode service, final String field) {
        final DiagramNode node = service.child(field);
        if (!node.isPresent()) {
            return null;
        }
        if (node.isObject()) {
            return LatencyReader.read(node);
        }
        final long ns = service.optionalNonNegativeDuration(field, 0);
        return ns > 0 ? LatencySpec.constant(ns) : null;
    }
}
