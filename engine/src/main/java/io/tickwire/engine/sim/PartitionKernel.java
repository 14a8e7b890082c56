package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.sbe.Outcome;
import org.agrona.BitUtil;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Per-request discrete-event simulation of one partition: a set of services closed under calls, with the load
 * sources that feed them. Nothing crosses a partition, so a partition's results depend only on the diagram and
 * the seed, whichever worker runs it.
 * <p>
 * A request arrives at a service, starts service at once if one of its {@code replicas × concurrency} servers is
 * free, else waits in FIFO order, or is rejected when the queue is full. Its service time is drawn from the
 * service's distribution; on completion it fails with the service's failure probability, else it moves on along at
 * most one forward call (chosen by probability) and arrives at the callee after the call's delay.
 * <p>
 * State is primitive arrays indexed by local service, source and request ids; requests come from a free list, so
 * the steady state allocates nothing. <b>Single-threaded</b>: owned by one worker thread.
 */
public final class PartitionKernel {
    private static final int KIND_BITS = 2;
    private static final int KIND_MASK = (1 << KIND_BITS) - 1;
    private static final int SOURCE = 0;
    private static final int ARRIVE = 1;
    private static final int DEPART = 2;


    private final int[] serviceIds;
    // Per local service.
    private final int[] servers;
    private final int[] busy;
    private final int[] queueCapacity;
    private final int[][] queue;
    private final int[] queueHead;
    private final int[] queueSize;
    private final long[] arrivals;
    // Time integrals of busy servers and waiting requests since the tick began, accrued at every change.
    private final long[] busyTimeNs;
    private final long[] queueTimeNs;
    private final long[] accruedToNs;
    private final LatencyDistribution[] latency;
    private final double[] failureRate;
    private final int[][] callTarget;
    private final double[][] callCumulative;
    private final long[][] callDelayNs;
    private final SplittableRandom[] serviceRandom;
    // Per load source.
    private final int[] sourceTarget;
    private final double[] sourceMeanGapNs;
    private final boolean[] sourcePoisson;
    /** Closed sources: mean think time (a user's next request follows its previous one's exit); else -1. */
    private final double[] sourceThinkNs;
    /** Open sources whose rate varies over time (a schedule or a diurnal cycle); null for a constant rate. */
    private final ScheduledArrivals[] sourceSchedule;
    private final SplittableRandom[] sourceRandom;
    private final int[] sourceIds;
    // Per request.
    private int[] requestService;
    private long[] requestArrivedNs;
    private long[] requestEnteredNs;
    private int[] requestSource;
    private int[] freeRequests;
    private int freeCount;
    private int requestCapacity;

    private final EventQueue events = new EventQueue(1024);
    private long visits;

    /**
     * @param diagram    the whole diagram.
     * @param serviceIds the global ids of this partition's services; every call target of theirs must be among them.
     * @param seed       the run's seed.
     */
    public PartitionKernel(final Diagram diagram, final int[] serviceIds, final long seed) {
        this.serviceIds = serviceIds.clone();
        final int n = serviceIds.length;
        final int[] localOf = new int[diagram.services().size()];
        Arrays.fill(localOf, -1);
        for (int i = 0; i < n; i++) {
            localOf[serviceIds[i]] = i;
        }

        servers = new int[n];
        busy = new int[n];
        queueCapacity = new int[n];
        queue = new int[n][];
        queueHead = new int[n];
        queueSize = new int[n];
        arrivals = new long[n];
        busyTimeNs = new long[n];
        queueTimeNs = new long[n];
        accruedToNs = new long[n];
        latency = new LatencyDistribution[n];
        failureRate = new double[n];
        callTarget = new int[n][];
        callCumulative = new double[n][];
        callDelayNs = new long[n][];
        serviceRandom = new SplittableRandom[n];

        for (int i = 0; i < n; i++) {
            final ServiceSpec s = diagram.service(serviceIds[i]);
            servers[i] = s.servers();
            queueCapacity[i] = s.queueCapacity();
            // A power of two, so that the ring index is a mask; grown on demand up to the capacity.
            queue[i] = new int[s.queueCapacity() == ServiceSpec.UNBOUNDED ? 64 :
                BitUtil.findNextPositivePowerOfTwo(Math.max(1, Math.min(s.queueCapacity(), 1 << 16)))];
            latency[i] = new LatencyDistribution(s.latency());
            failureRate[i] = s.failureRate();
            final int calls = s.calls().size();
            callTarget[i] = new int[calls];
            callCumulative[i] = new double[calls];
            callDelayNs[i] = new long[calls];
            double cumulative = 0;
            for (int c = 0; c < calls; c++) {
                final CallSpec call = s.calls().get(c);
                final int target = localOf[call.target()];
                if (target < 0) {
                    throw new IllegalArgumentException("service " + s.name() + " calls " + call.to()
                        + " outside its partition");
                }
                cumulative += call.probability();
                callTarget[i][c] = target;
                callCumulative[i][c] = cumulative;
                callDelayNs[i][c] = call.delayNs();
            }
            serviceRandom[i] = RandomStreams.forService(seed, serviceIds[i]);
        }

        int sources = 0;
        for (final LoadSpec load : diagram.load()) {
            if (localOf[load.target()] >= 0) {
                sources++;
            }
        }
        sourceTarget = new int[sources];
        sourceMeanGapNs = new double[sources];
        sourcePoisson = new boolean[sources];
        sourceThinkNs = new double[sources];
        sourceSchedule = new ScheduledArrivals[sources];
        sourceRandom = new SplittableRandom[sources];
        sourceIds = new int[sources];
        for (int l = 0, k = 0; l < diagram.load().size(); l++) {
            final LoadSpec load = diagram.load().get(l);
            if (localOf[load.target()] < 0) {
                continue;
            }
            sourceTarget[k] = localOf[load.target()];
            sourcePoisson[k] = load.arrivals() == LoadSpec.Arrivals.POISSON;
            sourceRandom[k] = RandomStreams.forSource(seed, l);
            sourceIds[k] = l;
            if (load.arrivals() == LoadSpec.Arrivals.CLOSED) {
                // Every user starts after one think time (at 0 with no think time), then loops.
                sourceThinkNs[k] = load.thinkNs();
                for (int u = 0; u < load.users(); u++) {
                    events.add(thinkNs(k), (k << KIND_BITS) | SOURCE);
                }
            } else {
                sourceThinkNs[k] = -1;
                double ratePerSec = load.ratePerSec();
                if (load.isScheduled()) {
                    // A schedule that never changes the rate draws exactly as no schedule (same seed, same run).
                    final ScheduledArrivals schedule = new ScheduledArrivals(load);
                    if (schedule.varies()) {
                        sourceSchedule[k] = schedule;
                    } else {
                        ratePerSec = schedule.constantRatePerSec();
                    }
                }
                sourceMeanGapNs[k] = 1e9 / ratePerSec;
                events.add(nextGapNs(k, 0), (k << KIND_BITS) | SOURCE);
            }
            k++;
        }

        requestCapacity = 0;
        requestService = new int[0];
        requestArrivedNs = new long[0];
        requestEnteredNs = new long[0];
        requestSource = new int[0];
        freeRequests = new int[0];
        growRequests(1024);
    }

