package io.tickwire.engine.diagram;

/**
 * An open load source sending requests to one service.
 *
 * @param name       name of the source.
 * @param target     id of the service it calls.
 * @param targetName name of that service.
 * @param ratePerSec mean arrivals per second of simulated time.
 * @param arrivals   how inter-arrival times are drawn.
 */
public record LoadSpec(String name, int target, String targetName, double ratePerSec, Arrivals arrivals) {
    public enum Arrivals {
        /** Exponential inter-arrival times: a Poisson process. */
        POISSON,
        /** Fixed inter-arrival times of 1/rate. */
        CONSTANT
    }
}
