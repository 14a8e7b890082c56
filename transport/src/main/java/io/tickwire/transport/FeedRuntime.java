package io.tickwire.transport;

import java.util.Set;

/**
 * What every feed connection of a {@link FeedServer} shares: its configuration, its simulations, the replay threads
 * that read journals off the event loops, the set of open feed connections (for {@code GET /connections}) and the
 * server's counters (for {@code GET /metrics}) and the REST answers still to be written (for a graceful close).
 */
record FeedRuntime(FeedServer.Context ctx, SimulationRegistry registry, ReplayThreads replayThreads,
                   Set<FeedFrameHandler> connections, FeedCounters counters, InFlightAnswers answers) {
}