    /** Global ids (indexes in the diagram's load) of this partition's load sources. */
    public int[] sourceIds() {
        return sourceIds.clone();
    }

    /** Global ids of this partition's services. */
    public int[] serviceIds() {
        return serviceIds.clone();
    }

    /** Service visits simulated so far (completions and rejections). */
    public long visits() {
        return visits;
    }

    /**
     * Simulate every event before {@code endNs}, reporting to {@code sink} under tick number {@code tick}, then
     * report each service's gauges for the tick.
     */
    public void advance(final long tick, final long endNs, final SampleSink sink) {
        final EventQueue events = this.events;
        while (events.size() > 0 && events.peekTime() < endNs) {
            final long now = events.peekTime();
            final int payload = events.peekPayload();
            events.removeFirst();
            final int index = payload >>> KIND_BITS;
            switch (payload & KIND_MASK) {
                case SOURCE -> onSource(index, now);
                case ARRIVE -> onArrive(index, now, tick, sink);
                case DEPART -> onDepart(index, now, tick, sink);
                default -> throw new IllegalStateException("bad event " + payload);
            }
        }
        for (int i = 0; i < serviceIds.length; i++) {
            accrue(i, endNs);
            sink.gauge(serviceIds[i], tick, arrivals[i], queueSize[i], busy[i], servers[i], busyTimeNs[i],
                queueTimeNs[i]);
            arrivals[i] = 0;
            busyTimeNs[i] = 0;
            queueTimeNs[i] = 0;
        }
    }

    private void onSource(final int source, final long now) {
        final int request = allocateRequest();
        requestService[request] = sourceTarget[source];
        requestSource[request] = source;
        requestEnteredNs[request] = now;
        events.add(now, (request << KIND_BITS) | ARRIVE);
        if (sourceThinkNs[source] < 0) {
            events.add(now + nextGapNs(source, now), (source << KIND_BITS) | SOURCE);
        }
    }

    private void onArrive(final int request, final long now, final long tick, final SampleSink sink) {
        final int s = requestService[request];
        arrivals[s]++;
        requestArrivedNs[request] = now;
        accrue(s, now);
        if (busy[s] < servers[s]) {
            busy[s]++;
            events.add(now + serviceTimeNs(s), (request << KIND_BITS) | DEPART);
        } else if (queueCapacity[s] == ServiceSpec.UNBOUNDED || queueSize[s] < queueCapacity[s]) {
            enqueue(s, request);
        } else {
            visits++;
            sink.sample(serviceIds[s], tick, now, 0, Outcome.REJECTED);
            leave(request, now, tick, sink, Outcome.REJECTED);
        }
    }

