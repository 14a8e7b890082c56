package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.CallSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.FailureSpec;
import io.tickwire.engine.diagram.HealthSpec;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ReplicaSpec;
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
 * A request (a <i>visit</i>) arrives at a service and its load balancer gives it a replica's server: with the
 * {@code shared} balancer (the default) the READY replicas' servers take work from one FIFO queue (M/M/c), a request
 * that finds every server busy waits in it or is rejected when it is full; with a per-replica balancer
 * ({@code round-robin}, {@code random}, {@code least-connections}, {@code power-of-two}) the balancer picks a
 * routable replica and the request waits in that replica's own queue (of the service's capacity). Its own work lasts
 * a time drawn from the service's distribution and ends with the failure draw. Then, keeping its server, it makes its
 * sync calls: the database queries one after another, then the others one after another or all at once (join: wait
 * for all). Each call is a child visit at the callee that answers after the call's delay; a call may time out (a late
 * answer is dropped) and be retried after a backoff. When every call has answered the visit completes, frees its
 * server, and — if it is not itself answering a caller — moves on along at most one forward call, or leaves.
 * <p>
 * Replicas are entities: STARTING (until its start-up time has passed), READY, DRAINING (scaled in: it takes no new
 * request and finishes its own, or they fail when its termination grace runs out) and CRASHED (its requests failed
 * at once; a per-replica balancer still routes to it, and those requests fail at once, until the health checks
 * detect it at the simulated time they imply; it is then replaced by a new STARTING replica). Crashes come from the
 * service's failure model or from {@link KernelAction#CRASH_REPLICAS}; the control plane's {@link KernelAction}s are
 * applied at a tick's start ({@link #apply}). Lifecycle and balancer draws come from streams of their own, so a
 * diagram without them simulates exactly as before replicas were entities. Every change is reported as a
 * {@link SampleSink#replicaEvent}; nothing is lost: a request killed with its replica is reported as an error.
 * <p>
 * Equal-time events run in the order they were scheduled (one fixed rule); messages from other partitions are
 * scheduled at the start of the window they arrive in, by source partition, then send order.
 * <p>
 * State is primitive arrays indexed by local service, source, replica slot, visit and pending-call ids; visits, calls
 * and replica slots come from free lists, so the steady state allocates nothing. <b>Single-threaded</b>: owned by one
 * worker at a time.
 */
public final class PartitionKernel {
    // Event payload: kind in the low 4 bits, an index (visit, source or pending call) in the next 28, a generation
    // in the high 32.
    private static final int KIND_BITS = 4;
    private static final int KIND_MASK = (1 << KIND_BITS) - 1;
    private static final int INDEX_BITS = 28;
    private static final int MAX_INDEX = (1 << INDEX_BITS) - 1;
    private static final int SOURCE = 0;
    private static final int ARRIVE = 1;
    private static final int WORK_DONE = 2;
    private static final int ANSWER_OK = 3;
    private static final int ANSWER_ERROR = 4;
    private static final int TIMEOUT = 5;
    private static final int RETRY = 6;
    /** A replica's timer: its index is the replica slot, its generation (slot generation << 2) | one of L_*. */
    private static final int LIFECYCLE = 7;
    private static final int L_READY = 0;
    private static final int L_CRASH = 1;
    private static final int L_DETECT = 2;
    private static final int L_GRACE = 3;
    private static final int L_GENERATION_MASK = 0x3FFF_FFFF;
    /** A call's wait for a bulkhead permit ran out: its index is the pending call, its generation the call's. */
    private static final int BULKHEAD_WAIT = 8;
    // Message kinds between partitions.
    private static final long MSG_FORWARD = 1;
    private static final long MSG_CALL = 2;
    private static final long MSG_ANSWER = 3;

    private static final byte OK = 0;
    private static final byte ERROR = 1;
    private static final byte TIMED_OUT = 2;
    private static final byte REJECTED = 3;
    /** Refused by a rate limiter: counted as rateLimited; its caller sees an error, the end-to-end figures a reject. */
    private static final byte RATE_LIMITED = 4;
    private static final Outcome[] OUTCOMES = {Outcome.OK, Outcome.ERROR, Outcome.TIMEOUT, Outcome.REJECTED,
        Outcome.REJECTED};
    /** {@link #advance} asks whether to abandon the tick once per this many events (a power of two). */
    static final int STOP_CHECK_EVENTS = 4096;
    private static final BooleanSupplier NEVER = () -> false;

    // Balancers.
    private static final int SHARED = 0;
    private static final int ROUND_ROBIN = 1;
    private static final int RANDOM = 2;
    private static final int LEAST_CONNECTIONS = 3;
    private static final int POWER_OF_TWO = 4;
    // Replica slot states.
    private static final byte R_FREE = 0;
    private static final byte R_STARTING = 1;
    private static final byte R_READY = 2;
    private static final byte R_DRAINING = 3;
    private static final byte R_CRASHED = 4;

    private final int partition;
    private final int partitionCount;
    private final int[] partitionOf;
    private final int[] localOf;
    private final Mailboxes mailboxes;
    private final LatencyTable latencyTable;
    private int sendParity;
    private long windowStartNs;

    private final int[] serviceIds;
    // Per local service.
    private final int[] balancer;
    private final int[] concurrency;
    /** Servers serving, on any replica (draining ones too). */
    private final int[] busy;
    /** Shared balancer: free servers of READY replicas (each such replica is on the free stack). */
    private final int[] idle;
    private final int[] queueCapacity;
    /** Shared balancer: the one FIFO queue (a ring). */
    private final int[][] queue;
    private final int[] queueHead;
    /** Requests waiting at the service: in the shared queue, or in its replicas' own queues. */
    private final int[] queueSize;
    private final long[] arrivals;
    private final int[] retries;
    // Resilience, counted per tick: requests its rate limiters refused, calls its bulkheads and breakers refused.
    private final int[] rateLimited;
    private final int[] bulkheadRefused;
    private final int[] breakerRefused;
    /** The service's own token bucket; null for none. */
    private final TokenBucket[] rateLimit;
    /** It has a rate limit (or a load source into it has one), a bulkhead or a breaker: it reports their counts. */
    private final boolean[] resilient;
    // Time integrals of busy servers and waiting requests since the tick began, accrued at every change.
    private final long[] busyTimeNs;
    private final long[] queueTimeNs;
    private final long[] accruedToNs;
    private final LatencyDistribution[] latency;
    private final double[] failureRate;
    private final double[] diagramFailureRate;
    /** LATENCY_FACTOR: a service time becomes round(time × factor) + added. */
    private final boolean[] latencyAdjusted;
    private final double[] latencyFactor;
    private final long[] latencyAddedNs;
    private final int[][] forwardTarget;
    private final double[][] forwardCumulative;
    private final long[][] forwardDelayNs;
    /** PARTITION mode of each forward and sync call (0 healed, FAIL, HANG). */
    private final byte[][] forwardCut;
    private final int[][] syncTarget;
    private final double[][] syncProbability;
    private final long[][] syncDelayNs;
    private final long[][] syncTimeoutNs;
    private final RetrySpec[][] syncRetry;
    private final byte[][] syncCut;
    /** Per sync call: its bulkhead and circuit breaker, null for none. */
    private final Bulkhead[][] syncBulkhead;
    private final CircuitBreaker[][] syncBreaker;
    private final long[][] syncFallbackNs;
    private final int[] databaseCalls;
    private final boolean[] parallel;
    private final SplittableRandom[] serviceRandom;
    private final SplittableRandom[] lifecycleRandom;
    private final SplittableRandom[] balancerRandom;
    // Per local service: its replicas.
    /** Replica slots in replica-number order: every provisioned replica (STARTING, READY, DRAINING, CRASHED). */
    private final int[][] members;
    private final int[] memberCount;
    /** Per-replica balancers: the slots the balancer routes to (READY, and CRASHED until detected), by number. */
    private final int[][] routable;
    private final int[] routableCount;
    private final int[] roundRobinNext;
    /** Shared balancer: READY replicas with a free server, each once. */
    private final int[][] freeStack;
    private final int[] freeTop;
    private final int[] nextReplicaNumber;
    private final int[] readyCount;
    private final int[] drainingCount;
    // Integrals of provisioned (members) and READY replicas since the tick began, accrued at every change of either.
    private final long[] replicaTimeNs;
    private final long[] readyTimeNs;
    private final long[] replicasAccruedToNs;
    private final LatencyDistribution[] startup;
    private final long[] graceNs;
    private final HealthSpec[] health;
    /** Failure model: a replica's time to crash, mtbf × (-ln u)^(1/shape) / Γ(1 + 1/shape); 0 for none. */
    private final double[] crashScaleNs;
    private final double[] crashInverseShape;
    // Per load source of this partition.
    private final int[] sourceTarget;
    private final double[] sourceMeanGapNs;
    /** The mean gap before LOAD_FACTOR: 1e9 / the base rate. */
    private final double[] sourceBaseGapNs;
    private final double[] sourceFactor;
    /** Bumped by a rate change, which reschedules the next arrival: the one scheduled before is dropped. */
    private final int[] sourceGeneration;
    private final boolean[] sourcePoisson;
    /** Closed sources: mean think time (a user's next request follows its previous one's exit); else -1. */
    private final double[] sourceThinkNs;
    /** Open sources whose rate varies over time (a schedule or a diurnal cycle); null for a constant rate. */
    private final ScheduledArrivals[] sourceSchedule;
    private final SplittableRandom[] sourceRandom;
    /** The source's token bucket at its entry; null for none. */
    private final TokenBucket[] sourceRateLimit;
    private final int[] sourceIds;
    /** Per global source id: its local index here, or -1. */
    private final int[] localSourceOf;
    // Per replica slot.
    private int[] replicaService;
    private int[] replicaNumber;
    private byte[] replicaState;
    private int[] replicaBusy;
    private int[][] replicaQueue;
    private int[] replicaQueueHead;
    private int[] replicaQueueSize;
    /** Bumped at every change of state, so that a timer of an earlier state is dropped. */
    private int[] replicaGeneration;
    private long[] replicaReadyAtNs;
    private boolean[] replicaOnFreeStack;
    private int[] freeReplicas;
    private int freeReplicaCount;
    private int replicaCapacity;
    /** Scratch for the replicas an action picks. */
    private int[] picked = new int[16];
    // Per visit.
    private int[] visitService;
    private long[] visitArrivedNs;
    private long[] visitEnteredNs;
    /** The global load source of a visit that is not answering a caller; -1 for a sync call's visit. */
    private int[] visitSource;
    /** The replica slot serving it or whose queue it waits in; -1 otherwise (the shared queue, on its way, free). */
    private int[] visitReplica;
    /** Bumped when the visit is killed with its replica, so that its service-done event and calls are dropped. */
    private int[] visitGeneration;
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
    /** The caller's local service (its visit may be killed and reused before the call's end). */
    private int[] callService;
    /** The attempt holds a permit of its bulkhead. */
    private boolean[] callHolds;
    /** The attempt waits for a permit of its bulkhead. */
    private boolean[] callWaiting;
    /** The attempt was permitted by its circuit breaker, at {@link #callSentNs}: its outcome is recorded. */
    private boolean[] callRecorded;
    private long[] callSentNs;
    /** The visit's generation when the call was made: a call whose visit was killed since is an orphan. */
    private int[] callVisitGeneration;
    private int[] callIndex;
    private int[] callAttempt;
    /** Bumped whenever the call is answered, timed out or retried, so that stale answers and timeouts are dropped. */
    private int[] callGeneration;
    private int[] freeCalls;
    private int freeCallCount;
    private int callCapacity;
    // Sync calls and forwarded requests held by a hanging PARTITION, in the order they hung.
    private int[] hungCaller = new int[0];
    private int[] hungIndex = new int[0];
    private int[] hungId = new int[0];
    private int[] hungGeneration = new int[0];
    private boolean[] hungIsCall = new boolean[0];
    private int hungCount;

    private final EventQueue events = new EventQueue(1024);
    /**
     * The replicas' timers (start-up, crash, detection, grace): mostly far in the future, so kept out of the requests'
     * heap, which they would deepen; both share one insertion counter, so the order is that of one queue.
     */
    private final EventQueue timers = new EventQueue(64, events);
    private long visits;
    /** What growing its visits, calls and events reserves from: the run's bound on pending state. */
    private PendingBudget budget = PendingBudget.UNBOUNDED;
    private boolean overloaded;

    /** The only partition of a diagram that no call crosses (tests and single-partition tools). */
    public PartitionKernel(final Diagram diagram, final int[] serviceIds, final long seed) {
        this(diagram, single(diagram, serviceIds), 0, null, seed);
    }

    /** As {@link #PartitionKernel(Diagram, Partitioner.Plan, int, Mailboxes, long, LatencyTable)}, a table of its own. */
    public PartitionKernel(final Diagram diagram, final Partitioner.Plan plan, final int partition,
                           final Mailboxes mailboxes, final long seed) {
        this(diagram, plan, partition, mailboxes, seed, new LatencyTable());
    }

    /**
     * @param diagram      the whole diagram.
     * @param plan         its partitions.
     * @param partition    which one this kernel simulates.
     * @param mailboxes    shared by every kernel of the plan; null when no call crosses partitions.
     * @param seed         the run's seed.
     * @param latencyTable the run's distributions that {@link KernelAction#SET_LATENCY} names.
     */
    public PartitionKernel(final Diagram diagram, final Partitioner.Plan plan, final int partition,
                           final Mailboxes mailboxes, final long seed, final LatencyTable latencyTable) {
        this.partition = partition;
        this.partitionCount = plan.count();
        this.partitionOf = plan.partitionOf();
        this.localOf = plan.localOf();
        this.mailboxes = mailboxes;
        this.latencyTable = latencyTable;
        this.serviceIds = plan.partitions().get(partition).clone();
        final int n = serviceIds.length;

        balancer = new int[n];
        concurrency = new int[n];
        busy = new int[n];
        idle = new int[n];
        queueCapacity = new int[n];
        queue = new int[n][];
        queueHead = new int[n];
        queueSize = new int[n];
        arrivals = new long[n];
        retries = new int[n];
        rateLimited = new int[n];
        bulkheadRefused = new int[n];
        breakerRefused = new int[n];
        rateLimit = new TokenBucket[n];
        resilient = new boolean[n];
        busyTimeNs = new long[n];
        queueTimeNs = new long[n];
        accruedToNs = new long[n];
        latency = new LatencyDistribution[n];
        failureRate = new double[n];
        diagramFailureRate = new double[n];
        latencyAdjusted = new boolean[n];
        latencyFactor = new double[n];
        latencyAddedNs = new long[n];
        forwardTarget = new int[n][];
        forwardCumulative = new double[n][];
        forwardDelayNs = new long[n][];
        forwardCut = new byte[n][];
        syncTarget = new int[n][];
        syncProbability = new double[n][];
        syncDelayNs = new long[n][];
        syncTimeoutNs = new long[n][];
        syncRetry = new RetrySpec[n][];
        syncCut = new byte[n][];
        syncBulkhead = new Bulkhead[n][];
        syncBreaker = new CircuitBreaker[n][];
        syncFallbackNs = new long[n][];
        databaseCalls = new int[n];
        parallel = new boolean[n];
        serviceRandom = new SplittableRandom[n];
        lifecycleRandom = new SplittableRandom[n];
        balancerRandom = new SplittableRandom[n];
        members = new int[n][];
        memberCount = new int[n];
        routable = new int[n][];
        routableCount = new int[n];
        roundRobinNext = new int[n];
        freeStack = new int[n][];
        freeTop = new int[n];
        nextReplicaNumber = new int[n];
        readyCount = new int[n];
        drainingCount = new int[n];
        replicaTimeNs = new long[n];
        readyTimeNs = new long[n];
        replicasAccruedToNs = new long[n];
        startup = new LatencyDistribution[n];
        graceNs = new long[n];
        health = new HealthSpec[n];
        crashScaleNs = new double[n];
        crashInverseShape = new double[n];

        int replicasHere = 0;
        for (int i = 0; i < n; i++) {
            final ServiceSpec s = diagram.service(serviceIds[i]);
            final ReplicaSpec r = s.replicaSpec();
            balancer[i] = switch (r.balancer()) {
                case SHARED -> SHARED;
                case ROUND_ROBIN -> ROUND_ROBIN;
                case RANDOM -> RANDOM;
                case LEAST_CONNECTIONS -> LEAST_CONNECTIONS;
                case POWER_OF_TWO -> POWER_OF_TWO;
            };
            concurrency[i] = s.concurrency();
            queueCapacity[i] = s.queueCapacity();
            // A power of two, so that the ring index is a mask; grown on demand up to the capacity.
            queue[i] = new int[r.balancer().perReplicaQueues() ? 1 : initialQueueLength(s.queueCapacity(), 1 << 16)];
            latency[i] = new LatencyDistribution(s.latency());
            failureRate[i] = s.failureRate();
            diagramFailureRate[i] = s.failureRate();
            latencyFactor[i] = 1.0;
            final List<CallSpec> forward = s.forwardCalls();
            forwardTarget[i] = new int[forward.size()];
            forwardCumulative[i] = new double[forward.size()];
            forwardDelayNs[i] = new long[forward.size()];
            forwardCut[i] = new byte[forward.size()];
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
            syncCut[i] = new byte[sync.size()];
            syncBulkhead[i] = new Bulkhead[sync.size()];
            syncBreaker[i] = new CircuitBreaker[sync.size()];
            syncFallbackNs[i] = new long[sync.size()];
            for (int c = 0; c < sync.size(); c++) {
                final CallSpec call = sync.get(c);
                checkReachable(s, call);
                syncTarget[i][c] = call.target();
                syncProbability[i][c] = call.probability();
                syncDelayNs[i][c] = call.delayNs();
                syncTimeoutNs[i][c] = call.timeoutNs();
                syncRetry[i][c] = call.retry();
                syncBulkhead[i][c] = call.bulkhead() == null ? null : new Bulkhead(call.bulkhead());
                syncBreaker[i][c] = call.breaker() == null ? null : new CircuitBreaker(call.breaker());
                syncFallbackNs[i][c] = call.breaker() == null ? 0 : call.breaker().fallbackNs();
                resilient[i] |= call.bulkhead() != null || call.breaker() != null;
            }
            resilient[i] |= s.rateLimit() != null;
            rateLimit[i] = s.rateLimit() == null ? null : new TokenBucket(s.rateLimit());
            databaseCalls[i] = s.databaseCalls();
            parallel[i] = s.fanout() == ServiceSpec.Fanout.PARALLEL;
            serviceRandom[i] = RandomStreams.forService(seed, serviceIds[i]);
            lifecycleRandom[i] = RandomStreams.forLifecycle(seed, serviceIds[i]);
            balancerRandom[i] = RandomStreams.forBalancer(seed, serviceIds[i]);
            startup[i] = r.startup() == null ? null : new LatencyDistribution(r.startup());
            graceNs[i] = r.terminationGraceNs();
            health[i] = r.health();
            final FailureSpec failures = r.failures();
            if (failures != null) {
                crashInverseShape[i] = 1.0 / failures.shape();
                crashScaleNs[i] = failures.distribution() == FailureSpec.Distribution.EXPONENTIAL ? failures.mtbfNs()
                    : failures.mtbfNs() / Gamma.gamma(1.0 + crashInverseShape[i]);
            }
            final int replicas = s.replicas();
            members[i] = new int[Math.max(4, replicas)];
            routable[i] = new int[Math.max(4, replicas)];
            freeStack[i] = new int[Math.max(4, replicas)];
            replicasHere += replicas;
        }

        visitCapacity = 0;
        visitService = new int[0];
        visitArrivedNs = new long[0];
        visitEnteredNs = new long[0];
        visitSource = new int[0];
        visitReplica = new int[0];
        visitGeneration = new int[0];
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
        callService = new int[0];
        callHolds = new boolean[0];
        callWaiting = new boolean[0];
        callRecorded = new boolean[0];
        callSentNs = new long[0];
        callVisitGeneration = new int[0];
        callIndex = new int[0];
        callAttempt = new int[0];
        callGeneration = new int[0];
        freeCalls = new int[0];
        growCalls(256);
        replicaCapacity = 0;
        replicaService = new int[0];
        replicaNumber = new int[0];
        replicaState = new byte[0];
        replicaBusy = new int[0];
        replicaQueue = new int[0][];
        replicaQueueHead = new int[0];
        replicaQueueSize = new int[0];
        replicaGeneration = new int[0];
        replicaReadyAtNs = new long[0];
        replicaOnFreeStack = new boolean[0];
        freeReplicas = new int[0];
        growReplicas(Math.max(16, BitUtil.findNextPositivePowerOfTwo(replicasHere)));

        // The diagram's replicas are READY from time 0, without events; their crash times are the first lifecycle
        // draws, service by service, in replica order.
        for (int i = 0; i < n; i++) {
            final int replicas = diagram.service(serviceIds[i]).replicas();
            for (int k = 0; k < replicas; k++) {
                final int r = newReplica(i);
                enterReady(r, 0);
            }
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
        sourceBaseGapNs = new double[sources];
        sourceFactor = new double[sources];
        sourceGeneration = new int[sources];
        sourcePoisson = new boolean[sources];
        sourceThinkNs = new double[sources];
        sourceSchedule = new ScheduledArrivals[sources];
        sourceRandom = new SplittableRandom[sources];
        sourceRateLimit = new TokenBucket[sources];
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
            sourceFactor[k] = 1.0;
            sourceRateLimit[k] = load.rateLimit() == null ? null : new TokenBucket(load.rateLimit());
            resilient[sourceTarget[k]] |= load.rateLimit() != null;
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
                sourceBaseGapNs[k] = sourceMeanGapNs[k];
                events.add(nextGapNs(k, 0), payload(SOURCE, k, 0));
            }
            k++;
        }
    }

    private static int initialQueueLength(final int capacity, final int cap) {
        return capacity == ServiceSpec.UNBOUNDED ? Math.min(64, cap)
            : BitUtil.findNextPositivePowerOfTwo(Math.max(1, Math.min(capacity, cap)));
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
            budget.reserve((long)visitCapacity + callCapacity + events.capacity() + timers.capacity());
        } catch (final PendingLimitException ex) {
            throw new IllegalArgumentException("the run's bound of " + budget.limit() + " pending requests and "
                + "events is less than its start needs (closed users, partitions)");
        }
        this.budget = budget;
        events.budget(budget);
        timers.budget(budget);
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
        final EventQueue timers = this.timers;
        int sinceCheck = 0;
        while (true) {
            // The earlier of the two heads, by (time, insertion order).
            EventQueue next = events;
            if (timers.size() > 0 && (events.size() == 0 || timers.peekTime() < events.peekTime()
                || timers.peekTime() == events.peekTime() && timers.peekSeq() < events.peekSeq())) {
                next = timers;
            }
            if (next.size() == 0 || next.peekTime() >= endNs) {
                return true;
            }
            if ((++sinceCheck & (STOP_CHECK_EVENTS - 1)) == 0 && abandon.getAsBoolean()) {
                return false;
            }
            final long now = next.peekTime();
            final long payload = next.peekPayload();
            next.removeFirst();
            final int index = (int)(payload >>> KIND_BITS) & MAX_INDEX;
            final int generation = (int)(payload >>> 32);
            switch ((int)payload & KIND_MASK) {
                case SOURCE -> {
                    if (generation == sourceGeneration[index]) {
                        onSource(index, now, tick, sink);
                    }
                }
                case ARRIVE -> onArrive(index, now, tick, sink);
                case WORK_DONE -> {
                    if (generation == visitGeneration[index]) {
                        onWorkDone(index, now, tick, sink);
                    }
                }
                case ANSWER_OK -> onAnswer(index, generation, OK, now, tick, sink);
                case ANSWER_ERROR -> onAnswer(index, generation, ERROR, now, tick, sink);
                case TIMEOUT -> onAnswer(index, generation, TIMED_OUT, now, tick, sink);
                case RETRY -> onRetry(index, now, tick, sink);
                case LIFECYCLE -> onLifecycle(index, generation, now, tick, sink);
                case BULKHEAD_WAIT -> onBulkheadWaitOver(index, generation, now, tick, sink);
                default -> throw new IllegalStateException("bad event " + payload);
            }
        }
    }

    /**
     * Report each service's gauges for tick {@code tick} ending at {@code endNs}; after its last advance. {@code
     * servers} is concurrency × (READY + DRAINING replicas): the servers that exist to serve.
     */
    public void endTick(final long tick, final long endNs, final SampleSink sink) {
        for (int i = 0; i < serviceIds.length; i++) {
            accrue(i, endNs);
            accrueReplicas(i, endNs);
            if (resilient[i]) {
                sink.resilienceGauge(serviceIds[i], tick, rateLimited[i], bulkheadRefused[i], breakerRefused[i]);
            }
            sink.gauge(serviceIds[i], tick, arrivals[i], queueSize[i], busy[i],
                concurrency[i] * (readyCount[i] + drainingCount[i]), busyTimeNs[i], queueTimeNs[i], retries[i]);
            sink.replicaGauge(serviceIds[i], tick, memberCount[i], readyCount[i], replicaTimeNs[i], readyTimeNs[i]);
            arrivals[i] = 0;
            busyTimeNs[i] = 0;
            queueTimeNs[i] = 0;
            retries[i] = 0;
            rateLimited[i] = 0;
            bulkheadRefused[i] = 0;
            breakerRefused[i] = 0;
            replicaTimeNs[i] = 0;
            readyTimeNs[i] = 0;
        }
    }

    /** Advance to {@code endNs} and end the tick: a partition that exchanges nothing, in one window. */
    public void advanceTick(final long tick, final long endNs, final SampleSink sink) {
        advance(tick, endNs, sink);
        endTick(tick, endNs, sink);
    }

    // ---------------------------------------------------------------- actions (the control plane's seam)

    /** Apply every action of {@code actions}, in order, at {@code nowNs} (the start of tick {@code tick}). */
    public void apply(final KernelActions actions, final long tick, final long nowNs, final SampleSink sink) {
        for (int i = 0; i < actions.count(); i++) {
            apply(actions.kind(i), actions.target(i), actions.arg1(i), actions.arg2(i), tick, nowNs, sink);
        }
    }

    /**
     * Apply one {@link KernelAction} at {@code nowNs}, the start of tick {@code tick}: after {@link #deliver} of the
     * tick's first window, before {@link #advance}. An action for a service or load source of another partition is
     * ignored here (its own kernel applies it).
     *
     * @throws IllegalArgumentException for an unknown kind or target, or an argument out of range.
     */
    public void apply(final int kind, final int target, final long arg1, final long arg2, final long tick,
                      final long nowNs, final SampleSink sink) {
        if (kind == KernelAction.LOAD_FACTOR || kind == KernelAction.LOAD_RATE) {
            if (target < 0 || target >= localSourceOf.length) {
                throw new IllegalArgumentException(KernelAction.name(kind) + ": no load source " + target);
            }
            final int k = localSourceOf[target];
            if (k >= 0 && sourceThinkNs[k] < 0) {
                changeRate(k, kind, arg1, nowNs);
            }
            return;
        }
        if (target < 0 || target >= partitionOf.length) {
            throw new IllegalArgumentException(KernelAction.name(kind) + ": no service " + target);
        }
        if (partitionOf[target] != partition) {
            return;
        }
        final int s = localOf[target];
        switch (kind) {
            case KernelAction.SET_REPLICAS -> setReplicas(s, (int)checkRange(kind, arg1, 0, MAX_INDEX), nowNs, tick,
                sink);
            case KernelAction.CRASH_REPLICAS -> crashReplicas(s, (int)checkRange(kind, arg1, 0, MAX_INDEX), nowNs,
                tick, sink);
            case KernelAction.LATENCY_FACTOR -> {
                latencyFactor[s] = checkRange(kind, arg1, 0, Long.MAX_VALUE) / (double)KernelAction.ONE;
                latencyAddedNs[s] = checkRange(kind, arg2, 0, LatencyDistribution.MAX_SAMPLE_NS);
                latencyAdjusted[s] = arg1 != KernelAction.ONE || arg2 != 0;
            }
            case KernelAction.FAILURE_RATE -> failureRate[s] = arg1 == KernelAction.RESTORE ? diagramFailureRate[s]
                : checkRange(kind, arg1, 0, 1_000_000_000L) / 1e9;
            case KernelAction.PARTITION -> cut(s, (int)checkRange(kind, arg1, 0, partitionOf.length - 1),
                (byte)checkRange(kind, arg2, KernelAction.HEALED, KernelAction.HANG), nowNs);
            case KernelAction.SET_LATENCY -> latency[s] = latencyTable.get((int)checkRange(kind, arg1, 0,
                Integer.MAX_VALUE));
            case KernelAction.SET_CONCURRENCY -> setConcurrency(s, (int)checkRange(kind, arg1, 1,
                Integer.MAX_VALUE / 2), nowNs);
            default -> throw new IllegalArgumentException("unknown action kind " + kind);
        }
    }

    private static long checkRange(final int kind, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(KernelAction.name(kind) + ": argument " + value + " not in [" + min
                + ", " + max + "]");
        }
        return value;
    }

    /**
     * LOAD_FACTOR or LOAD_RATE on an open source: the next arrival is drawn again from now (exact for Poisson, which
     * is memoryless); the one scheduled before is dropped. A rate or factor of 0 pauses the source.
     */
    private void changeRate(final int k, final int kind, final long arg, final long nowNs) {
        if (kind == KernelAction.LOAD_FACTOR) {
            sourceFactor[k] = checkRange(kind, arg, 0, Long.MAX_VALUE) / (double)KernelAction.ONE;
        } else {
            final double ratePerSec = checkRange(kind, arg, 0, Long.MAX_VALUE) / 1e3;
            sourceSchedule[k] = null;
            sourceBaseGapNs[k] = ratePerSec > 0 ? 1e9 / ratePerSec : Double.POSITIVE_INFINITY;
        }
        sourceGeneration[k]++;
        final double factor = sourceFactor[k];
        if (!(factor > 0) || sourceSchedule[k] == null && Double.isInfinite(sourceBaseGapNs[k])) {
            return; // paused: no arrival until a later change
        }
        if (sourceSchedule[k] != null) {
            sourceSchedule[k].restartAt(nowNs, factor);
        } else {
            sourceMeanGapNs[k] = sourceBaseGapNs[k] / factor;
        }
        events.add(nowNs + nextGapNs(k, nowNs), payload(SOURCE, k, sourceGeneration[k]));
    }

    /** PARTITION from caller {@code s} to the service {@code callee}; healing delivers what hung, in order. */
    private void cut(final int s, final int callee, final byte mode, final long nowNs) {
        for (int c = 0; c < syncTarget[s].length; c++) {
            if (syncTarget[s][c] == callee) {
                syncCut[s][c] = mode;
            }
        }
        for (int c = 0; c < forwardTarget[s].length; c++) {
            if (forwardTarget[s][c] == callee) {
                forwardCut[s][c] = mode;
            }
        }
        if (mode != KernelAction.HEALED) {
            return;
        }
        int kept = 0;
        for (int h = 0; h < hungCount; h++) {
            final boolean isCall = hungIsCall[h];
            final int index = hungIndex[h];
            final boolean healed = hungCaller[h] == s
                && (isCall ? syncTarget[s][index] : forwardTarget[s][index]) == callee;
            if (!healed) {
                hungCaller[kept] = hungCaller[h];
                hungIndex[kept] = index;
                hungId[kept] = hungId[h];
                hungGeneration[kept] = hungGeneration[h];
                hungIsCall[kept] = isCall;
                kept++;
            } else if (isCall) {
                deliverCall(hungId[h], s, index, hungGeneration[h], nowNs);
            } else {
                forward(hungId[h], s, index, nowNs);
            }
        }
        hungCount = kept;
    }

    private void hang(final boolean isCall, final int caller, final int index, final int id, final int generation) {
        if (hungCount == hungId.length) {
            final int capacity = Math.max(16, hungCount << 1);
            hungCaller = Arrays.copyOf(hungCaller, capacity);
            hungIndex = Arrays.copyOf(hungIndex, capacity);
            hungId = Arrays.copyOf(hungId, capacity);
            hungGeneration = Arrays.copyOf(hungGeneration, capacity);
            hungIsCall = Arrays.copyOf(hungIsCall, capacity);
        }
        hungCaller[hungCount] = caller;
        hungIndex[hungCount] = index;
        hungId[hungCount] = id;
        hungGeneration[hungCount] = generation;
        hungIsCall[hungCount] = isCall;
        hungCount++;
    }

    /**
     * SET_REPLICAS: start replicas up to {@code desired} members, or drain the surplus — STARTING ones first, newest
     * first, then READY or CRASHED ones, newest (highest number) first.
     */
    private void setReplicas(final int s, final int desired, final long now, final long tick, final SampleSink sink) {
        final int current = memberCount[s] - drainingCount[s];
        for (int k = current; k < desired; k++) {
            startReplica(s, now, tick, sink, ReplicaEvents.SCALE_OUT);
        }
        if (desired >= current) {
            return;
        }
        int surplus = current - desired;
        int count = 0;
        final int[] list = members[s];
        for (int pass = 0; pass < 2 && surplus > 0; pass++) {
            for (int m = memberCount[s] - 1; m >= 0 && surplus > 0; m--) {
                final int r = list[m];
                final byte state = replicaState[r];
                if (pass == 0 ? state == R_STARTING : state == R_READY || state == R_CRASHED) {
                    pick(count++, r);
                    surplus--;
                }
            }
        }
        for (int i = 0; i < count; i++) {
            drain(picked[i], now, tick, sink);
        }
    }

    /** CRASH_REPLICAS: crash up to {@code count} READY replicas, lowest-numbered first. */
    private void crashReplicas(final int s, final int count, final long now, final long tick, final SampleSink sink) {
        int n = 0;
        for (int m = 0; m < memberCount[s] && n < count; m++) {
            if (replicaState[members[s][m]] == R_READY) {
                pick(n++, members[s][m]);
            }
        }
        for (int i = 0; i < n; i++) {
            crash(picked[i], now, tick, sink, ReplicaEvents.CRASH_ACTION);
        }
    }

    private void pick(final int at, final int r) {
        if (at == picked.length) {
            picked = Arrays.copyOf(picked, at << 1);
        }
        picked[at] = r;
    }

    /** SET_CONCURRENCY: servers per replica. Fewer: nothing is preempted, freed servers above it retire. */
    private void setConcurrency(final int s, final int servers, final long now) {
        accrue(s, now);
        concurrency[s] = servers;
        if (balancer[s] == SHARED) {
            idle[s] = 0;
            while (freeTop[s] > 0) {
                replicaOnFreeStack[freeStack[s][--freeTop[s]]] = false;
            }
            for (int m = memberCount[s] - 1; m >= 0; m--) {
                final int r = members[s][m];
                if (replicaState[r] == R_READY) {
                    addCapacity(s, r);
                }
            }
            dispatchShared(s, now);
            return;
        }
        for (int m = 0; m < memberCount[s]; m++) {
            final int r = members[s][m];
            if (replicaState[r] == R_READY || replicaState[r] == R_DRAINING) {
                while (replicaBusy[r] < servers && replicaQueueSize[r] > 0) {
                    final int next = replicaDequeue(r);
                    queueSize[s]--;
                    replicaBusy[r]++;
                    busy[s]++;
                    startService(next, s, r, now);
                }
            }
        }
    }

    // ---------------------------------------------------------------- replicas

    /** A new replica slot of service {@code s}, numbered next, last of its members; STARTING, no timer. */
    private int newReplica(final int s) {
        if (freeReplicaCount == 0) {
            growReplicas(replicaCapacity << 1);
        }
        final int r = freeReplicas[--freeReplicaCount];
        replicaService[r] = s;
        replicaNumber[r] = nextReplicaNumber[s]++;
        replicaState[r] = R_STARTING;
        replicaBusy[r] = 0;
        replicaQueueHead[r] = 0;
        replicaQueueSize[r] = 0;
        replicaGeneration[r]++;
        if (memberCount[s] == members[s].length) {
            members[s] = Arrays.copyOf(members[s], memberCount[s] << 1);
        }
        members[s][memberCount[s]++] = r;
        return r;
    }

    /** Scale-out or replacement: a STARTING replica, READY after its start-up time (at once without one). */
    private void startReplica(final int s, final long now, final long tick, final SampleSink sink, final int why) {
        accrueReplicas(s, now);
        final int r = newReplica(s);
        emit(r, ReplicaEvents.STARTING, why, now, tick, sink);
        final long delay = startup[s] == null ? 0 : startup[s].sampleNs(lifecycleRandom[s]);
        if (delay == 0) {
            becomeReady(r, now, tick, sink);
        } else {
            timers.add(now + delay, lifecyclePayload(r, L_READY));
        }
    }

    private void becomeReady(final int r, final long now, final long tick, final SampleSink sink) {
        final int s = replicaService[r];
        accrueReplicas(s, now);
        accrue(s, now);
        enterReady(r, now);
        emit(r, ReplicaEvents.READY, 0, now, tick, sink);
        if (balancer[s] == SHARED) {
            dispatchShared(s, now);
        }
    }

    /** STARTING to READY: its servers take work; its time to crash is drawn (with a failure model). */
    private void enterReady(final int r, final long now) {
        final int s = replicaService[r];
        replicaState[r] = R_READY;
        replicaGeneration[r]++;
        replicaReadyAtNs[r] = now;
        readyCount[s]++;
        if (balancer[s] == SHARED) {
            addCapacity(s, r);
        } else {
            addRoutable(s, r);
        }
        if (crashScaleNs[s] > 0) {
            final double u = lifecycleRandom[s].nextDouble();
            final double e = -Math.log(1.0 - u);
            final double ttf = crashScaleNs[s] * (crashInverseShape[s] == 1.0 ? e : Math.pow(e, crashInverseShape[s]));
            timers.add(now + Math.max(1L, (long)Math.min(ttf, LatencyDistribution.MAX_SAMPLE_NS)),
                lifecyclePayload(r, L_CRASH));
        }
    }

    /** A READY replica crashes: its requests fail at once; the health checks will find it. */
    private void crash(final int r, final long now, final long tick, final SampleSink sink, final int why) {
        final int s = replicaService[r];
        accrueReplicas(s, now);
        accrue(s, now);
        replicaState[r] = R_CRASHED;
        replicaGeneration[r]++;
        readyCount[s]--;
        if (balancer[s] == SHARED) {
            removeCapacity(s, r);
        }
        // A per-replica balancer still routes to it until it is detected.
        emit(r, ReplicaEvents.CRASHED, why, now, tick, sink);
        kill(r, now, tick, sink);
        timers.add(health[s].detectionNs(replicaReadyAtNs[r], now), lifecyclePayload(r, L_DETECT));
    }

    /** Health checks found a crashed replica: it is removed and replaced. */
    private void detected(final int r, final long now, final long tick, final SampleSink sink) {
        final int s = replicaService[r];
        accrueReplicas(s, now);
        emit(r, ReplicaEvents.UNHEALTHY, health[s].unhealthyThreshold(), now, tick, sink);
        emit(r, ReplicaEvents.REPLACED, nextReplicaNumber[s], now, tick, sink);
        removeReplica(r);
        startReplica(s, now, tick, sink, ReplicaEvents.REPLACEMENT);
    }

    /** Scale-in: the replica takes no new request; it leaves once its own are done, or when its grace runs out. */
    private void drain(final int r, final long now, final long tick, final SampleSink sink) {
        final int s = replicaService[r];
        accrueReplicas(s, now);
        accrue(s, now);
        final byte state = replicaState[r];
        replicaGeneration[r]++; // its start-up, crash or detection timer is void
        emit(r, ReplicaEvents.DRAINING, 0, now, tick, sink);
        if (state == R_READY) {
            readyCount[s]--;
            if (balancer[s] == SHARED) {
                removeCapacity(s, r);
            }
        }
        removeRoutable(s, r);
        replicaState[r] = R_DRAINING;
        drainingCount[s]++;
        if (replicaBusy[r] == 0 && replicaQueueSize[r] == 0) {
            emit(r, ReplicaEvents.REMOVED, 0, now, tick, sink);
            removeReplica(r);
            return;
        }
        timers.add(now + graceNs[s], lifecyclePayload(r, L_GRACE));
    }

    /** A draining replica's grace ran out: what it still holds fails, and it leaves. */
    private void graceEnded(final int r, final long now, final long tick, final SampleSink sink) {
        final int s = replicaService[r];
        accrueReplicas(s, now);
        final int killed = kill(r, now, tick, sink);
        emit(r, ReplicaEvents.KILLED_AFTER_GRACE, killed, now, tick, sink);
        emit(r, ReplicaEvents.REMOVED, 0, now, tick, sink);
        removeReplica(r);
    }

    /**
     * Fail every request replica {@code r} serves or holds in its queue, at once, as errors (their callers' retries
     * and timeouts apply as for any error); in the order of their visit ids. @return how many.
     */
    private int kill(final int r, final long now, final long tick, final SampleSink sink) {
        if (replicaBusy[r] == 0 && replicaQueueSize[r] == 0) {
            return 0;
        }
        final int s = replicaService[r];
        accrue(s, now);
        busy[s] -= replicaBusy[r];
        queueSize[s] -= replicaQueueSize[r];
        replicaBusy[r] = 0;
        replicaQueueSize[r] = 0;
        replicaQueueHead[r] = 0;
        int killed = 0;
        for (int v = 0; v < visitCapacity; v++) {
            if (visitReplica[v] == r) {
                visitReplica[v] = -1;
                visitGeneration[v]++; // its service-done event and its calls' answers are void
                visits++;
                killed++;
                sink.sample(serviceIds[s], tick, now, now - visitArrivedNs[v], Outcome.ERROR);
                end(v, ERROR, now, tick, sink);
            }
        }
        return killed;
    }

    /** Free a replica's slot: it is no longer provisioned. */
    private void removeReplica(final int r) {
        final int s = replicaService[r];
        if (replicaState[r] == R_READY) {
            readyCount[s]--;
        } else if (replicaState[r] == R_DRAINING) {
            drainingCount[s]--;
        }
        if (replicaState[r] == R_CRASHED) {
            removeRoutable(s, r);
        }
        final int[] list = members[s];
        int m = 0;
        while (list[m] != r) {
            m++;
        }
        System.arraycopy(list, m + 1, list, m, memberCount[s] - m - 1);
        memberCount[s]--;
        replicaState[r] = R_FREE;
        replicaGeneration[r]++;
        freeReplicas[freeReplicaCount++] = r;
    }

    private void onLifecycle(final int r, final int generation, final long now, final long tick,
                             final SampleSink sink) {
        if (generation >>> 2 != (replicaGeneration[r] & L_GENERATION_MASK)) {
            return; // a timer of an earlier state
        }
        switch (generation & 3) {
            case L_READY -> becomeReady(r, now, tick, sink);
            case L_CRASH -> crash(r, now, tick, sink, ReplicaEvents.FAILURE_MODEL);
            case L_DETECT -> detected(r, now, tick, sink);
            default -> graceEnded(r, now, tick, sink);
        }
    }

    private long lifecyclePayload(final int r, final int timer) {
        return payload(LIFECYCLE, r, ((replicaGeneration[r] & L_GENERATION_MASK) << 2) | timer);
    }

    private void emit(final int r, final int kind, final int detail, final long now, final long tick,
                      final SampleSink sink) {
        sink.replicaEvent(serviceIds[replicaService[r]], tick, now, replicaNumber[r], kind, detail);
    }

    /** Add the provisioned and READY replica areas since the last change; before every change of either. */
    private void accrueReplicas(final int s, final long now) {
        final long dt = now - replicasAccruedToNs[s];
        replicaTimeNs[s] += memberCount[s] * dt;
        readyTimeNs[s] += readyCount[s] * dt;
        replicasAccruedToNs[s] = now;
    }

    // Shared balancer: READY replicas with free servers, on a stack; idle counts their free servers.

    private void addCapacity(final int s, final int r) {
        final int free = concurrency[s] - replicaBusy[r];
        if (free > 0) {
            idle[s] += free;
            pushFree(s, r);
        }
    }

    private void removeCapacity(final int s, final int r) {
        idle[s] -= Math.max(0, concurrency[s] - replicaBusy[r]);
        if (replicaOnFreeStack[r]) {
            final int[] stack = freeStack[s];
            int i = 0;
            while (stack[i] != r) {
                i++;
            }
            System.arraycopy(stack, i + 1, stack, i, freeTop[s] - i - 1);
            freeTop[s]--;
            replicaOnFreeStack[r] = false;
        }
    }

    private void pushFree(final int s, final int r) {
        if (freeTop[s] == freeStack[s].length) {
            freeStack[s] = Arrays.copyOf(freeStack[s], freeTop[s] << 1);
        }
        freeStack[s][freeTop[s]++] = r;
        replicaOnFreeStack[r] = true;
    }

    /** A free server of a READY replica (idle[s] > 0): the replica on top of the stack. */
    private int takeFreeServer(final int s) {
        final int r = freeStack[s][freeTop[s] - 1];
        if (++replicaBusy[r] >= concurrency[s]) {
            freeTop[s]--;
            replicaOnFreeStack[r] = false;
        }
        idle[s]--;
        busy[s]++;
        return r;
    }

    /** Free servers take the head of the shared queue while both last (new capacity: a replica ready, more servers). */
    private void dispatchShared(final int s, final long now) {
        while (idle[s] > 0 && queueSize[s] > 0) {
            final int next = dequeue(s);
            startService(next, s, takeFreeServer(s), now);
        }
    }

    // Per-replica balancers: the routable replicas, by number.

    private void addRoutable(final int s, final int r) {
        if (routableCount[s] == routable[s].length) {
            routable[s] = Arrays.copyOf(routable[s], routableCount[s] << 1);
        }
        final int[] list = routable[s];
        int i = routableCount[s];
        while (i > 0 && replicaNumber[list[i - 1]] > replicaNumber[r]) {
            list[i] = list[i - 1];
            i--;
        }
        list[i] = r;
        routableCount[s]++;
        if (i < roundRobinNext[s]) {
            roundRobinNext[s]++; // the rotation goes on from the same replica
        }
    }

    private void removeRoutable(final int s, final int r) {
        final int[] list = routable[s];
        for (int i = 0; i < routableCount[s]; i++) {
            if (list[i] == r) {
                System.arraycopy(list, i + 1, list, i, routableCount[s] - i - 1);
                routableCount[s]--;
                if (i < roundRobinNext[s]) {
                    roundRobinNext[s]--;
                }
                return;
            }
        }
    }

    /** The replica a per-replica balancer sends the next request to; -1 when none is routable. */
    private int pickReplica(final int s) {
        final int n = routableCount[s];
        if (n == 0) {
            return -1;
        }
        final int[] list = routable[s];
        switch (balancer[s]) {
            case ROUND_ROBIN -> {
                int i = roundRobinNext[s];
                if (i >= n) {
                    i = 0;
                }
                roundRobinNext[s] = i + 1;
                return list[i];
            }
            case RANDOM -> {
                return n == 1 ? list[0] : list[uniformInt(balancerRandom[s], n)];
            }
            case LEAST_CONNECTIONS -> {
                // Ties go to the lowest-numbered replica.
                int best = list[0];
                int bestLoad = replicaBusy[best] + replicaQueueSize[best];
                for (int i = 1; i < n && bestLoad > 0; i++) {
                    final int r = list[i];
                    final int load = replicaBusy[r] + replicaQueueSize[r];
                    if (load < bestLoad) {
                        best = r;
                        bestLoad = load;
                    }
                }
                return best;
            }
            default -> {
                // Two distinct replicas at random; the less loaded, the first drawn on a tie.
                if (n == 1) {
                    return list[0];
                }
                final SplittableRandom random = balancerRandom[s];
                final int a = uniformInt(random, n);
                int b = uniformInt(random, n - 1);
                if (b >= a) {
                    b++;
                }
                final int ra = list[a];
                final int rb = list[b];
                return replicaBusy[rb] + replicaQueueSize[rb] < replicaBusy[ra] + replicaQueueSize[ra] ? rb : ra;
            }
        }
    }

    /**
     * A uniform integer in [0, n), n >= 1, exactly (Lemire's multiply-and-shift with rejection): a division only in
     * the rare rejection test, where {@code nextInt(n)} divides every time. One 64-bit draw, rarely more.
     */
    static int uniformInt(final SplittableRandom random, final int n) {
        long m = (random.nextLong() >>> 32) * n;
        if ((m & 0xFFFF_FFFFL) < n) {
            final long threshold = (0x1_0000_0000L - n) % n;
            while ((m & 0xFFFF_FFFFL) < threshold) {
                m = (random.nextLong() >>> 32) * n;
            }
        }
        return (int)(m >>> 32);
    }

    // ---------------------------------------------------------------- requests

    private static long payload(final int kind, final int index, final int generation) {
        return ((long)generation << 32) | ((long)index << KIND_BITS) | kind;
    }

    private void onSource(final int source, final long now, final long tick, final SampleSink sink) {
        final int v = allocateVisit();
        visitService[v] = sourceTarget[source];
        visitSource[v] = sourceIds[source];
        visitEnteredNs[v] = now;
        final TokenBucket limit = sourceRateLimit[source];
        if (limit != null && !limit.tryTake(now)) {
            // Refused at the entry: it arrived at its target's door and was turned away there.
            final int s = sourceTarget[source];
            arrivals[s]++;
            rateLimited[s]++;
            visits++;
            leave(v, RATE_LIMITED, now, tick, sink);
        } else {
            events.add(now, payload(ARRIVE, v, 0));
        }
        if (sourceThinkNs[source] < 0) {
            events.add(now + nextGapNs(source, now), payload(SOURCE, source, sourceGeneration[source]));
        }
    }

    private void onArrive(final int v, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        arrivals[s]++;
        visitArrivedNs[v] = now;
        final TokenBucket limit = rateLimit[s];
        if (limit != null && !limit.tryTake(now)) {
            rateLimited[s]++;
            visits++;
            end(v, RATE_LIMITED, now, tick, sink);
            return;
        }
        accrue(s, now);
        if (balancer[s] == SHARED) {
            if (idle[s] > 0) {
                startService(v, s, takeFreeServer(s), now);
            } else if (queueCapacity[s] == ServiceSpec.UNBOUNDED || queueSize[s] < queueCapacity[s]) {
                enqueue(s, v);
            } else {
                reject(v, s, now, tick, sink);
            }
            return;
        }
        final int r = pickReplica(s);
        if (r < 0) {
            reject(v, s, now, tick, sink); // no replica to route to
        } else if (replicaState[r] == R_CRASHED) {
            // Connection refused: an immediate error, until the health checks find the crash.
            visits++;
            sink.sample(serviceIds[s], tick, now, 0, Outcome.ERROR);
            end(v, ERROR, now, tick, sink);
        } else if (replicaBusy[r] < concurrency[s]) {
            replicaBusy[r]++;
            busy[s]++;
            startService(v, s, r, now);
        } else if (queueCapacity[s] == ServiceSpec.UNBOUNDED || replicaQueueSize[r] < queueCapacity[s]) {
            replicaEnqueue(r, v);
            visitReplica[v] = r;
            queueSize[s]++;
        } else {
            reject(v, s, now, tick, sink);
        }
    }

    private void reject(final int v, final int s, final long now, final long tick, final SampleSink sink) {
        visits++;
        sink.sample(serviceIds[s], tick, now, 0, Outcome.REJECTED);
        end(v, REJECTED, now, tick, sink);
    }

    /** The visit takes a server of replica {@code r}: its service time is drawn now. */
    private void startService(final int v, final int s, final int r, final long now) {
        visitReplica[v] = r;
        events.add(now + serviceTimeNs(s), payload(WORK_DONE, v, visitGeneration[v]));
    }

    private void onWorkDone(final int v, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        final SplittableRandom random = serviceRandom[s];
        if (syncTarget[s].length == 0) {
            // The freed server takes the head of the queue first: its service time is drawn before this visit's
            // failure and routing, a fixed order of draws from the service's stream.
            visits++;
            accrue(s, now);
            releaseServer(v, s, now, tick, sink);
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
            callService[call] = s;
            callVisitGeneration[call] = visitGeneration[v];
            callIndex[call] = c;
            callAttempt[call] = 0;
            pendingCalls[v]++;
            sendCall(call, now, tick, sink);
            if (!parallel[s] || c < databaseCalls[s]) {
                return;
            }
        }
        if (pendingCalls[v] == 0) {
            complete(v, callOutcome[v], now, tick, sink);
        }
    }

    /**
     * Send (or resend) a pending call: a new arrival at the callee after the delay, and its timeout. Its circuit
     * breaker, if any, is asked first (not permitted: an error answer at once, or the fallback's OK answer), then its
     * bulkhead (full: the attempt waits for a permit, its timeout running, or fails at once). Across a PARTITION it
     * fails at once, or hangs (delivered when healed) with its timeout running.
     */
    private void sendCall(final int call, final long now, final long tick, final SampleSink sink) {
        final int s = callService[call];
        final int c = callIndex[call];
        final int generation = callGeneration[call];
        final CircuitBreaker breaker = syncBreaker[s][c];
        if (breaker != null) {
            final boolean permitted = breaker.tryAcquire(now);
            reportBreaker(breaker, s, c, now, tick, sink);
            if (!permitted) {
                breakerRefused[s]++;
                final long fallback = syncFallbackNs[s][c];
                events.add(fallback < 0 ? now : now + fallback,
                    payload(fallback < 0 ? ANSWER_ERROR : ANSWER_OK, call, generation));
                return;
            }
            callRecorded[call] = true;
            callSentNs[call] = now;
        }
        final Bulkhead bulkhead = syncBulkhead[s][c];
        if (bulkhead != null) {
            if (!bulkhead.tryAcquire()) {
                if (bulkhead.maxWaitNs == 0) {
                    bulkheadRefused[s]++;
                    events.add(now, payload(ANSWER_ERROR, call, generation));
                    return;
                }
                callWaiting[call] = true;
                bulkhead.enqueue(call, generation);
                events.add(now + bulkhead.maxWaitNs, payload(BULKHEAD_WAIT, call, generation));
                scheduleTimeout(call, s, c, generation, now);
                return;
            }
            callHolds[call] = true;
        }
        if (transmit(call, s, c, generation, now)) {
            scheduleTimeout(call, s, c, generation, now);
        }
    }

    /** The attempt goes out, or hangs across a PARTITION; @return false if a PARTITION failed it at once. */
    private boolean transmit(final int call, final int s, final int c, final int generation, final long now) {
        final byte cut = syncCut[s][c];
        if (cut == KernelAction.FAIL) {
            events.add(now, payload(ANSWER_ERROR, call, generation));
            return false;
        }
        if (cut == KernelAction.HANG) {
            hang(true, s, c, call, generation);
        } else {
            deliverCall(call, s, c, generation, now);
        }
        return true;
    }

    private void scheduleTimeout(final int call, final int s, final int c, final int generation, final long now) {
        final long timeout = syncTimeoutNs[s][c];
        if (timeout > 0) {
            events.add(now + timeout, payload(TIMEOUT, call, generation));
        }
    }

    /** An attempt's wait for a bulkhead permit ran out (unless it got one, or timed out, meanwhile): refused. */
    private void onBulkheadWaitOver(final int call, final int generation, final long now, final long tick,
                                    final SampleSink sink) {
        if (callGeneration[call] != generation || !callWaiting[call]) {
            return;
        }
        bulkheadRefused[callService[call]]++;
        onAnswer(call, generation, ERROR, now, tick, sink);
    }

    /** A permit of call {@code c}'s bulkhead comes back: the longest-waiting attempts still waiting take permits. */
    private void releaseBulkhead(final int s, final int c, final long now) {
        final Bulkhead bulkhead = syncBulkhead[s][c];
        bulkhead.release();
        while (bulkhead.waiting() > 0) {
            final int w = bulkhead.headCall();
            final int generation = bulkhead.headGeneration();
            if (callGeneration[w] != generation || !callWaiting[w]) {
                bulkhead.pop(); // it stopped waiting (timed out): a stale entry
                continue;
            }
            if (!bulkhead.tryAcquire()) {
                return;
            }
            bulkhead.pop();
            callWaiting[w] = false;
            callHolds[w] = true;
            transmit(w, s, c, generation, now);
        }
    }

    /** A breaker's change of state, if its last call made one: an event. */
    private void reportBreaker(final CircuitBreaker breaker, final int s, final int c, final long now,
                               final long tick, final SampleSink sink) {
        final int from = breaker.changedFrom();
        if (from >= 0) {
            sink.breakerEvent(serviceIds[s], tick, now, c, syncTarget[s][c], from, breaker.state(),
                breaker.failureRate(), breaker.slowCallRate());
        }
    }

    /** The call {@code c} of caller {@code s} arrives at its callee after its delay, as a child visit. */
    private void deliverCall(final int call, final int s, final int c, final int generation, final long now) {
        final int target = syncTarget[s][c];
        final long delay = syncDelayNs[s][c];
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
    }

    /** A call's backoff is over: send it again, unless its visit was killed meanwhile. */
    private void onRetry(final int call, final long now, final long tick, final SampleSink sink) {
        if (visitGeneration[callVisit[call]] != callVisitGeneration[call]) {
            freeCalls[freeCallCount++] = call;
            return;
        }
        sendCall(call, now, tick, sink);
    }

    /** An answer, or a timeout, for a pending call; stale ones (the call has moved on) are dropped. */
    private void onAnswer(final int call, final int generation, final byte outcome, final long now, final long tick,
                          final SampleSink sink) {
        if (callGeneration[call] != generation) {
            return; // answered after its timeout, or timed out after its answer: the work was wasted
        }
        callGeneration[call]++;
        if (callHolds[call] | callWaiting[call] | callRecorded[call]) {
            endAttempt(call, outcome, now, tick, sink);
        }
        final int v = callVisit[call];
        if (visitGeneration[v] != callVisitGeneration[call]) {
            freeCalls[freeCallCount++] = call; // its visit was killed with its replica
            return;
        }
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

    /** An attempt ended (answered, failed or timed out): its bulkhead permit back, its outcome to its breaker. */
    private void endAttempt(final int call, final byte outcome, final long now, final long tick,
                            final SampleSink sink) {
        final int s = callService[call];
        final int c = callIndex[call];
        callWaiting[call] = false; // a timeout while waiting: its queue entry is left stale
        if (callHolds[call]) {
            callHolds[call] = false;
            releaseBulkhead(s, c, now);
        }
        if (callRecorded[call]) {
            callRecorded[call] = false;
            final CircuitBreaker breaker = syncBreaker[s][c];
            breaker.onResult(now, now - callSentNs[call], outcome != OK);
            reportBreaker(breaker, s, c, now, tick, sink);
        }
    }

    /** A visit with sync calls is done: free its server, report it, move it on. */
    private void complete(final int v, final byte outcome, final long now, final long tick, final SampleSink sink) {
        final int s = visitService[v];
        visits++;
        accrue(s, now);
        releaseServer(v, s, now, tick, sink);
        sink.sample(serviceIds[s], tick, now, now - visitArrivedNs[v], OUTCOMES[outcome]);
        if (outcome == OK) {
            route(v, now, tick, sink);
        } else {
            end(v, outcome, now, tick, sink);
        }
    }

    /**
     * The visit's server is freed. It takes the head of its queue (drawing its service time) — the shared queue for
     * a READY replica of a shared balancer, the replica's own (draining too) for the others — or goes idle; a
     * draining replica left with nothing leaves.
     */
    private void releaseServer(final int v, final int s, final long now, final long tick, final SampleSink sink) {
        final int r = visitReplica[v];
        visitReplica[v] = -1;
        if (replicaBusy[r] <= concurrency[s]) { // else a server above a lowered concurrency retires
            if (balancer[s] == SHARED) {
                if (replicaState[r] == R_READY) {
                    if (queueSize[s] > 0) {
                        startService(dequeue(s), s, r, now);
                        return;
                    }
                    replicaBusy[r]--;
                    busy[s]--;
                    idle[s]++;
                    if (!replicaOnFreeStack[r]) {
                        pushFree(s, r);
                    }
                    return;
                }
            } else if (replicaQueueSize[r] > 0) {
                queueSize[s]--;
                startService(replicaDequeue(r), s, r, now);
                return;
            }
        }
        replicaBusy[r]--;
        busy[s]--;
        if (replicaState[r] == R_DRAINING && replicaBusy[r] == 0 && replicaQueueSize[r] == 0) {
            accrueReplicas(s, now);
            emit(r, ReplicaEvents.REMOVED, 0, now, tick, sink);
            removeReplica(r);
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
                    final byte cut = forwardCut[s][c];
                    if (cut == KernelAction.FAIL) {
                        leave(v, ERROR, now, tick, sink); // the next hop refused it
                    } else if (cut == KernelAction.HANG) {
                        hang(false, s, c, v, 0);
                    } else {
                        forward(v, s, c, now);
                    }
                    return;
                }
            }
        }
        leave(v, OK, now, tick, sink);
    }

    /** The request moves on along forward call {@code c} of {@code s}, arriving after its delay. */
    private void forward(final int v, final int s, final int c, final long now) {
        final int target = forwardTarget[s][c];
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
        final long t = latency[s].sampleNs(serviceRandom[s]);
        return latencyAdjusted[s] ? adjusted(s, t) : t;
    }

    /** LATENCY_FACTOR: round(t × factor) + added, within the sampler's clamp. */
    private long adjusted(final int s, final long t) {
        final double scaled = Math.min(t * latencyFactor[s], (double)LatencyDistribution.MAX_SAMPLE_NS);
        return Math.min(Math.round(scaled) + latencyAddedNs[s], LatencyDistribution.MAX_SAMPLE_NS);
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
            queue[s] = q = unrolled(q, queueHead[s], queueSize[s]);
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

    private void replicaEnqueue(final int r, final int v) {
        int[] q = replicaQueue[r];
        if (replicaQueueSize[r] == q.length) {
            replicaQueue[r] = q = unrolled(q, replicaQueueHead[r], replicaQueueSize[r]);
            replicaQueueHead[r] = 0;
        }
        q[(replicaQueueHead[r] + replicaQueueSize[r]) & (q.length - 1)] = v;
        replicaQueueSize[r]++;
    }

    private int replicaDequeue(final int r) {
        final int[] q = replicaQueue[r];
        final int v = q[replicaQueueHead[r]];
        replicaQueueHead[r] = (replicaQueueHead[r] + 1) & (q.length - 1);
        replicaQueueSize[r]--;
        return v;
    }

    /** A ring twice as long holding {@code size} entries from {@code head}, from index 0. */
    private static int[] unrolled(final int[] q, final int head, final int size) {
        final int[] grown = new int[q.length << 1];
        for (int i = 0; i < size; i++) {
            grown[i] = q[(head + i) & (q.length - 1)];
        }
        return grown;
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
        visitReplica = Arrays.copyOf(visitReplica, capacity);
        Arrays.fill(visitReplica, visitCapacity, capacity, -1);
        visitGeneration = Arrays.copyOf(visitGeneration, capacity);
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
        callService = Arrays.copyOf(callService, capacity);
        callHolds = Arrays.copyOf(callHolds, capacity);
        callWaiting = Arrays.copyOf(callWaiting, capacity);
        callRecorded = Arrays.copyOf(callRecorded, capacity);
        callSentNs = Arrays.copyOf(callSentNs, capacity);
        callVisitGeneration = Arrays.copyOf(callVisitGeneration, capacity);
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

    private void growReplicas(final int capacity) {
        if (capacity > MAX_INDEX) {
            throw new IllegalStateException("more than " + MAX_INDEX + " replicas");
        }
        replicaService = Arrays.copyOf(replicaService, capacity);
        replicaNumber = Arrays.copyOf(replicaNumber, capacity);
        replicaState = Arrays.copyOf(replicaState, capacity);
        replicaBusy = Arrays.copyOf(replicaBusy, capacity);
        replicaQueue = Arrays.copyOf(replicaQueue, capacity);
        for (int r = replicaCapacity; r < capacity; r++) {
            replicaQueue[r] = new int[16];
        }
        replicaQueueHead = Arrays.copyOf(replicaQueueHead, capacity);
        replicaQueueSize = Arrays.copyOf(replicaQueueSize, capacity);
        replicaGeneration = Arrays.copyOf(replicaGeneration, capacity);
        replicaReadyAtNs = Arrays.copyOf(replicaReadyAtNs, capacity);
        replicaOnFreeStack = Arrays.copyOf(replicaOnFreeStack, capacity);
        final int[] free = new int[capacity];
        System.arraycopy(freeReplicas, 0, free, 0, freeReplicaCount);
        for (int id = capacity - 1; id >= replicaCapacity; id--) {
            free[freeReplicaCount++] = id;
        }
        freeReplicas = free;
        replicaCapacity = capacity;
    }
}
