package io.tickwire.engine.diagram;

/**
 * A load source sending requests to one service: open (a rate) or closed (users who wait for each answer).
 *
 * @param name       name of the source.
 * @param target     id of the service it calls.
 * @param targetName name of that service.
 * @param ratePerSec mean arrivals per second of simulated time (open sources; 0 for closed).
 * @param arrivals   how arrivals are generated.
 * @param users      closed sources: the number of users, each with one request in the system or thinking.
 * @param thinkNs    closed sources: mean think time between a request leaving the system and the user's next one
 *                   (exponential; 0 sends the next at once).
 */
public record LoadSpec(String name, int target, String targetName, double ratePerSec, Arrivals arrivals, int users,
                       long thinkNs) {
    /** An open source. */
    public LoadSpec(final String name, final int target, final String targetName, final double ratePerSec,
                    final Arrivals arrivals) {
        this(name, target, targetName, ratePerSec, arrivals, 0, 0);
    }

    public enum Arrivals {
        /** Exponential inter-arrival times: a Poisson process. */
        POISSON,
        /** Fixed inter-arrival times of 1/rate. */
        CONSTANT,
        /** A closed loop of {@code users}: the next request follows the previous one's exit and a think time. */
        CLOSED
    }
}
