package io.tickwire.engine.sim;

import io.tickwire.sbe.Outcome;

import java.util.ArrayList;
import java.util.List;

/**
 * Test sink: per service and tick, the figures a tick closes with, every replica event, and checks that a service's
 * requests are conserved tick by tick — arrivals = completed (OK and errors) + rejected + the change of in flight
 * (queueDepth + busyServers) — recording the first breach in {@link #violation}.
 */
final class RecordingSink implements SampleSink {
    /** One closed tick of one service. */
    record Tick(long arrivals, long completed, long errors, long rejected, int queueDepth, int busy, int servers,
                long busyTimeNs, int replicas, int ready, long replicaTimeNs, long readyTimeNs, long latencySumNs) {
        int inFlight() {
            return queueDepth + busy;
        }
    }

    record Event(int service, long tick, long timeNs, int replica, int kind, int detail) {
        @Override
        public String toString() {
            return "s" + service + " r" + replica + " " + ReplicaEvents.name(kind) + "(" + detail + ")@" + timeNs;
        }
    }

    final int services;
    final List<List<Tick>> ticks = new ArrayList<>();
    final List<Event> events = new ArrayList<>();
    final long[] endToEndCompleted;
    final long[] endToEndErrors;
    final long[] endToEndRejected;
    private final long[] completed;
    private final long[] errors;
    private final long[] rejected;
    private final long[] latencySum;
    private final int[] lastInFlight;
    private final Tick[] pendingGauge;
    String violation;

    RecordingSink(final int services, final int sources) {
        this.services = services;
        for (int s = 0; s < services; s++) {
            ticks.add(new ArrayList<>());
        }
        completed = new long[services];
        errors = new long[services];
        rejected = new long[services];
        latencySum = new long[services];
        lastInFlight = new int[services];
        pendingGauge = new Tick[services];
        endToEndCompleted = new long[sources];
        endToEndErrors = new long[sources];
        endToEndRejected = new long[sources];
    }

    @Override
    public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                       final Outcome outcome) {
        if (outcome == Outcome.REJECTED) {
            rejected[serviceId]++;
            return;
        }
        completed[serviceId]++;
        latencySum[serviceId] += latencyNs;
        if (outcome != Outcome.OK) {
            errors[serviceId]++;
        }
    }

    @Override
    public void endToEnd(final int sourceId, final long tick, final long simTimeNs, final long latencyNs,
                         final Outcome outcome) {
        if (outcome == Outcome.REJECTED) {
            endToEndRejected[sourceId]++;
        } else {
            endToEndCompleted[sourceId]++;
            if (outcome != Outcome.OK) {
                endToEndErrors[sourceId]++;
            }
        }
    }

    @Override
    public void gauge(final int serviceId, final long tick, final long arrivals, final int queueDepth,
                      final int busyServers, final int servers, final long busyTimeNs, final long queueTimeNs,
                      final int retries) {
        final int s = serviceId;
        pendingGauge[s] = new Tick(arrivals, completed[s], errors[s], rejected[s], queueDepth, busyServers, servers,
            busyTimeNs, 0, 0, 0, 0, latencySum[s]);
        completed[s] = 0;
        errors[s] = 0;
        rejected[s] = 0;
        latencySum[s] = 0;
    }

    @Override
    public void replicaGauge(final int serviceId, final long tick, final int replicas, final int readyReplicas,
                             final long replicaTimeNs, final long readyTimeNs) {
        final Tick g = pendingGauge[serviceId];
        final Tick t = new Tick(g.arrivals(), g.completed(), g.errors(), g.rejected(), g.queueDepth(), g.busy(),
            g.servers(), g.busyTimeNs(), replicas, readyReplicas, replicaTimeNs, readyTimeNs, g.latencySumNs());
        ticks.get(serviceId).add(t);
        if (violation == null && t.arrivals() != t.completed() + t.rejected() + t.inFlight() - lastInFlight[serviceId]) {
            violation = "service " + serviceId + " tick " + tick + ": arrivals " + t.arrivals() + " != completed "
                + t.completed() + " + rejected " + t.rejected() + " + in flight " + t.inFlight() + " - "
                + lastInFlight[serviceId];
        }
        lastInFlight[serviceId] = t.inFlight();
    }

    @Override
    public void replicaEvent(final int serviceId, final long tick, final long simTimeNs, final int replica,
                             final int kind, final int detail) {
        events.add(new Event(serviceId, tick, simTimeNs, replica, kind, detail));
    }

    List<Event> events(final int kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    Tick tick(final int service, final int tick) {
        return ticks.get(service).get(tick);
    }

    long sum(final int service, final java.util.function.ToLongFunction<Tick> figure) {
        return ticks.get(service).stream().mapToLong(figure).sum();
    }
}
