package io.tickwire.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.codec.TickHistogram;
import io.tickwire.engine.control.AlertEvaluator;
import io.tickwire.engine.control.AlertPublisher;
import io.tickwire.engine.control.ClosedTickWindow;
import io.tickwire.engine.control.ControlEvents;
import io.tickwire.engine.diagram.DatabaseSpec;
import io.tickwire.engine.ring.MetricSlot;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.engine.ring.Rings;
import io.tickwire.sbe.BreakerEventEncoder;
import io.tickwire.sbe.BreakerState;
import io.tickwire.sbe.EndToEndSampleDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricSampleDecoder;
import io.tickwire.sbe.Outcome;
import io.tickwire.sbe.ReplicaEventEncoder;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.ReplicaGaugeDecoder;
import io.tickwire.sbe.ResilienceGaugeDecoder;
import io.tickwire.sbe.ServiceGaugeDecoder;
import io.tickwire.sbe.TickSummaryEncoder;
import io.tickwire.sbe.WorkerBreakerEventDecoder;
import io.tickwire.sbe.WorkerReplicaEventDecoder;
import io.tickwire.sbe.WorkerTickEndDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.EpochNanoClock;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The batching consumer of the metrics ring: accumulates each service's samples into a histogram (HdrHistogram's
 * buckets and encoding, at a cost that scales with the buckets a tick touches: {@link TickHistogram}) and counters,
 * and closes a tick into one SBE {@code TickSummary} on the output ring once every worker has ended it.
 * <p>
 * A service's samples come from one worker (the one running its partition), in tick order, so one live histogram
 * per service is enough: when the worker's {@code WorkerTickEnd} arrives, the service's figures (and its compressed
 * histogram) are staged in the pending tick and the live state is reset. An entry point's end-to-end samples may come
 * from any worker (wherever its requests leave); workers publish all of a tick's messages before its last window
 * barrier, so they are staged once the last worker has ended the tick. Workers without a barrier between them (one
 * worker) cannot be apart; the small window of pending ticks (sized by the command ring) is kept for safety.
 * Ticks are published strictly in order. After each, its events: first the control plane's (its decisions at the
 * tick's start, {@link ControlEvents}), in the order they were made; then the tick's replica events (from any worker,
 * in any order between them, kept with the tick), sorted by (simTimeNs, serviceId, kind, replica); its circuit breaker events with them,
 * after the replica events of the same time and service, by call. For the control
 * plane, the figures of the autoscaled services go to the {@link ClosedTickWindow} as each tick is staged, before the
 * tick is published and counted closed. Last come the alert rules' state changes, by rule: {@link AlertEvaluator}
 * evaluates the rules on the tick's closed figures (recorded as each service's tick is staged) when it closes.
 * <p>
 * Runs on <b>one thread</b> (a Disruptor event processor of the metrics ring). Steady state allocates nothing:
 * histograms, staging and encoders are reused (a histogram grows only when a larger latency than ever is seen, or a
 * tick touches more buckets than any before).
 */
final class TickAggregator implements EventHandler<MetricSlot> {
    // Staged per-service figures, in this order.
    private static final int F_ARRIVALS = 0;
    private static final int F_COMPLETED = 1;
    private static final int F_ERRORS = 2;
    private static final int F_REJECTED = 3;
    private static final int F_QUEUE = 4;
    private static final int F_BUSY = 5;
    private static final int F_SERVERS = 6;
    private static final int F_SUM = 7;
    private static final int F_P50 = 8;
    private static final int F_P90 = 9;
    private static final int F_P99 = 10;
    private static final int F_P999 = 11;
    private static final int F_MAX = 12;
    private static final int F_BUSY_TIME = 13;
    private static final int F_QUEUE_TIME = 14;
    private static final int F_COST = 15;
    private static final int F_TIMEOUTS = 16;
    private static final int F_RETRIES = 17;
    private static final int F_STORAGE = 18;
    private static final int F_REPLICAS = 19;
    private static final int F_READY = 20;
    private static final int F_REPLICA_TIME = 21;
    private static final int F_READY_TIME = 22;
    private static final int F_RATE_LIMITED = 23;
    private static final int F_BULKHEAD_REFUSED = 24;
    private static final int F_BREAKER_REFUSED = 25;
    private static final int FIELDS = 26;
    /** A breaker event's kind among a tick's events: after every replica event kind, so after them at equal times. */
    private static final int BREAKER_EVENT = 64;
    // Staged per-source (end-to-end) figures, in this order.
    private static final int E_COMPLETED = 0;
    private static final int E_ERRORS = 1;
    private static final int E_REJECTED = 2;
    private static final int E_SUM = 3;
    private static final int E_P50 = 4;
    private static final int E_P90 = 5;
    private static final int E_P99 = 6;
    private static final int E_P999 = 7;
    private static final int E_MAX = 8;
    private static final int E_TIMEOUTS = 9;
    private static final int E_FIELDS = 10;
    // In both layouts p50, p90, p99, p99.9 and max are consecutive, in that order: stagePercentiles relies on it.