    private void onDepart(final int request, final long now, final long tick, final SampleSink sink) {
        final int s = requestService[request];
        final SplittableRandom random = serviceRandom[s];
        visits++;
        accrue(s, now);

        // The freed server takes the head of the queue first: its service time is drawn before this request's
        // routing, a fixed order of draws from the service's stream.
        if (queueSize[s] > 0) {
            final int next = dequeue(s);
            events.add(now + serviceTimeNs(s), (next << KIND_BITS) | DEPART);
        } else {
            busy[s]--;
        }

        final boolean failed = failureRate[s] > 0 && random.nextDouble() < failureRate[s];
        sink.sample(serviceIds[s], tick, now, now - requestArrivedNs[request], failed ? Outcome.ERROR : Outcome.OK);
        if (failed) {
            leave(request, now, tick, sink, Outcome.ERROR);
            return;
        }
        final int[] targets = callTarget[s];
        if (targets.length > 0) {
            final double u = random.nextDouble();
            final double[] cumulative = callCumulative[s];
            for (int c = 0; c < targets.length; c++) {
                if (u < cumulative[c]) {
                    requestService[request] = targets[c];
                    events.add(now + callDelayNs[s][c], (request << KIND_BITS) | ARRIVE);
                    return;
                }
            }
        }
        leave(request, now, tick, sink, Outcome.OK);
    }

    /** The request leaves the system: report its end-to-end latency against the source it came from. */
    private void leave(final int request, final long now, final long tick, final SampleSink sink,
                       final Outcome outcome) {
        final int source = requestSource[request];
        sink.endToEnd(sourceIds[source], tick, now, now - requestEnteredNs[request], outcome);
        freeRequest(request);
        if (sourceThinkNs[source] >= 0) {
            // A closed source's user thinks, then sends its next request.
            events.add(now + thinkNs(source), (source << KIND_BITS) | SOURCE);
        }
    }

    /** Add the busy and queue areas since the last change; called before every change of either. */
    private void accrue(final int s, final long now) {
        final long dt = now - accruedToNs[s];
        busyTimeNs[s] += busy[s] * dt;
        queueTimeNs[s] += queueSize[s] * dt;
        accruedToNs[s] = now;
    }

    private long serviceTimeNs(final int s) {
        return latency[s].sampleNs(serviceRandom[s]);
    }

    /** A closed source's think time: exponential with its mean, or 0 (no draw) when the mean is 0. */
    private long thinkNs(final int source) {
        final double mean = sourceThinkNs[source];
        return mean == 0 ? 0 : Math.round(-mean * Math.log(1.0 - sourceRandom[source].nextDouble()));
    }

    /** The gap from an open source's arrival at {@code now} (or from 0, for its first) to its next arrival. */
    private long nextGapNs(final int source, final long now) {
        final ScheduledArrivals schedule = sourceSchedule[source];
        if (schedule != null) {
            return schedule.nextArrivalNs(now, sourceRandom[source]) - now;
        }
        final double mean = sourceMeanGapNs[source];
        final double gap = sourcePoisson[source] ? -mean * Math.log(1.0 - sourceRandom[source].nextDouble()) : mean;
        // At least 1 ns apart, so that a source always advances time.
        return Math.max(1L, Math.round(gap));
    }

    private void enqueue(final int s, final int request) {
        int[] q = queue[s];
        if (queueSize[s] == q.length) {
            // Unbounded (or a bound above the initial size): grow, unrolling the ring.
            final int[] grown = new int[q.length << 1];
            for (int i = 0; i < queueSize[s]; i++) {
                grown[i] = q[(queueHead[s] + i) & (q.length - 1)];
            }
            queue[s] = q = grown;
            queueHead[s] = 0;
        }
        q[(queueHead[s] + queueSize[s]) & (q.length - 1)] = request;
        queueSize[s]++;
    }

    private int dequeue(final int s) {
        final int[] q = queue[s];
        final int request = q[queueHead[s]];
        queueHead[s] = (queueHead[s] + 1) & (q.length - 1);
        queueSize[s]--;
        return request;
    }

    private int allocateRequest() {
        if (freeCount == 0) {
            growRequests(requestCapacity << 1);
        }
        return freeRequests[--freeCount];
    }

    private void freeRequest(final int request) {
        freeRequests[freeCount++] = request;
    }

    private void growRequests(final int capacity) {
        if (capacity > (Integer.MAX_VALUE >>> KIND_BITS)) {
            throw new IllegalStateException("more than " + (Integer.MAX_VALUE >>> KIND_BITS)
                + " requests in flight: the system is overloaded without bound");
        }
        requestService = Arrays.copyOf(requestService, capacity);
        requestArrivedNs = Arrays.copyOf(requestArrivedNs, capacity);
        requestEnteredNs = Arrays.copyOf(requestEnteredNs, capacity);
        requestSource = Arrays.copyOf(requestSource, capacity);
        final int[] free = new int[capacity];
        System.arraycopy(freeRequests, 0, free, 0, freeCount);
        // Push new ids so that the lowest is handed out first.
        for (int id = capacity - 1; id >= requestCapacity; id--) {
            free[freeCount++] = id;
        }
        freeRequests = free;
        requestCapacity = capacity;
    }
}
