package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.RetrySpec;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.sbe.Outcome;
import org.agrona.BitUtil;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Per-request discrete-event simulation of one partition of a diagram (see {@link Partitioner}), with the load
 * sources that feed it. Work for another partition leaves through {@link Mailboxes} with its exact timestamp; work
 * from others comes in at the start of each window ({@link #deliver}), in a fixed order, so a partition's events
 * depend only on the diagram and the seed, whichever worker runs it.
 * <p>
 * A request (a <i>visit</i>) arrives at a service, starts service at once if one of its {@code replicas × concurrency}
 * servers is free, else waits in FIFO order, or is rejected when the queue is full. Its own work lasts a time drawn
 * from the service's distribution and ends with the failure draw. Then, keeping its server, it makes its sync calls:
 * the database queries one after another, then the others one after another or all at once (join: wait for all).
 * Each call is a child visit at the callee that answers after the call's delay; a call may time out (a late answer
 * is dropped) and be retried after a backoff. When every call has answered the visit completes, frees its server,
 * and — if it is not itself answering a caller — moves on along at most one forward call, or leaves the system.
 * <p>
 * Equal-time events run in the order they were scheduled (one fixed rule); messages from other partitions are
 * scheduled at the start of the window they arrive in, by source partition, then send order.
 * <p>
 * State is primitive arrays indexed by local service, source, visit and pending-call ids; visits and calls come from
 * free lists, so the steady state allocates nothing. <b>Single-threaded</b>: owned by one worker at a time.
 */
public final class PartitionKernel {
    // Event payload: kind in the low 3 bits, an index (visit, source or pending call) in the next 29, a generation
    // in the high 32.
    private static final int KIND_BITS = 3;
    private static final int KIND_MASK = (1 << KIND_BITS) - 1;
    private static final int INDEX_BITS = 29;
    private static final int MAX_INDEX = (1 << INDEX_BITS) - 1;
    private static final int SOURCE = 0;
    private static final int ARRIVE = 1;
    private static final int WORK_DONE = 2;
    private static final int ANSWER_OK = 3;
    private static final int ANSWER_ERROR = 4;
    private static final int TIMEOUT = 5;
    private static final int RETRY = 6;
    // Message kinds between partitions.
    private static final long MSG_FORWARD = 1;
    private static final long MSG_CALL = 2;
    private static final long MSG_ANSWER = 3;

    private static final byte OK = 0;
    private static final byte ERROR = 1;
    private static final byte TIMED_OUT = 2;
    private static final byte REJECTED = 3;
    private static final Outcome[] OUTCOMES = {Outcome.OK, Outcome.ERROR, Outcome.TIMEOUT, Outcome.REJECTED};
    /** {@link #advance} asks whether to abandon the tick once per this many events (a power of two). */
    static final int STOP_CHECK_EVENTS = 4096;
    private static final BooleanSupplier NEVER = () -> false;

    private final int partition;
    private final int partitionCount;
    private final int[] partitionOf;
    private final int[] localOf;
    private final Mailboxes mailboxes;
    private int sendParity;
    private long windowStartNs;

    private final int[] serviceIds;
    // Per local service.
    private final int[] servers;
    private final int[] busy;
    private final int[] queueCapacity;
    private final int[][] queue;
    private final int[] queueHead;
    private final int[] queueSize;
    private final long[] arrivals;
    private final int[] retries;
    // Time integrals of busy servers and waiting requests since the tick began, accrued at every change.
    private final long[] busyTimeNs;
    private final long[] queueTimeNs;
    private final long[] accruedToNs;
    private final LatencyDistribution[] latency;
    private final double[] failureRate;
    private final int[][] forwardTarget;
    private final double[][] forwardCumulative;
    private final long[][] forwardDelayNs;
    private final int[][] syncTarget;
    private final double[][] syncProbability;
    private final long[][] syncDelayNs;
    private final long[][] syncTimeoutNs;
    private final RetrySpec[][] syncRetry;
    private final int[] databaseCalls;
    private final boolean[] parallel;
    private final SplittableRandom[] serviceRandom;
    // Per load source of this partition.
    private final int[] sourceTarget;
    private final double[] sourceMeanGapNs;
    private final boolean[] sourcePoisson;
    /** Closed sources: mean think time (a user's next request follows its previous one's exit); else -1. */
    private final double[] sourceThinkNs;
    /** Open sources whose rate varies over time (a schedule or a diurnal cycle); null for a constant rate. */
    private final ScheduledArrivals[] sourceSchedule;
    private final SplittableRandom[] sourceRandom;
    private final int[] sourceIds;
    /** Per global source id: its local index here, or -1. */
    private final int[] localSourceOf;
    // Per visit.
    private int[] visitService;
    private long[] visitArrivedNs;
    private long[] visitEnteredNs;
    /** The global load source of a visit that is not answering a caller; -1 for a sync call's visit. */
    private int[] visitSource;
    private int[] callerPartition;
    private int[] callerCall;
    private int[] callerGeneration;
    private long[] answerDelayNs;
    private int[] nextCall;
    private int[] pendingCalls;
    private byte[] callOutcome;
    private int[] freeVisits;
    private int freeVisitCount;
    private int visitCapacity;
    // Per pending sync call (in the caller's partition).
    private int[] callVisit;
    private int[] callIndex;
    private int[] callAttempt;
    /** Bumped whenever the call is answered, timed out or retried, so that stale answers and timeouts are dropped. */
    private int[] callGeneration;
    private int[] freeCalls;
    private int freeCallCount;
    private int callCapacity;

    private final EventQueue events = new EventQueue(1024);
    private long visits;
    /** What growing its visits, calls and events reserves from: the run's bound on pending state. */
    private PendingBudget budget = PendingBudget.UNBOUNDED;
    private boolean overloaded;

    /** The only partition of a diagram that no call crosses (tests and single-partition tools). */
    public PartitionKernel(final Diagram diagram, final int[] serviceIds, final long seed) {
        this(diagram, single(diagram, serviceIds), 0, null, seed);
    }

    /**
     * @param diagram   the whole diagram.
     * @param plan      its partitions.
     * @param partition which one this kernel simulates.
     * @param mailboxes shared by every kernel of the plan; null when no call crosses partitions.
     * @param seed      the run's seed.
     */
    public PartitionKernel(final Diagram diagram, final Partitioner.Plan plan, final int partition,
                           final Mailboxes mailboxes, final long seed) {
        this.partition = partition;
        this.partitionCount = plan.count();
        this.partitionOf = plan.partitionOf();
        this.localOf = plan.localOf();
        this.mailboxes = mailboxes;
        this.serviceIds = plan.partitions().get(partition).clone();
        final int n = serviceIds.length;

        servers = new int[n];
        busy = new int[n];
        queueCapacity = new int[n];
        queue = new int[n][];
        queueHead = new int[n];
        queueSize = new int[n];
        arrivals = new long[n];
        retries = new int[n];
        busyTimeNs = new long[n];
        queueTimeNs = new long[n];
        accruedToNs = new long[n];
        latency = new LatencyDistribution[n];
        failureRate = new double[n];
        forwardTarget = new int[n][];
        forwardCumulative = new double[n][];
        forwardDelayNs = new long[n][];
        syncTarget = new int[n][];
        syncProbability = new double[n][];
        syncDelayNs = new long[n][];
        syncTimeoutNs = new long[n][];
        syncRetry = new RetrySpec[n][];
        databaseCalls = new int[n];
        parallel = new boolean[n];
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
            final List<CallSpec> forward = s.forwardCalls();
            forwardTarget[i] = new int[forward.size()];
            forwardCumulative[i] = new double[forward.size()];
            forwardDelayNs[i] = new long[forward.size()];
            double cumulative = 0;
            for (int c = 0; c < forward.size(); c++) {
                final CallSpec call = forward.get(c);
                checkReachable(s, call);
                cumulative += call.probability();
                forwardTarget[i][c] = call.target();
                forwardCumulative[i][c] = cumulative;
                forwardDelayNs[i][c] = call.delayNs();
            }
            final List<CallSpec> sync = s.syncCalls();
            syncTarget[i] = new int[sync.size()];
            syncProbability[i] = new double[sync.size()];
            syncDelayNs[i] = new long[sync.size()];
            syncTimeoutNs[i] = new long[sync.size()];
            syncRetry[i] = new RetrySpec[sync.size()];
            for (int c = 0; c < sync.size(); c++) {
                final CallSpec call = sync.get(c);
                checkReachable(s, call);
                syncTarget[i][c] = call.target();
                syncProbability[i][c] = call.probability();
                syncDelayNs[i][c] = call.delayNs();
                syncTimeoutNs[i][c] = call.timeoutNs();
                syncRetry[i][c] = call.retry();
            }
            databaseCalls[i] = s.databaseCalls();
            parallel[i] = s.fanout() == ServiceSpec.Fanout.PARALLEL;
            serviceRandom[i] = RandomStreams.forService(seed, serviceIds[i]);
        }

        localSourceOf = new int[diagram.load().size()];
        Arrays.fill(localSourceOf, -1);
        int sources = 0;
        for (final LoadSpec load : diagram.load()) {
            if (partitionOf[load.target()] == partition) {
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
            if (partitionOf[load.target()] != partition) {
                continue;
            }
            localSourceOf[l] = k;
            sourceTarget[k] = localOf[load.target()];
            sourcePoisson[k] = load.arrivals() == LoadSpec.Arrivals.POISSON;
            sourceRandom[k] = RandomStreams.forSource(seed, l);
            sourceIds[k] = l;
            if (load.arrivals() == LoadSpec.Arrivals.CLOSED) {
                // Every user starts after one think time (at 0 with no think time), then loops.
                sourceThinkNs[k] = load.thinkNs();
                for (int u = 0; u < load.users(); u++) {
                    events.add(thinkNs(k), payload(SOURCE, k, 0));
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
                events.add(nextGapNs(k, 0), payload(SOURCE, k, 0));
            }
            k++;
        }

        visitCapacity = 0;
        visitService = new int[0];
        visitArrivedNs = new long[0];
        visitEnteredNs = new long[0];
        visitSource = new int[0];
        callerPartition = new int[0];
        callerCall = new int[0];
        callerGeneration = new int[0];
        answerDelayNs = new long[0];
        nextCall = new int[0];
        pendingCalls = new int[0];
        callOutcome = new byte[0];
        freeVisits = new int[0];
        growVisits(1024);
        callCapacity = 0;
        callVisit = new int[0];
        callIndex = new int[0];
        callAttempt = new int[0];
        callGeneration = new int[0];
        freeCalls = new int[0];
        growCalls(256);
    }

    private static Partitioner.Plan single(final Diagram diagram, final int[] serviceIds) {
        final int[] partitionOf = new int[diagram.services().size()];
        final int[] localOf = new int[diagram.services().size()];
        Arrays.fill(partitionOf, -1);
        for (int i = 0; i < serviceIds.length; i++) {
            partitionOf[serviceIds[i]] = 0;
            localOf[serviceIds[i]] = i;
        }
        return new Partitioner.Plan(List.of(serviceIds.clone()), partitionOf, localOf, new boolean[1][1],
            Long.MAX_VALUE);
    }

    private void checkReachable(final ServiceSpec s, final CallSpec call) {
        final int to = partitionOf[call.target()];
        if (to < 0 || (to != partition && (mailboxes == null || !mailboxes.joined(partition, to)))) {
            throw new IllegalArgumentException("service " + s.name() + " calls " + call.to()
                + " outside its partition, with no mailbox to it");
        }
        if (to != partition && call.delayNs() <= 0) {
            throw new IllegalArgumentException("service " + s.name() + " calls " + call.to()
                + " in another partition without delay");
        }
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
     * Share {@code budget} with the run's other partitions, reserving what this one holds already; before it runs.
     *
     * @throws IllegalArgumentException if even that is more than the budget.
     */
    void pendingBudget(final PendingBudget budget) {
        try {
            budget.reserve((long)visitCapacity + callCapacity + events.capacity());
        } catch (final PendingLimitException ex) {
            throw new IllegalArgumentException("the run's bound of " + budget.limit() + " pending requests and "
                + "events is less than its start needs (closed users, partitions)");
        }
        this.budget = budget;
        events.budget(budget);
    }

    /**
     * Whether this partition would have passed the run's bound on pending requests and events: it stopped in the
     * middle of a tick, and its state is no longer fit to go on. The run ends.
     */
    public boolean overloaded() {
        return overloaded;
    }

    /**
     * Start window {@code window} (numbered from 0 over the whole run) at {@code startNs}: schedule the messages
     * other partitions sent to this one during the previous window — by source partition, then send order — and
     * send this window's messages into the other parity. Only once every sender has finished the previous window.
     */
    public void deliver(final long window, final long startNs) {
        windowStartNs = startNs;
        sendParity = (int)(window & 1);
        if (mailboxes == null || window == 0 || overloaded) {
            return;
        }
        try {
            receiveAll();
        } catch (final PendingLimitException ex) {
            overloaded = true;
        }
    }

    private void receiveAll() {
        final int parity = sendParity ^ 1;
        for (int from = 0; from < partitionCount; from++) {
            if (from == partition || !mailboxes.joined(from, partition)) {
                continue;
            }
            final int count = mailboxes.count(from, partition, parity);
            final long[] b = mailboxes.buffer(from, partition, parity);
            for (int m = 0, at = 0; m < count; m++, at += Mailboxes.WORDS) {
                receive(b[at], b[at + 1], b[at + 2], b[at + 3], b[at + 4]);
            }
            mailboxes.clear(from, partition, parity);
        }
    }

    private void receive(final long timeNs, final long w1, final long w2, final long w3, final long w4) {
        if (timeNs < windowStartNs) {
            throw new IllegalStateException("a message for " + timeNs + " ns arrived in the window starting at "
                + windowStartNs + " ns: the window is longer than a cut call's delay");
        }
        final long kind = w1 >>> 32;
        final int low = (int)w1;
        if (kind == MSG_FORWARD) {
            final int v = allocateVisit();
            visitService[v] = localOf[low];
            visitEnteredNs[v] = w2;
            visitSource[v] = (int)w3;
            events.add(timeNs, payload(ARRIVE, v, 0));
        } else if (kind == MSG_CALL) {
            final int v = allocateVisit();
            visitService[v] = localOf[low];
            visitSource[v] = -1;
            callerPartition[v] = (int)(w2 >>> 32);
            callerCall[v] = (int)w2;
            callerGeneration[v] = (int)w3;
            answerDelayNs[v] = w4;
            events.add(timeNs, payload(ARRIVE, v, 0));
        } else {
            events.add(timeNs, payload(w2 == OK ? ANSWER_OK : ANSWER_ERROR, low, (int)w3));
        }
    }

    /** Simulate every event before {@code endNs}, reporting to {@code sink} under tick number {@code tick}. */
    public void advance(final long tick, final long endNs, final SampleSink sink) {
        advance(tick, endNs, sink, NEVER);
    }

    /**
     * As {@link #advance(long, long, SampleSink)}, asking {@code abandon} every {@value #STOP_CHECK_EVENTS} events
     * whether to give the tick up (a stop that cannot wait for a huge tick's end).
     *
     * @return true once every event before {@code endNs} is done; false if abandoned, or {@link #overloaded()}:
     *         the tick is then incomplete, and the partition's state unfit to go on.
     */
    public boolean advance(final long tick, final long endNs, final SampleSink sink, final BooleanSupplier abandon) {
        if (overloaded) {
            return false;
        }
        try {
            return advanceOrAbandon(tick, endNs, sink, abandon);
        } catch (final PendingLimitException ex) {
            overloaded = true;
            return false;
        }
    }

    private boolean advanceOrAbandon(final long tick, final long endNs, final SampleSink sink,
                                     final BooleanSupplier abandon) {
        final EventQueue events = this.events;
        int sinceCheck = 0;
        while (events.size() > 0 && events.peekTime() < endNs) {
            if ((++sinceCheck & (STOP_CHECK_EVENTS - 1)) == 0 && abandon.getAsBoolean()) {
                return false;
            }
            final long now = events.peekTime();
            final long payload = events.peekPayload();
            events.removeFirst();
            final int index = (int)(payload >>> KIND_BITS) & MAX_INDEX;
            final int generation = (int)(payload >>> 32);
            switch ((int)payload & KIND_MASK) {
                case SOURCE -> onSource(index, now);
                case ARRIVE -> onArrive(index, now, tick, sink);
                case WORK_DONE -> onWorkDone(index, now, tick, sink);
                case ANSWER_OK -> onAnswer(index, generation, OK, now, tick, sink);
                case ANSWER_ERROR -> onAnswer(index, generation, ERROR, now, tick, sink);
                case TIMEOUT -> onAnswer(index, generation, TIMED_OUT, now, tick, sink);
                case RETRY -> sendCall(index, now);
                default -> throw new IllegalStateException("bad event " + payload);
            }
        }
        return true;
    }

    /** Report each service's gauges for tick {@code tick} ending at {@code endNs}; after its last advance. */
    public void endTick(final long tick, final long endNs, final SampleSink sink) {
        for (int i = 0; i < serviceIds.length; i++) {
            accrue(i, endNs);
            sink.gauge(serviceIds[i], tick, arrivals[i], queueSize[i], busy[i], servers[i], busyTimeNs[i],
                queueTimeNs[i], retries[i]);
            arrivals[i] = 0;
            busyTimeNs[i] = 0;
            queueTimeNs[i] = 0;
            retries[i] = 0;
        }
    }

    /** Advance to {@code endNs} and end the tick: a partition that exchanges nothing, in one window. */
    public void advanceTick(final long tick, final long endNs, final SampleSink sink) {
        advance(tick, endNs, sink);
        endTick(tick, endNs, sink);
    }

    private static long payload(final int kind, final int index, final int generation) {
        return ((long)generation << 32) | ((long)index << KIND_BITS) | kind;
    }

    private void onSource(final int source, final long now) {
        final int v = allocateVisit();
        visitService[v] = sourceTarget[source];
        visitSource[v] = sourceIds[source];
        visitEnteredNs[v] = now;
        events.add(now, payload(ARRIVE, v, 0));
        if (sourceThinkNs[source] < 0) {
            events.add(now + nextGapNs(source, now), payload(SOURCE, source, 0));
        }
    }

    private void onArrive(final int v, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        arrivals[s]++;
        visitArrivedNs[v] = now;
        accrue(s, now);
        if (busy[s] < servers[s]) {
            busy[s]++;
            events.add(now + serviceTimeNs(s), payload(WORK_DONE, v, 0));
        } else if (queueCapacity[s] == ServiceSpec.UNBOUNDED || queueSize[s] < queueCapacity[s]) {
            enqueue(s, v);
        } else {
            visits++;
            sink.sample(serviceIds[s], tick, now, 0, Outcome.REJECTED);
            end(v, REJECTED, now, tick, sink);
        }
    }

    private void onWorkDone(final int v, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        final SplittableRandom random = serviceRandom[s];
        if (syncTarget[s].length == 0) {
            // The freed server takes the head of the queue first: its service time is drawn before this visit's
            // failure and routing, a fixed order of draws from the service's stream.
            visits++;
            accrue(s, now);
            releaseServer(s, now);
            final boolean failed = failureRate[s] > 0 && random.nextDouble() < failureRate[s];
            sink.sample(serviceIds[s], tick, now, now - visitArrivedNs[v], failed ? Outcome.ERROR : Outcome.OK);
            if (failed) {
                end(v, ERROR, now, tick, sink);
            } else {
                route(v, now, tick, sink);
            }
            return;
        }
        // Own work done; the server stays held while the sync calls are made.
        if (failureRate[s] > 0 && random.nextDouble() < failureRate[s]) {
            complete(v, ERROR, now, tick, sink);
            return;
        }
        nextCall[v] = 0;
        pendingCalls[v] = 0;
        callOutcome[v] = OK;
        issueCalls(v, now, tick, sink);
    }

    /**
     * Make the visit's next sync calls: one (sequential) or all the rest (parallel, after the database queries);
     * each is made with its own probability. Complete the visit when none is left outstanding.
     */
    private void issueCalls(final int v, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        final int n = syncTarget[s].length;
        while (nextCall[v] < n) {
            final int c = nextCall[v]++;
            final double p = syncProbability[s][c];
            if (p < 1.0 && serviceRandom[s].nextDouble() >= p) {
                continue;
            }
            final int call = allocateCall();
            callVisit[call] = v;
            callIndex[call] = c;
            callAttempt[call] = 0;
            pendingCalls[v]++;
            sendCall(call, now);
            if (!parallel[s] || c < databaseCalls[s]) {
                return;
            }
        }
        if (pendingCalls[v] == 0) {
            complete(v, callOutcome[v], now, tick, sink);
        }
    }

    /** Send (or resend) a pending call: a new arrival at the callee after the delay, and its timeout. */
    private void sendCall(final int call, final long now) {
        final int v = callVisit[call];
        final int s = visitService[v];
        final int c = callIndex[call];
        final int target = syncTarget[s][c];
        final long delay = syncDelayNs[s][c];
        final int generation = callGeneration[call];
        final int to = partitionOf[target];
        if (to == partition) {
            final int child = allocateVisit();
            visitService[child] = localOf[target];
            visitSource[child] = -1;
            callerPartition[child] = partition;
            callerCall[child] = call;
            callerGeneration[child] = generation;
            answerDelayNs[child] = delay;
            events.add(now + delay, payload(ARRIVE, child, 0));
        } else {
            mailboxes.send(partition, to, sendParity, now + delay, (MSG_CALL << 32) | target,
                ((long)partition << 32) | call, generation, delay);
        }
        final long timeout = syncTimeoutNs[s][c];
        if (timeout > 0) {
            events.add(now + timeout, payload(TIMEOUT, call, generation));
        }
    }

    /** An answer, or a timeout, for a pending call; stale ones (the call has moved on) are dropped. */
    private void onAnswer(final int call, final int generation, final byte outcome, final long now, final long tick,
                          final SampleSink sink) {
        if (callGeneration[call] != generation) {
            return; // answered after its timeout, or timed out after its answer: the work was wasted
        }
        callGeneration[call]++;
        final int v = callVisit[call];
        final int s = visitService[v];
        final int c = callIndex[call];
        final RetrySpec retry = syncRetry[s][c];
        if (outcome != OK && callAttempt[call] < retry.attempts()) {
            final int k = ++callAttempt[call];
            retries[s]++;
            long backoff = retry.backoffNs(k);
            if (retry.fullJitter()) {
                backoff = (long)(serviceRandom[s].nextDouble() * backoff);
            }
            events.add(now + backoff, payload(RETRY, call, callGeneration[call]));
            return;
        }
        freeCalls[freeCallCount++] = call;
        if (outcome != OK && callOutcome[v] == OK) {
            callOutcome[v] = outcome;
        }
        if (--pendingCalls[v] > 0) {
            return;
        }
        if (callOutcome[v] != OK) {
            complete(v, callOutcome[v], now, tick, sink); // a sequential visit makes no further call after a failure
        } else {
            issueCalls(v, now, tick, sink);
        }
    }

    /** A visit with sync calls is done: free its server, report it, move it on. */
    private void complete(final int v, final byte outcome, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        visits++;
        accrue(s, now);
        releaseServer(s, now);
        sink.sample(serviceIds[s], tick, now, now - visitArrivedNs[v], OUTCOMES[outcome]);
        if (outcome == OK) {
            route(v, now, tick, sink);
        } else {
            end(v, outcome, now, tick, sink);
        }
    }

    /** The freed server takes the head of the queue (drawing its service time), or goes idle. */
    private void releaseServer(final int s, final long now) {
        if (queueSize[s] > 0) {
            final int next = dequeue(s);
            events.add(now + serviceTimeNs(s), payload(WORK_DONE, next, 0));
        } else {
            busy[s]--;
        }
    }

    /** A successful visit: answer its caller, or move on along at most one forward call, or leave. */
    private void route(final int v, final long now, final long tick, final SampleSink sink) {
        if (visitSource[v] < 0) {
            answer(v, OK, now);
            return;
        }
        final int s = visitService[v];
        final int[] targets = forwardTarget[s];
        if (targets.length > 0) {
            final double u = serviceRandom[s].nextDouble();
            final double[] cumulative = forwardCumulative[s];
            for (int c = 0; c < targets.length; c++) {
                if (u < cumulative[c]) {
                    final int target = targets[c];
                    final long at = now + forwardDelayNs[s][c];
                    final int to = partitionOf[target];
                    if (to == partition) {
                        visitService[v] = localOf[target];
                        events.add(at, payload(ARRIVE, v, 0));
                    } else {
                        mailboxes.send(partition, to, sendParity, at, (MSG_FORWARD << 32) | target,
                            visitEnteredNs[v], visitSource[v], 0);
                        freeVisits[freeVisitCount++] = v;
                    }
                    return;
                }
            }
        }
        leave(v, OK, now, tick, sink);
    }

    /** A visit that failed or was rejected: its caller gets an error answer, or the request leaves the system. */
    private void end(final int v, final byte outcome, final long now, final long tick, final SampleSink sink) {
        if (visitSource[v] < 0) {
            answer(v, ERROR, now);
        } else {
            leave(v, outcome, now, tick, sink);
        }
    }

    /** Answer the caller of a sync call's visit, after the call's delay. */
    private void answer(final int v, final byte outcome, final long now) {
        final long at = now + answerDelayNs[v];
        final int to = callerPartition[v];
        if (to == partition) {
            events.add(at, payload(outcome == OK ? ANSWER_OK : ANSWER_ERROR, callerCall[v], callerGeneration[v]));
        } else {
            mailboxes.send(partition, to, sendParity, at, (MSG_ANSWER << 32) | callerCall[v], outcome,
                callerGeneration[v], 0);
        }
        freeVisits[freeVisitCount++] = v;
    }

    /** The request leaves the system: report its end-to-end latency against the source it came from. */
    private void leave(final int v, final byte outcome, final long now, final long tick, final SampleSink sink) {
        final int sourceId = visitSource[v];
        sink.endToEnd(sourceId, tick, now, now - visitEnteredNs[v], OUTCOMES[outcome]);
        freeVisits[freeVisitCount++] = v;
        final int source = localSourceOf[sourceId];
        if (source >= 0 && sourceThinkNs[source] >= 0) {
            // A closed source's user thinks, then sends its next request.
            events.add(now + thinkNs(source), payload(SOURCE, source, 0));
        }
        // A closed load's requests never leave elsewhere: the partitioner keeps all it reaches in its partition.
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

    private void enqueue(final int s, final int v) {
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
        q[(queueHead[s] + queueSize[s]) & (q.length - 1)] = v;
        queueSize[s]++;
    }

    private int dequeue(final int s) {
        final int[] q = queue[s];
        final int v = q[queueHead[s]];
        queueHead[s] = (queueHead[s] + 1) & (q.length - 1);
        queueSize[s]--;
        return v;
    }

    private int allocateVisit() {
        if (freeVisitCount == 0) {
            growVisits(visitCapacity << 1);
        }
        return freeVisits[--freeVisitCount];
    }

    private int allocateCall() {
        if (freeCallCount == 0) {
            growCalls(callCapacity << 1);
        }
        return freeCalls[--freeCallCount];
    }

    private void growVisits(final int capacity) {
        if (capacity > MAX_INDEX) {
            throw new IllegalStateException("more than " + MAX_INDEX
                + " requests in flight: the system is overloaded without bound");
        }
        budget.reserve(capacity - visitCapacity);
        visitService = Arrays.copyOf(visitService, capacity);
        visitArrivedNs = Arrays.copyOf(visitArrivedNs, capacity);
        visitEnteredNs = Arrays.copyOf(visitEnteredNs, capacity);
        visitSource = Arrays.copyOf(visitSource, capacity);
        callerPartition = Arrays.copyOf(callerPartition, capacity);
        callerCall = Arrays.copyOf(callerCall, capacity);
        callerGeneration = Arrays.copyOf(callerGeneration, capacity);
        answerDelayNs = Arrays.copyOf(answerDelayNs, capacity);
        nextCall = Arrays.copyOf(nextCall, capacity);
        pendingCalls = Arrays.copyOf(pendingCalls, capacity);
        callOutcome = Arrays.copyOf(callOutcome, capacity);
        final int[] free = new int[capacity];
        System.arraycopy(freeVisits, 0, free, 0, freeVisitCount);
        // Push new ids so that the lowest is handed out first.
        for (int id = capacity - 1; id >= visitCapacity; id--) {
            free[freeVisitCount++] = id;
        }
        freeVisits = free;
        visitCapacity = capacity;
    }

    private void growCalls(final int capacity) {
        if (capacity > MAX_INDEX) {
            throw new IllegalStateException("more than " + MAX_INDEX + " sync calls in flight");
        }
        budget.reserve(capacity - callCapacity);
        callVisit = Arrays.copyOf(callVisit, capacity);
        callIndex = Arrays.copyOf(callIndex, capacity);
        callAttempt = Arrays.copyOf(callAttempt, capacity);
        callGeneration = Arrays.copyOf(callGeneration, capacity);
        final int[] free = new int[capacity];
        System.arraycopy(freeCalls, 0, free, 0, freeCallCount);
        for (int id = capacity - 1; id >= callCapacity; id--) {
            free[freeCallCount++] = id;
        }
        freeCalls = free;
        callCapacity = capacity;
    }
}