    private final long simulationId;
    private final long tickLengthNs;
    private final int serviceCount;
    private final int[][] servicesOfWorker;
    private final int sourceCount;
    // Cost per service: a part per provisioned replica-ns and a part per arriving request, in billionths. The
    // diagram's replicas accrue replicaCostNanosPerNs × t; replica-ns above or below them (scaling, start-ups,
    // crashes) add perReplicaCostNanosPerNs each, so that a run whose replicas never change costs exactly as before.
    private final double[] replicaCostNanosPerNs;
    private final double[] perReplicaCostNanosPerNs;
    private final int[] baseReplicas;
    private final long[] replicaNsSoFar;
    private final double[] requestCostNanos;
    // Running totals, so that each tick's cost is the difference of two rounded totals: the sum over any window
    // is then exact to the billionth, where rounding each tick on its own would add up a bias.
    private final long[] requestsSoFar;
    private final long[] costEmitted;
    // Databases (null for services): storage = size + writeBytes × successful queries so far + growth × t.
    private final DatabaseSpec[] storage;
    private final long[] queriesSoFar;
    /** Σ over ticks of (successful queries in the tick × the tick's end): the written bytes' storage time. */
    private final double[] queryEndSum;
    private final int workers;
    private final byte[] catalog;
    private final RingBuffer<OutputSlot> output;
    private final EpochNanoClock clock;
    private final BooleanSupplier failed;
    private final Runnable onEnd;
    private final AtomicLong ticksClosed = new AtomicLong();

    // Live, per service, for the tick its worker is on.
    private final TickHistogram[] histograms;
    private final long[] completed;
    private final long[] errors;
    private final long[] timeouts;
    private final long[] retries;
    private final long[] rejected;
    private final long[] latencySum;
    private final long[] maxLatency;
    private final long[] arrivals;
    private final int[] queueDepth;
    private final int[] busy;
    private final int[] servers;
    private final long[] busyTimeNs;
    private final long[] queueTimeNs;
    // From ReplicaGauge; a service none arrived for (no replica model: ingest, benchmarks) keeps its diagram's.
    private final boolean[] replicaGaugeSeen;
    private final int[] replicas;
    private final int[] readyReplicas;
    private final long[] replicaTimeNs;
    private final long[] readyTimeNs;
    // From ResilienceGauge (services with a rate limit, bulkhead or breaker); 0 for the others.
    private final long[] rateLimited;
    private final long[] bulkheadRefused;
    private final long[] breakerRefused;

    // Live, per load source: end-to-end latency of the requests that left the system this tick.
    private final TickHistogram[] sourceHistograms;
    private final long[] sourceCompleted;
    private final long[] sourceErrors;
    private final long[] sourceTimeouts;
    private final long[] sourceRejected;
    private final long[] sourceLatencySum;
    private final long[] sourceMaxLatency;

    // The control plane's: set before the aggregator's thread starts; null when there is none (ingest, benchmarks).
    private ClosedTickWindow closedTicks;
    private int[] concurrency;
    private ControlEvents controlEvents;
    private final ControlEvents.Sink controlEventSink = this::publishEvent;
    // The alert rules': null when the diagram has none.
    private AlertEvaluator alerts;
    private AlertPublisher alertPublisher;

    private final PendingTick[] pending;
    private final int pendingMask;
    private long nextToClose;
    private int workersEnded;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MetricSampleDecoder sampleDecoder = new MetricSampleDecoder();
    private final ServiceGaugeDecoder gaugeDecoder = new ServiceGaugeDecoder();
    private final EndToEndSampleDecoder endToEndDecoder = new EndToEndSampleDecoder();
    private final WorkerTickEndDecoder tickEndDecoder = new WorkerTickEndDecoder();
    private final ReplicaGaugeDecoder replicaGaugeDecoder = new ReplicaGaugeDecoder();
    private final WorkerReplicaEventDecoder replicaEventDecoder = new WorkerReplicaEventDecoder();
    private final WorkerBreakerEventDecoder breakerEventDecoder = new WorkerBreakerEventDecoder();
    private final ResilienceGaugeDecoder resilienceGaugeDecoder = new ResilienceGaugeDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final TickSummaryEncoder summaryEncoder = new TickSummaryEncoder();
    private final ReplicaEventEncoder eventEncoder = new ReplicaEventEncoder();
    private final BreakerEventEncoder breakerEncoder = new BreakerEventEncoder();
    private final CompressedHistogramEncoder histogramEncoder = new CompressedHistogramEncoder();

