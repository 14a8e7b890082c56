package io.tickwire.client;

import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.SimulationState;

/** The server's answers to requests, as the futures of {@link FeedClient} complete them. Plain values. */
public final class FeedAnswers {
    private FeedAnswers() {
    }

    /**
     * A {@code Subscribe} was accepted: {@code firstSequence} is the first tick that will be sent (the one asked for,
     * or the snapshot; -1: the next live one, none being closed yet), {@code lastSequence} the latest closed tick at
     * subscription time (-1: none yet).
     */
    public record Subscribed(long requestId, long simulationId, long firstSequence, long lastSequence,
                             ConflationPolicy policy) {
    }

    /** One simulation of a {@code SimulationList}. */
    public record SimulationInfo(long simulationId, SimulationState state, long lastSequence, long tickLengthNs,
                                 String name) {
    }

    /** A {@code Pong}: the Ping's own clock echoed and the server's epoch time when it answered. */
    public record Pong(long requestId, long clientTimeNs, long serverTimeNs, long receivedTimeNs) {
        /** Round trip on the client's {@link System#nanoTime()} clock. */
        public long roundTripNs() {
            return receivedTimeNs - clientTimeNs;
        }
    }
}
