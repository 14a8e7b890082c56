package io.tickwire.engine.diagram;

/**
 * A forward call: after a successful visit, the request moves on to {@code target} with {@code probability}.
 *
 * @param target      id of the called service.
 * @param to          its name.
 * @param probability chance this call is taken; a service's calls sum to at most 1, the rest leaves the system.
 * @param delayNs     network hop delay before the request arrives at the target.
 */
public record CallSpec(int target, String to, double probability, long delayNs) {
}