    TickAggregator(final BooleanSupplier failed, final Runnable onEnd, final long simulationId, final long tickLengthNs,
                   final int serviceCount, final int[][] servicesOfWorker, final int sourceCount,
                   final int[] baseReplicas, final double[] replicaCostNanosPerNs,
                   final double[] perReplicaCostNanosPerNs, final double[] requestCostNanos,
                   final DatabaseSpec[] storage, final byte[] catalog,
                   final int pendingTicks, final RingBuffer<OutputSlot> output, final EpochNanoClock clock) {
        this.failed = failed;
        this.onEnd = onEnd;
        this.simulationId = simulationId;
        this.tickLengthNs = tickLengthNs;
        this.serviceCount = serviceCount;
        this.servicesOfWorker = servicesOfWorker;
        this.workers = servicesOfWorker.length;
        this.sourceCount = sourceCount;
        this.replicaCostNanosPerNs = replicaCostNanosPerNs.clone();
        this.perReplicaCostNanosPerNs = perReplicaCostNanosPerNs.clone();
        this.baseReplicas = baseReplicas.clone();
        this.replicaNsSoFar = new long[serviceCount];
        this.requestCostNanos = requestCostNanos.clone();
        this.requestsSoFar = new long[serviceCount];
        this.costEmitted = new long[serviceCount];
        this.storage = storage.clone();
        this.queriesSoFar = new long[serviceCount];
        this.queryEndSum = new double[serviceCount];
        this.catalog = catalog;
        this.output = output;
        this.clock = clock;

        histograms = histograms(serviceCount);
        completed = new long[serviceCount];
        errors = new long[serviceCount];
        timeouts = new long[serviceCount];
        retries = new long[serviceCount];
        rejected = new long[serviceCount];
        latencySum = new long[serviceCount];
        maxLatency = new long[serviceCount];
        arrivals = new long[serviceCount];
        queueDepth = new int[serviceCount];
        busy = new int[serviceCount];
        servers = new int[serviceCount];
        busyTimeNs = new long[serviceCount];
        queueTimeNs = new long[serviceCount];
        replicaGaugeSeen = new boolean[serviceCount];
        replicas = new int[serviceCount];
        readyReplicas = new int[serviceCount];
        replicaTimeNs = new long[serviceCount];
        readyTimeNs = new long[serviceCount];
        rateLimited = new long[serviceCount];
        bulkheadRefused = new long[serviceCount];
        breakerRefused = new long[serviceCount];

        sourceHistograms = histograms(sourceCount);
        sourceCompleted = new long[sourceCount];
        sourceErrors = new long[sourceCount];
        sourceTimeouts = new long[sourceCount];
        sourceRejected = new long[sourceCount];
        sourceLatencySum = new long[sourceCount];
        sourceMaxLatency = new long[sourceCount];

        pending = new PendingTick[pendingTicks];
        pendingMask = pending.length - 1;
        for (int i = 0; i < pending.length; i++) {
            pending[i] = new PendingTick(serviceCount, sourceCount);
        }
    }

    private static TickHistogram[] histograms(final int count) {
        final TickHistogram[] h = new TickHistogram[count];
        for (int i = 0; i < count; i++) {
            h[i] = new TickHistogram();
        }
        return h;
    }

    long ticksClosed() {
        return ticksClosed.get();
    }

    /**
     * Feed the control plane: the closed-tick figures of the services {@code window} tracks ({@code concurrency}:
     * each service's servers per replica), and publish its events after their tick. Before the aggregator starts.
     */
    void control(final ClosedTickWindow window, final int[] concurrency, final ControlEvents events) {
        this.closedTicks = window;
        this.concurrency = concurrency.clone();
        this.controlEvents = events;
    }

    /** Evaluate {@code evaluator}'s rules as each tick closes, publishing their changes last. Before it starts. */
    void alerts(final AlertEvaluator evaluator) {
        this.alerts = evaluator;
        this.alertPublisher = new AlertPublisher(evaluator, simulationId, output, failed);
    }

    @Override
    public void onStart() {
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        slot.kind = OutputSlot.CATALOG;
        slot.tick = -1;
        slot.buffer.putBytes(0, catalog);
        slot.length = catalog.length;
        output.publish(seq);
    }

    @Override
    public void onEvent(final MetricSlot slot, final long sequence, final boolean endOfBatch) {
        headerDecoder.wrap(slot.buffer, 0);
        final int offset = MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId()) {
            case MetricSampleDecoder.TEMPLATE_ID -> {
                sampleDecoder.wrap(slot.buffer, offset, blockLength, version);
                onSample(sampleDecoder.serviceId(), sampleDecoder.latencyNs(), sampleDecoder.outcome());
            }
            case EndToEndSampleDecoder.TEMPLATE_ID -> {
                endToEndDecoder.wrap(slot.buffer, offset, blockLength, version);
                if (endToEndDecoder.tick() != nextToClose) {
                    // Workers publish a tick's last messages before its last window barrier, so every end-to-end
                    // sample of a tick arrives before any of the next: staging them once per tick relies on it.
                    throw new IllegalStateException("end-to-end sample of tick " + endToEndDecoder.tick()
                        + " while tick " + nextToClose + " is open");
                }
                onEndToEnd(endToEndDecoder.sourceId(), endToEndDecoder.latencyNs(), endToEndDecoder.outcome());
            }
            case ServiceGaugeDecoder.TEMPLATE_ID -> {
                gaugeDecoder.wrap(slot.buffer, offset, blockLength, version);
                final int s = gaugeDecoder.serviceId();
                arrivals[s] = gaugeDecoder.arrivals();
                queueDepth[s] = gaugeDecoder.queueDepth();
                busy[s] = gaugeDecoder.busyServers();
                servers[s] = gaugeDecoder.servers();
                busyTimeNs[s] = gaugeDecoder.busyTimeNs();
                queueTimeNs[s] = gaugeDecoder.queueTimeNs();
                retries[s] = gaugeDecoder.retries();
            }
            case ResilienceGaugeDecoder.TEMPLATE_ID -> {
                final ResilienceGaugeDecoder d = resilienceGaugeDecoder.wrap(slot.buffer, offset, blockLength,
                    version);
                final int s = d.serviceId();
                rateLimited[s] = d.rateLimited();
                bulkheadRefused[s] = d.bulkheadRefused();
                breakerRefused[s] = d.breakerRefused();
            }
            case ReplicaGaugeDecoder.TEMPLATE_ID -> {
                replicaGaugeDecoder.wrap(slot.buffer, offset, blockLength, version);
                final int s = replicaGaugeDecoder.serviceId();
                replicaGaugeSeen[s] = true;
                replicas[s] = replicaGaugeDecoder.replicas();
                readyReplicas[s] = replicaGaugeDecoder.readyReplicas();
                replicaTimeNs[s] = replicaGaugeDecoder.replicaTimeNs();
                readyTimeNs[s] = replicaGaugeDecoder.readyTimeNs();
            }
            case WorkerReplicaEventDecoder.TEMPLATE_ID -> {
                final WorkerReplicaEventDecoder d = replicaEventDecoder.wrap(slot.buffer, offset, blockLength, version);
                pendingFor(d.tick()).addEvent(d.simTimeNs(), d.serviceId(), d.kindRaw(), d.replica(), d.detail());
            }
            case WorkerBreakerEventDecoder.TEMPLATE_ID -> {
                final WorkerBreakerEventDecoder d = breakerEventDecoder.wrap(slot.buffer, offset, blockLength, version);
                final PendingTick p = pendingFor(d.tick());
                p.addEvent(d.simTimeNs(), d.serviceId(), BREAKER_EVENT, d.call(), d.callee());
                p.setBreakerDetail(d.fromStateRaw(), d.toStateRaw(), d.failureRate(), d.slowCallRate());
            }
            case WorkerTickEndDecoder.TEMPLATE_ID -> {
                tickEndDecoder.wrap(slot.buffer, offset, blockLength, version);
                onWorkerTickEnd(tickEndDecoder.workerId(), tickEndDecoder.tick(), tickEndDecoder.simTimeNs());
            }
            default -> throw new IllegalStateException("unknown template on the metrics ring: "
                + headerDecoder.templateId());
        }
    }

    private void onSample(final int s, final long latencyNs, final Outcome outcome) {
        switch (outcome) {
            case REJECTED -> rejected[s]++;
            case ERROR -> {
                errors[s]++;
                recordCompletion(s, latencyNs);
            }
            case TIMEOUT -> {
                errors[s]++;
                timeouts[s]++;
                recordCompletion(s, latencyNs);
            }
            default -> recordCompletion(s, latencyNs);
        }
    }

    private void onEndToEnd(final int l, final long latencyNs, final Outcome outcome) {
        if (outcome == Outcome.REJECTED) {
            sourceRejected[l]++;
            return;
        }
        if (outcome != Outcome.OK) {
            sourceErrors[l]++;
            if (outcome == Outcome.TIMEOUT) {
                sourceTimeouts[l]++;
            }
        }
        sourceCompleted[l]++;
        sourceLatencySum[l] += latencyNs;
        if (latencyNs > sourceMaxLatency[l]) {
            sourceMaxLatency[l] = latencyNs;
        }
        sourceHistograms[l].record(latencyNs);
    }

    private void recordCompletion(final int s, final long latencyNs) {
        completed[s]++;
        latencySum[s] += latencyNs;
        if (latencyNs > maxLatency[s]) {
            maxLatency[s] = latencyNs;
        }
        histograms[s].record(latencyNs);
    }

    private void onWorkerTickEnd(final int worker, final long tick, final long endNs) {
        if (tick == SimulationWorker.END_OF_RUN) {
            if (++workersEnded == workers) {
                publishEnd();
            }
            return;
        }
        final PendingTick p = pendingFor(tick);
        for (final int s : servicesOfWorker[worker]) {
            stage(s, p, endNs);
        }
        p.simTimeNs = endNs;
        if (++p.workersDone == workers) {
            // Entry points last: any worker may see a request leave, and all of them have now ended the tick.
            for (int l = 0; l < sourceCount; l++) {
                stageSource(l, p);
            }
        }

        PendingTick head;
        while ((head = pending[(int)nextToClose & pendingMask]).tick == nextToClose && head.workersDone == workers) {
            publishTick(head);
            if (controlEvents != null) {
                controlEvents.drain(head.tick, controlEventSink);
            }
            publishEvents(head);
            if (alerts != null) {
                alertPublisher.evaluate(head.tick, head.simTimeNs);
            }
            head.reset();
            nextToClose++;
            ticksClosed.lazySet(nextToClose);
        }
    }

    /** The pending tick {@code tick} is staged in, begun by the first of its messages to arrive. */
    private PendingTick pendingFor(final long tick) {
        final PendingTick p = pending[(int)tick & pendingMask];
        if (p.tick != tick) {
            if (p.tick != -1) {
                throw new IllegalStateException("pending-tick window overrun at tick " + tick
                    + " (still waiting for tick " + p.tick + ")");
            }
            p.begin(tick);
        }
        return p;
    }

    private void stage(final int s, final PendingTick p, final long endNs) {
        final long[] f = p.figures;
        final int base = s * FIELDS;
        final TickHistogram h = histograms[s];
        f[base + F_ARRIVALS] = arrivals[s];
        f[base + F_COMPLETED] = completed[s];
        f[base + F_ERRORS] = errors[s];
        f[base + F_REJECTED] = rejected[s];
        f[base + F_QUEUE] = queueDepth[s];
        f[base + F_BUSY] = busy[s];
        f[base + F_SERVERS] = servers[s];
        f[base + F_SUM] = latencySum[s];
        stagePercentiles(h, maxLatency[s], f, base + F_P50);
        f[base + F_BUSY_TIME] = busyTimeNs[s];
        f[base + F_QUEUE_TIME] = queueTimeNs[s];
        f[base + F_TIMEOUTS] = timeouts[s];
        f[base + F_RETRIES] = retries[s];
        if (!replicaGaugeSeen[s]) {
            replicas[s] = baseReplicas[s];
            readyReplicas[s] = baseReplicas[s];
            replicaTimeNs[s] = baseReplicas[s] * tickLengthNs;
            readyTimeNs[s] = replicaTimeNs[s];
        }
        replicaGaugeSeen[s] = false;
        f[base + F_REPLICAS] = replicas[s];
        f[base + F_READY] = readyReplicas[s];
        f[base + F_REPLICA_TIME] = replicaTimeNs[s];
        f[base + F_READY_TIME] = readyTimeNs[s];
        f[base + F_RATE_LIMITED] = rateLimited[s];
        f[base + F_BULKHEAD_REFUSED] = bulkheadRefused[s];
        f[base + F_BREAKER_REFUSED] = breakerRefused[s];
        rateLimited[s] = 0;
        bulkheadRefused[s] = 0;
        breakerRefused[s] = 0;
        replicaNsSoFar[s] += replicaTimeNs[s];
        requestsSoFar[s] += arrivals[s];
        double costSoFar = replicaCostNanosPerNs[s] * endNs
            + perReplicaCostNanosPerNs[s] * (double)(replicaNsSoFar[s] - baseReplicas[s] * endNs)
            + requestsSoFar[s] * requestCostNanos[s];
        final DatabaseSpec db = storage[s];
        if (db != null) {
            final long queries = completed[s] - errors[s];
            queriesSoFar[s] += queries;
            queryEndSum[s] += (double)queries * endNs;
            final double growth = db.growthBytesPerNs();
            f[base + F_STORAGE] = db.sizeBytes() + db.writeBytes() * queriesSoFar[s] + Math.round(growth * endNs);
            // The integral of storage over [0, endNs]: the initial size, linear growth, and each tick's writes
            // counted from the end of their tick (ticks are the resolution of the journal).
            final double byteNs = (double)db.sizeBytes() * endNs + growth * endNs * (double)endNs / 2
                + db.writeBytes() * ((double)queriesSoFar[s] * endNs - queryEndSum[s]);
            costSoFar += byteNs * db.costNanosPerByteNs();
        } else {
            f[base + F_STORAGE] = 0;
        }
        final long costRounded = Math.round(costSoFar);
        f[base + F_COST] = costRounded - costEmitted[s];
        costEmitted[s] = costRounded;

        p.histogramOffset[s] = p.histogramLimit;
        p.histogramLength[s] = stageHistogram(h, p);
        if (closedTicks != null && closedTicks.tracks(s)) {
            // Until replicas are entities of the kernel, a service's servers are all ready replicas' servers.
            final int perReplica = concurrency[s];
            final int replicas = servers[s] / Math.max(1, perReplica);
            closedTicks.record(s, p.tick, arrivals[s], completed[s], errors[s], busyTimeNs[s], queueTimeNs[s],
                (long)servers[s] * tickLengthNs, perReplica, replicas, replicas, maxLatency[s], h);
        }
        if (alerts != null && alerts.tracks(s)) {
            alerts.record(s, p.tick, completed[s], errors[s], busyTimeNs[s], (long)servers[s] * tickLengthNs,
                replicas[s], readyReplicas[s], f[base + F_RATE_LIMITED], f[base + F_BULKHEAD_REFUSED],
                f[base + F_BREAKER_REFUSED], f[base + F_P50], f[base + F_P90], f[base + F_P99], f[base + F_P999],
                f[base + F_MAX], h);
        }
        h.reset();
        completed[s] = 0;
        errors[s] = 0;
        timeouts[s] = 0;
        retries[s] = 0;
        rejected[s] = 0;
        latencySum[s] = 0;
        maxLatency[s] = 0;
    }

    private void stageSource(final int l, final PendingTick p) {
        final long[] f = p.entryFigures;
        final int base = l * E_FIELDS;
        final TickHistogram h = sourceHistograms[l];
        f[base + E_COMPLETED] = sourceCompleted[l];
        f[base + E_ERRORS] = sourceErrors[l];
        f[base + E_TIMEOUTS] = sourceTimeouts[l];
        f[base + E_REJECTED] = sourceRejected[l];
        f[base + E_SUM] = sourceLatencySum[l];
        stagePercentiles(h, sourceMaxLatency[l], f, base + E_P50);
        p.entryHistogramOffset[l] = p.histogramLimit;
        p.entryHistogramLength[l] = stageHistogram(h, p);
        h.reset();
        sourceCompleted[l] = 0;
        sourceErrors[l] = 0;
        sourceTimeouts[l] = 0;
        sourceRejected[l] = 0;
        sourceLatencySum[l] = 0;
        sourceMaxLatency[l] = 0;
    }

    /**
     * p50, p90, p99, p99.9 and max into {@code f[at .. at + 4]}. Percentiles are the top of their bucket (3
     * significant digits), so capped at the exact maximum: a p99 above the max would be true to HdrHistogram and
     * absurd to a reader.
     */
    private static void stagePercentiles(final TickHistogram h, final long max, final long[] f, final int at) {
        f[at] = Math.min(h.valueAtPercentile(50.0), max);
        f[at + 1] = Math.min(h.valueAtPercentile(90.0), max);
        f[at + 2] = Math.min(h.valueAtPercentile(99.0), max);
        f[at + 3] = Math.min(h.valueAtPercentile(99.9), max);
        f[at + 4] = max;
    }

    /** Append {@code h}'s encoding to the pending tick's histogram bytes, at its limit; returns the length. */
    private int stageHistogram(final TickHistogram h, final PendingTick p) {
        final int length = histogramEncoder.encode(h);
        p.histograms.putBytes(p.histogramLimit, histogramEncoder.buffer(), 0, length);
        p.histogramLimit += length;
        return length;
    }

    private void publishTick(final PendingTick p) {
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        final TickSummaryEncoder e = summaryEncoder.wrapAndApplyHeader(slot.buffer, 0, headerEncoder)
            .simulationId(simulationId)
            .tick(p.tick)
            .simTimeNs(p.simTimeNs)
            .tickLengthNs(tickLengthNs)
            .wallTimeNs(clock.nanoTime());
        final TickSummaryEncoder.ServicesEncoder group = e.servicesCount(serviceCount);
        final long[] f = p.figures;
        for (int s = 0; s < serviceCount; s++) {
            final int base = s * FIELDS;
            final long done = f[base + F_COMPLETED];
            group.next()
                .serviceId(s)
                .servers((int)f[base + F_SERVERS])
                .queueDepth((int)f[base + F_QUEUE])
                .busyServers((int)f[base + F_BUSY])
                .arrivals(f[base + F_ARRIVALS])
                .completed(done)
                .errors(f[base + F_ERRORS])
                .rejected(f[base + F_REJECTED])
                .latencySumNs(f[base + F_SUM])
                .meanNs(done > 0 ? f[base + F_SUM] / done : 0)
                .p50Ns(f[base + F_P50])
                .p90Ns(f[base + F_P90])
                .p99Ns(f[base + F_P99])
                .p999Ns(f[base + F_P999])
                .maxNs(f[base + F_MAX])
                .busyTimeNs(f[base + F_BUSY_TIME])
                .queueTimeNs(f[base + F_QUEUE_TIME])
                .costNanos(f[base + F_COST])
                .timeouts(f[base + F_TIMEOUTS])
                .retries(f[base + F_RETRIES])
                .storageBytes(f[base + F_STORAGE])
                .replicas((int)f[base + F_REPLICAS])
                .readyReplicas((int)f[base + F_READY])
                .replicaTimeNs(f[base + F_REPLICA_TIME])
                .readyTimeNs(f[base + F_READY_TIME])
                .rateLimited(f[base + F_RATE_LIMITED])
                .bulkheadRefused(f[base + F_BULKHEAD_REFUSED])
                .breakerRefused(f[base + F_BREAKER_REFUSED])
                // An observed run's values (schema v4): none in a simulation, written so that no stale bytes are.
                .value(Double.NaN)
                .valueMin(Double.NaN)
                .valueMax(Double.NaN)
                .valueSum(0)
                .late(0)
                .putHistogram(p.histograms, p.histogramOffset[s], p.histogramLength[s]);
        }
        final TickSummaryEncoder.EntriesEncoder entries = e.entriesCount(sourceCount);
        final long[] ef = p.entryFigures;
        for (int l = 0; l < sourceCount; l++) {
            final int base = l * E_FIELDS;
            entries.next()
                .sourceId(l)
                .completed(ef[base + E_COMPLETED])
                .errors(ef[base + E_ERRORS])
                .rejected(ef[base + E_REJECTED])
                .latencySumNs(ef[base + E_SUM])
                .p50Ns(ef[base + E_P50])
                .p90Ns(ef[base + E_P90])
                .p99Ns(ef[base + E_P99])
                .p999Ns(ef[base + E_P999])
                .maxNs(ef[base + E_MAX])
                .timeouts(ef[base + E_TIMEOUTS])
                .putHistogram(p.histograms, p.entryHistogramOffset[l], p.entryHistogramLength[l]);
        }
        slot.kind = OutputSlot.TICK;
        slot.tick = p.tick;
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        output.publish(seq);
    }

    /** One control event of the tick just published, copied into an output slot of its own. */
    private void publishEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        slot.buffer.putBytes(0, buffer, offset, length);
        slot.kind = OutputSlot.EVENT;
        slot.tick = tick;
        slot.length = length;
        output.publish(seq);
    }

    /** The tick's replica and breaker events, after its TickSummary, in their fixed order. */
    private void publishEvents(final PendingTick p) {
        final int n = p.eventCount;
        if (n == 0) {
            return;
        }
        final int[] order = p.sortEvents();
        for (int i = 0; i < n; i++) {
            final int e = order[i];
            final long seq = Rings.claim(output, failed);
            final OutputSlot slot = output.get(seq);
            slot.kind = OutputSlot.EVENT;
            slot.tick = p.tick;
            if (p.eventKind[e] == BREAKER_EVENT) {
                final int states = p.eventStates[e];
                breakerEncoder.wrapAndApplyHeader(slot.buffer, 0, headerEncoder)
                    .simulationId(simulationId)
                    .tick(p.tick)
                    .simTimeNs(p.eventTimeNs[e])
                    .serviceId(p.eventService[e])
                    .call(p.eventReplica[e])
                    .callee(p.eventDetail[e])
                    .fromState(BreakerState.get((short)(states >> 8)))
                    .toState(BreakerState.get((short)(states & 0xFF)))
                    .failureRate(p.eventFailureRate[e])
                    .slowCallRate(p.eventSlowCallRate[e]);
                slot.length = MessageHeaderEncoder.ENCODED_LENGTH + BreakerEventEncoder.BLOCK_LENGTH;
                output.publish(seq);
                continue;
            }
            eventEncoder.wrapAndApplyHeader(slot.buffer, 0, headerEncoder)
                .simulationId(simulationId)
                .tick(p.tick)
                .simTimeNs(p.eventTimeNs[e])
                .serviceId(p.eventService[e])
                .replica(p.eventReplica[e])
                .kind(ReplicaEventKind.get((short)p.eventKind[e]))
                .detail(p.eventDetail[e]);
            slot.length = MessageHeaderEncoder.ENCODED_LENGTH + ReplicaEventEncoder.BLOCK_LENGTH;
            output.publish(seq);
        }
    }

    private void publishEnd() {
        final long seq = Rings.claim(output, failed);
        final OutputSlot slot = output.get(seq);
        slot.kind = OutputSlot.END;
        slot.tick = nextToClose - 1;
        slot.length = 0;
        output.publish(seq);
        onEnd.run();
    }


    @Override
    public void onShutdown() {
        histogramEncoder.close();
    }

    /** A tick being assembled from its workers' parts. */
    private static final class PendingTick {
        final long[] figures;
        final int[] histogramOffset;
        final int[] histogramLength;
        final long[] entryFigures;
        final int[] entryHistogramOffset;
        final int[] entryHistogramLength;
        final ExpandableArrayBuffer histograms = new ExpandableArrayBuffer(1024);
        long tick = -1;
        long simTimeNs;
        int workersDone;
        int histogramLimit;
        // The tick's replica events, as they arrived; sortEvents() orders them.
        int eventCount;
        long[] eventTimeNs = new long[16];
        int[] eventService = new int[16];
        int[] eventKind = new int[16];
        int[] eventReplica = new int[16];
        int[] eventDetail = new int[16];
        // Breaker events only: (from << 8) | to, and the rates.
        int[] eventStates = new int[16];
        int[] eventFailureRate = new int[16];
        int[] eventSlowCallRate = new int[16];
        int[] order = new int[16];
        int[] scratch = new int[16];

        PendingTick(final int services, final int sources) {
            figures = new long[services * FIELDS];
            histogramOffset = new int[services];
            histogramLength = new int[services];
            entryFigures = new long[sources * E_FIELDS];
            entryHistogramOffset = new int[sources];
            entryHistogramLength = new int[sources];
        }

        void begin(final long tick) {
            this.tick = tick;
            workersDone = 0;
            histogramLimit = 0;
            eventCount = 0;
        }

        void reset() {
            tick = -1;
            workersDone = 0;
            histogramLimit = 0;
            eventCount = 0;
        }

        void addEvent(final long timeNs, final int service, final int kind, final int replica, final int detail) {
            if (eventCount == eventTimeNs.length) {
                final int capacity = eventCount << 1;
                eventTimeNs = Arrays.copyOf(eventTimeNs, capacity);
                eventService = Arrays.copyOf(eventService, capacity);
                eventKind = Arrays.copyOf(eventKind, capacity);
                eventReplica = Arrays.copyOf(eventReplica, capacity);
                eventDetail = Arrays.copyOf(eventDetail, capacity);
                eventStates = Arrays.copyOf(eventStates, capacity);
                eventFailureRate = Arrays.copyOf(eventFailureRate, capacity);
                eventSlowCallRate = Arrays.copyOf(eventSlowCallRate, capacity);
                order = new int[capacity];
                scratch = new int[capacity];
            }
            eventTimeNs[eventCount] = timeNs;
            eventService[eventCount] = service;
            eventKind[eventCount] = kind;
            eventReplica[eventCount] = replica;
            eventDetail[eventCount] = detail;
            eventCount++;
        }

        /** The breaker states and rates of the event just added. */
        void setBreakerDetail(final short from, final short to, final int failureRate, final int slowCallRate) {
            final int e = eventCount - 1;
            eventStates[e] = (from << 8) | to;
            eventFailureRate[e] = failureRate;
            eventSlowCallRate[e] = slowCallRate;
        }

        /**
         * @return the events' indexes by (simTimeNs, serviceId, kind, replica): a bottom-up merge sort into
         *         preallocated arrays (several workers report a tick's events in any interleaving).
         */
        int[] sortEvents() {
            final int n = eventCount;
            int[] from = order;
            int[] to = scratch;
            for (int i = 0; i < n; i++) {
                from[i] = i;
            }
            for (int width = 1; width < n; width <<= 1) {
                for (int lo = 0; lo < n; lo += width << 1) {
                    final int mid = Math.min(lo + width, n);
                    final int hi = Math.min(lo + (width << 1), n);
                    int a = lo;
                    int b = mid;
                    for (int k = lo; k < hi; k++) {
                        to[k] = a < mid && (b >= hi || !before(from[b], from[a])) ? from[a++] : from[b++];
                    }
                }
                final int[] t = from;
                from = to;
                to = t;
            }
            return from;
        }

        private boolean before(final int x, final int y) {
            if (eventTimeNs[x] != eventTimeNs[y]) {
                return eventTimeNs[x] < eventTimeNs[y];
            }
            if (eventService[x] != eventService[y]) {
                return eventService[x] < eventService[y];
            }
            if (eventKind[x] != eventKind[y]) {
                return eventKind[x] < eventKind[y];
            }
            return eventReplica[x] < eventReplica[y];
        }
    }
}
