package io.tickwire.engine;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.codec.Schema;
import io.tickwire.engine.control.AlertEvaluator;
import io.tickwire.engine.control.ClosedTickWindow;
import io.tickwire.engine.control.ControlEvents;
import io.tickwire.engine.control.ControlPlane;
import io.tickwire.engine.control.LiveEdits;
import io.tickwire.engine.control.PreparedEdit;
import io.tickwire.engine.diagram.DatabaseSpec;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.LoadSpec;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.engine.ring.MetricSlot;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.engine.ring.PipelineFailedException;
import io.tickwire.engine.ring.Rings;
import io.tickwire.engine.ring.TickCommand;
import io.tickwire.engine.sim.KernelActionSource;
import io.tickwire.engine.sim.Kernels;
import io.tickwire.engine.sim.LatencyTable;
import io.tickwire.engine.sim.Partitioner;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.EditKind;
import io.tickwire.sbe.MessageHeaderEncoder;
import org.agrona.BitUtil;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * One running system: the one place where its rings are wired. Which listeners a run gets (journal, feed, metrics)
 * is decided in one place too, outside the engine (which knows nothing of Chronicle or Netty): transport's
 * {@code RunLauncher} builds every run of the CLI, REST and bench as this class plus its listeners.
 * <pre>
 *                 (1) command ring               (2) metrics ring              (3) output ring
 *  Orchestrator ──TickCommand──►┬─► Worker 0 ──┐                                ┌─► listener 0 (e.g. journal)
 *  (tick clock,   one producer  ├─► Worker 1 ──┼─MetricSample/ServiceGauge/──►  │   own thread
 *   own thread)   multicast     └─► Worker N ──┘ EndToEndSample/     Aggregator ─TickSummary─►├─► listener 1 (e.g. feed)
 *                                 own threads, │  WorkerTickEnd (SBE) one thread  (SBE), one   └─► …
 *                                 optionally   │  N producers                     producer, multicast
 *                                 pinned       │
 *        ▲  │ (5) control plane: before tick T, the tick's actions    ┌── control events (decisions of tick T,
 *        │  └──► in TickCommand T (applied at T's start) ──────────┘   one-to-one ring) ──► Aggregator, after
 *        └── closed ticks ≤ T-1 (ClosedTickWindow, read only once the aggregator says T-1 closed) ◄─┘ TickSummary T
 *                     (4) partitions: Worker w runs partitions P(w) ⊂ {0..P-1}, fixed by the diagram
 *                           ┌──────────── window k (≤ smallest delay of a cut call) ────────────┐
 *                           │ deliver mailboxes[*→p][(k-1)&1] → advance p to window end         │
 *                           │ messages to q ──► mailboxes[p→q][k&1] (SPSC, preallocated)        │
 *                           └────────────── WindowBarrier (all workers; none for one) ──────────┘
 * </pre>
 * <ol>
 *   <li>The orchestrator issues tick {@code t} when its window {@code [t·tick, (t+1)·tick)} of simulated time is due:
 *       on the wall clock at {@code speed 1}, {@code speed} times faster, or at once at {@code speed max}. A full
 *       command ring (workers behind) holds it back. The command carries the tick's
 *       {@link io.tickwire.engine.sim.KernelAction actions} (from {@link Context#actionSource}), which every worker
 *       applies to its partitions at the tick's start, after the first window's deliveries.</li>
 *   <li>Each worker simulates its partitions (see {@link Partitioner}) through the tick window by window: a message
 *       between partitions (a forwarded request, a sync call, its answer) sent in window {@code k} is delivered at
 *       the start of window {@code k + 1} with its exact timestamp, in a fixed order; the workers meet at the
 *       {@link WindowBarrier} after every window, so which worker runs which partition changes nothing. Every
 *       request that leaves a service is encoded as a {@code MetricSample}, every request that leaves the system as
 *       an {@code EndToEndSample}, every change of a replica's state as a {@code WorkerReplicaEvent}; at the tick's
 *       end, a {@code ServiceGauge} and a {@code ReplicaGauge} per service and a {@code WorkerTickEnd}, before the
 *       tick's last barrier.</li>
 *   <li>The aggregator folds samples into per-service HdrHistograms and, when every worker has ended a tick,
 *       encodes one {@code TickSummary} into the output ring, in tick order, then the tick's events (the control
 *       plane's, then the {@code ReplicaEvent}s in a fixed order). Each {@link TickListener} consumes them on its own
 *       thread.</li>
 *   <li>The control plane ({@link ControlPlane}, on the orchestrator's thread) decides, before the orchestrator
 *       issues tick {@code T}, what changes at {@code T}'s start: live edits (queued by {@link #edit}, or the
 *       journaled ones of a re-simulation, {@link Context#journaledEdits}), scheduled and live faults, and the
 *       autoscalers that sync at {@code T}. Its {@link io.tickwire.engine.sim.KernelAction actions} go in tick
 *       {@code T}'s command, which every worker applies before the tick's first window; its events go to the
 *       aggregator, which publishes them after {@code TickSummary T}. An autoscaler reads closed ticks only
 *       ({@code ≤ T - 1}), so before a tick at which one syncs (and only then) the orchestrator waits for the
 *       aggregator to close tick {@code T - 1}: a decision depends on the diagram, the seed and the edits' ticks
 *       alone, never on the speed or the number of workers.</li>
 * </ol>
 * Lifecycle: {@link #create} ({@link Context#conclude() concludes} the context given: a launcher gives a
 * {@link Context#copy() copy}), {@link #addListener} (before start), {@link #start}, then either the tick budget runs
 * out or {@link #stop} is called; the end flows through every stage as a marker so that nothing in flight is lost;
 * {@link #awaitTermination}, {@link #close}.
 * <p>
 * A stop waits for the tick in progress, at most {@link Context#stopGraceMs}: a huge tick is then given up half way
 * (its workers ask every few thousand events), and the run ends at the last tick every worker completed. A run whose
 * pending requests and events would pass {@link Context#maxPendingEvents} ends the same way, as
 * {@link TickListener.EndReason#OVERLOADED}, rather than exhaust the heap.
 */
public final class Simulation implements TickSource {
    private static final Logger LOG = LoggerFactory.getLogger(Simulation.class);

    public enum State {
        NEW, RUNNING, ENDED, FAILED
    }

    /** The rings, for {@link #ringRemainingCapacity(int)}: (1) commands, (2) metrics, (3) output. */
    public static final int COMMAND_RING = 1;
    public static final int METRICS_RING = 2;
    public static final int OUTPUT_RING = 3;

    private final Diagram diagram;
    private final Context ctx;
    private final long seed;
    private final byte[] catalog;
    /** Its state, threads and listeners, and how it fails and closes. */
    private final ThreadPerStageRunner run;
    private final int workerCount;
    private final int[][] servicesOfWorker;
    private final int[][] partitionsOfWorker;
    private final int partitionCount;
    private final int windowsPerTick;
    /** Its partitions' state: let go by {@link #close()}, as are the rings, the aggregator and the workers. */
    private Kernels kernels;
    /** Outlives {@link #close()}: an action source may still hold it. */
    private final LatencyTable latencyTable;
    private final ClosedTickWindow closedTicks;
    private final ControlEvents controlEvents;
    private final ControlPlane control;

    private final AtomicLong ticksIssued = new AtomicLong();
    private volatile long pacingOriginNanos = Long.MIN_VALUE;
    private volatile long stopRequestedNanos;
    /** Sticky: once a tick is being given up, every worker gives up (see {@link #abandoned()}). */
    private volatile boolean abandoned;
    /** Producers waiting on a full ring give up when this says so: the consumers will never catch up. */
    private final BooleanSupplier failed;
    private volatile Thread orchestratorThread;
    // Read by monitors on any thread; let go by close(), which leaves their last figures below.
    private volatile TickAggregator aggregator;
    private volatile SimulationWorker[] workers;
    private volatile long ticksClosedAtClose;
    private volatile long visitsAtClose;
    // Orchestrator thread only: how it waits for the aggregator at a decision (spin, yield, then park up to 50 µs).
    private final BackoffIdleStrategy awaitIdle = new BackoffIdleStrategy(100, 10, 1_000, 50_000);
    // Set by start(), for monitoring (remainingCapacity): read racily by a scraper; let go by close().
    private volatile RingBuffer<TickCommand> commandRing;
    private volatile RingBuffer<MetricSlot> metricsRing;
    private volatile RingBuffer<OutputSlot> outputRing;

    private Simulation(final Diagram diagram, final Context ctx) {
        this.diagram = diagram;
        this.ctx = ctx;
        this.seed = ctx.seed != Diagram.NO_SEED ? ctx.seed : diagram.hasSeed() ? diagram.seed() : System.nanoTime();
        this.run = new ThreadPerStageRunner(LOG, "simulation " + ctx.simulationId, ctx.closeTimeoutMs,
            ctx.threadStartHook, ctx.emitFromTick, () -> ticksIssued.get() - 1);
        this.failed = run.failed();

        kernels = new Kernels(diagram, seed, ctx.maxPendingEvents);
        partitionCount = kernels.count();
        windowsPerTick = kernels.windowsPerTick();
        latencyTable = kernels.latencyTable();
        final List<int[]> partitions = kernels.plan().partitions();
        final List<List<Integer>> assignment = Partitioner.assign(partitions, ctx.workers);
        workerCount = assignment.size();
        if (workerCount < ctx.workers) {
            LOG.info("{} workers requested; the diagram has {} partition(s), so {} run",
                ctx.workers, partitions.size(), workerCount);
        }
        servicesOfWorker = new int[workerCount][];
        partitionsOfWorker = new int[workerCount][];
        for (int w = 0; w < workerCount; w++) {
            final List<Integer> mine = assignment.get(w);
            partitionsOfWorker[w] = mine.stream().mapToInt(Integer::intValue).toArray();
            int[] services = new int[0];
            for (final int p : mine) {
                services = concat(services, partitions.get(p));
            }
            servicesOfWorker[w] = services;
        }
        catalog = encodeCatalog();

        final int[] windowTicks = ControlPlane.windowTicks(diagram);
        closedTicks = new ClosedTickWindow(diagram.services().size(), windowTicks);
        controlEvents = new ControlEvents(ctx.simulationId,
            ControlEvents.capacityFor(diagram.services().size(), diagram.faults().size()), failed);
        control = new ControlPlane(diagram, closedTicks, controlEvents, kernels.latencyTable(),
            new LiveEdits(diagram, windowTicks, ctx.diagramLimits));
        for (final JournaledEdit edit : ctx.journaledEdits) {
            final PreparedEdit prepared;
            try {
                prepared = control.liveEdits().prepare(edit.kind(), edit.body());
                control.liveEdits().accept(prepared);
            } catch (final DiagramException ex) {
                throw new IllegalArgumentException("journaled edit " + edit.editId() + " (tick " + edit.tick()
                    + ") does not apply to this diagram: " + ex.getMessage(), ex);
            }
            if (prepared.editId() != edit.editId()) {
                throw new IllegalArgumentException("journaled edit " + edit.editId() + " comes as edit "
                    + prepared.editId() + ": the journal's edits are not all there, or not in order");
            }
            control.schedule(edit.tick(), prepared);
        }
    }

    private static double[] replicaCostNanosPerNs(final Diagram diagram) {
        return diagram.services().stream().mapToDouble(s -> s.cost().replicaNanos(s.replicas(), 1)).toArray();
    }

    private static int[] concurrency(final Diagram diagram) {
        return diagram.services().stream().mapToInt(ServiceSpec::concurrency).toArray();
    }

    private static int[] baseReplicas(final Diagram diagram) {
        return diagram.services().stream().mapToInt(ServiceSpec::replicas).toArray();
    }

    private static double[] perReplicaCostNanosPerNs(final Diagram diagram) {
        return diagram.services().stream().mapToDouble(s -> s.cost().replicaNanos(1, 1)).toArray();
    }

    private static double[] requestCostNanos(final Diagram diagram) {
        return diagram.services().stream().mapToDouble(s -> s.cost().requestNanos()).toArray();
    }

    private static DatabaseSpec[] storage(final Diagram diagram) {
        return diagram.services().stream().map(ServiceSpec::storage).toArray(DatabaseSpec[]::new);
    }

    private static int[] concat(final int[] a, final int[] b) {
        final int[] result = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }

    /** Build a simulation of {@code diagram}; nothing runs until {@link #start()}. */
    public static Simulation create(final Diagram diagram, final Context ctx) {
        return new Simulation(diagram, ctx.conclude());
    }

    /** Add a consumer of closed ticks; only before {@link #start()}. */
    @Override
    public Simulation addListener(final TickListener listener) {
        run.addListener(listener);
        return this;
    }

    /** Wire the rings and start every thread. */
    public synchronized void start() {
        run.start();

        // (3) output ring: one producer (the aggregator), every listener a consumer on its own thread.
        final RingBuffer<OutputSlot> output = RingBuffer.createSingleProducer(
            OutputSlot::new, ctx.outputRingSize, WaitStrategies.create(ctx.outputWaitStrategy));
        run.addListenerStages(output, "tw-out-");
        outputRing = output;

        // (2) metrics ring: the workers produce (one producer when there is one worker), the aggregator consumes.
        final RingBuffer<MetricSlot> metrics = workerCount == 1 ?
            RingBuffer.createSingleProducer(MetricSlot::new, ctx.metricsRingSize,
                WaitStrategies.create(ctx.metricsWaitStrategy)) :
            RingBuffer.createMultiProducer(MetricSlot::new, ctx.metricsRingSize,
                WaitStrategies.create(ctx.metricsWaitStrategy));
        // Workers run at most a command ring apart (the orchestrator is gated by the slowest), so the aggregator
        // stages at most that many ticks at once; twice as many slots leave a margin.
        aggregator = new TickAggregator(failed, run::producerEnded, ctx.simulationId, diagram.tickLengthNs(),
            diagram.services().size(), servicesOfWorker, diagram.load().size(),
            baseReplicas(diagram), replicaCostNanosPerNs(diagram), perReplicaCostNanosPerNs(diagram),
            requestCostNanos(diagram), storage(diagram), catalog,
            ctx.commandRingSize * 2, output, ctx.epochClock);
        aggregator.control(closedTicks, concurrency(diagram), controlEvents);
        if (!diagram.alerts().isEmpty()) {
            aggregator.alerts(new AlertEvaluator(diagram.alerts(), diagram.services().size(), diagram.tickLengthNs(),
                ctx.commandRingSize * 2));
        }
        final BatchEventProcessor<MetricSlot> aggregatorProcessor = run.addStage(metrics, aggregator);
        metricsRing = metrics;

        // (1) command ring: the orchestrator produces, every worker consumes every command.
        final RingBuffer<TickCommand> commands = RingBuffer.createSingleProducer(
            TickCommand::new, ctx.commandRingSize, WaitStrategies.create(ctx.commandWaitStrategy));
        commandRing = commands;
        workers = new SimulationWorker[workerCount];
        // A worker that gave its tick up never comes to the barrier again: the others stop waiting for it.
        final WindowBarrier barrier = workerCount > 1
            ? new WindowBarrier(workerCount, () -> failed.getAsBoolean() || abandoned()) : null;
        final List<BatchEventProcessor<TickCommand>> workerProcessors = new ArrayList<>();
        for (int w = 0; w < workerCount; w++) {
            workers[w] = new SimulationWorker(w, kernels, partitionsOfWorker[w], barrier, metrics, failed,
                this::abandoned, this::onAbandoned);
            workerProcessors.add(run.addStage(commands, workers[w]));
        }

        // Consumers first, producers last.
        run.startListenerThreads();
        run.startThread("tw-aggregator", aggregatorProcessor, false);
        for (int w = 0; w < workerCount; w++) {
            run.startThread("tw-worker-" + w, workerProcessors.get(w), ctx.pinWorkers);
        }
        orchestratorThread = run.startThread("tw-orchestrator", () -> orchestrate(commands), false);
    }

    /**
     * Ask the run to end after the tick in progress; every tick already issued still closes and is delivered, unless
     * that takes longer than {@link Context#stopGraceMs}: then the tick in progress is given up and the run ends at
     * the last complete one.
     */
    public void stop() {
        if (!run.stopRequested()) {
            stopRequestedNanos = System.nanoTime();
        }
        run.requestStop();
        final Thread t = orchestratorThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * As {@link #stop()}, for {@code reason}: the reason the run's listeners (the journal, the feed) are given, unless
     * the run has ended already. For a listener that cannot go on (its disk is full).
     */
    public void stop(final TickListener.EndReason reason) {
        run.endReasonIfUnset(reason);
        stop();
    }

    /**
     * Whether the tick in progress is to be given up: a stop has waited its grace, or a worker gave up. Asked by the
     * workers between batches of events; sticky once true.
     */
    private boolean abandoned() {
        if (abandoned) {
            return true;
        }
        if (run.stopRequested() && System.nanoTime() - stopRequestedNanos - ctx.stopGraceMs * 1_000_000L >= 0) {
            abandoned = true;
        }
        return abandoned;
    }

    /** A worker gives its tick up, for {@code reason}; on its thread, before it publishes the end of the run. */
    private void onAbandoned(final TickListener.EndReason reason) {
        abandoned = true;
        run.endReasonIfUnset(reason);
        stop();
    }

    /** @return true once every listener has seen the end (or the pipeline failed). */
    public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException {
        return run.awaitTermination(timeout, unit);
    }

    /**
     * Stop, wait for the end to reach every listener (bounded), then stop every thread. A listener whose thread
     * is gone without having seen the end (the pipeline failed) is then given {@code onEnd} on this thread, so
     * that a journal or a feed still records how the run ended. Idempotent.
     */
    @Override
    public void close() {
        // One close at a time (the runner's lock): the caller's and the server's (which lets an ended run go) may
        // meet; the second finds it done.
        stop();
        run.close(this::release);
    }

    /**
     * An ended run keeps what describes it (its diagram, catalog and counters), not its rings, partitions' state,
     * aggregator and threads: a server lists many ended runs, and each of those held megabytes (the metrics ring
     * alone is 64 Ki slots). Its threads are stopped by now.
     */
    private void release() {
        final TickAggregator a = aggregator;
        if (a != null) {
            ticksClosedAtClose = a.ticksClosed();
        }
        visitsAtClose = visits();
        aggregator = null;
        workers = null;
        kernels = null;
        commandRing = null;
        metricsRing = null;
        outputRing = null;
    }

    @Override
    public long id() {
        return ctx.simulationId;
    }

    /** The diagram's name. */
    @Override
    public String name() {
        return diagram.name();
    }

    @Override
    public long tickLengthNs() {
        return diagram.tickLengthNs();
    }

    public Diagram diagram() {
        return diagram;
    }

    /** The seed in use: the context's, else the diagram's, else one drawn at creation. */
    public long seed() {
        return seed;
    }

    public Context context() {
        return ctx;
    }

    /** Workers actually running: at most one per partition. */
    public int workers() {
        return workerCount;
    }

    /** Partitions of the diagram (decided by the diagram alone, whatever the number of workers). */
    public int partitions() {
        return partitionCount;
    }

    /** Windows of conservative synchronisation per tick: 1 when no call crosses partitions. */
    public int windowsPerTick() {
        return windowsPerTick;
    }

    public State state() {
        return run.state();
    }

    /** Ticks the orchestrator has issued so far; every one of them is delivered to every listener. */
    public long ticksIssued() {
        return ticksIssued.get();
    }

    /** Why the run ended, once it has. */
    public TickListener.EndReason endReason() {
        return run.endReason();
    }

    public Throwable failure() {
        return run.failure();
    }

    /** Ticks closed by the aggregator so far. */
    public long ticksClosed() {
        final TickAggregator a = aggregator;
        return a == null ? ticksClosedAtClose : a.ticksClosed();
    }

    /**
     * A live edit of the running simulation: validated now, against the diagram as the edits accepted so far left
     * it, exactly as a diagram is (nothing of a refused edit is kept); applied by the orchestrator at the next tick
     * it issues, which completes the future with that tick. The edit is journaled with its tick (an event), so that
     * a re-simulation applies it again there ({@link Context#journaledEdits}).
     *
     * @param kind {@link EditKind#PATCH}: {@code body} is a JSON merge patch (RFC 7386) on the diagram;
     *             {@link EditKind#FAULT_ADD}: a fault as in {@code faults} ({@code at} optional: now);
     *             {@link EditKind#FAULT_END}: {@code {"id": faultId}}.
     * @return completed with the edit's number, its tick and its fault id; exceptionally if the run ends first.
     * @throws DiagramException      every problem, each {@code path: what} (the field path, or why it cannot
     *                               change while the simulation runs).
     * @throws IllegalStateException if the run is not running, or too many edits wait for the next tick.
     */
    public CompletableFuture<PreparedEdit.Applied> edit(final EditKind kind, final String body)
        throws DiagramException {
        if (run.state() != State.RUNNING || run.stopRequested()) {
            throw new IllegalStateException("simulation " + ctx.simulationId + " is not running");
        }
        final LiveEdits edits = control.liveEdits();
        synchronized (edits) { // edits are numbered, validated and handed over in one order
            final PreparedEdit prepared = edits.prepare(kind, body);
            if (!control.submit(prepared)) {
                throw new IllegalStateException("simulation " + ctx.simulationId + " has " + ControlPlane.EDIT_QUEUE
                    + " edits waiting for the next tick, or has ended");
            }
            edits.accept(prepared);
            return prepared.applied();
        }
    }

    /** The diagram as the live edits accepted so far left it (the run's own until one is). */
    public Diagram currentDiagram() {
        return control.liveEdits().diagram();
    }

    /**
     * The run's distributions that a {@link io.tickwire.engine.sim.KernelAction#SET_LATENCY} action names: add one
     * on the orchestrator's thread (an action source) before the tick whose action names it.
     */
    public LatencyTable latencyTable() {
        return latencyTable;
    }

    /** The simulation's {@code Catalog} message, header included (a copy). */
    public byte[] catalog() {
        return catalog.clone();
    }

    /**
     * The pacing origin: the {@link System#nanoTime()} at which the orchestrator started its clock, so that tick
     * {@code t} is due to close at {@code origin + (t + 1) * tickLengthNs / speed}; {@link Long#MIN_VALUE} until then.
     * For measuring from the intended time (benchmarks) rather than from when a tick happened to close.
     */
    public long pacingOriginNanos() {
        return pacingOriginNanos;
    }

    /**
     * Free slots of ring {@code ring} ({@link #COMMAND_RING}, {@link #METRICS_RING}, {@link #OUTPUT_RING}) now, read
     * from the ring's own sequences (nothing is counted for it); -1 before {@link #start()} and after {@link #close()}
     * (which lets the rings go). For monitoring.
     */
    public long ringRemainingCapacity(final int ring) {
        final RingBuffer<?> r = switch (ring) {
            case COMMAND_RING -> commandRing;
            case METRICS_RING -> metricsRing;
            case OUTPUT_RING -> outputRing;
            default -> throw new IllegalArgumentException("no ring " + ring);
        };
        return r == null ? -1 : r.remainingCapacity();
    }

    /** Simulated service visits so far, over all workers; racy, for progress reports only. */
    public long visits() {
        final SimulationWorker[] w = workers;
        long visits = w == null ? visitsAtClose : 0;
        if (w != null) {
            for (final SimulationWorker worker : w) {
                visits += worker.visits();
            }
        }
        return visits;
    }

    private void orchestrate(final RingBuffer<TickCommand> commands) {
        final KernelActionSource actionSource = ctx.actionSource;
        final long tickLengthNs = diagram.tickLengthNs();
        final double speed = ctx.speed;
        final long emitFrom = ctx.emitFromTick;
        // Resuming (emitFrom > 0): the ticks before emitFrom are re-simulated at once, then pacing starts as if the
        // run had started emitFrom ticks ago.
        long startNanos = System.nanoTime() - (speed == Context.SPEED_MAX ? 0 : (long)(emitFrom * tickLengthNs / speed));
        pacingOriginNanos = startNanos;
        long tick = 0;
        try {
            for (; ctx.ticks < 0 || tick < ctx.ticks; tick++) {
                final long endNs = (tick + 1) * tickLengthNs;
                if (tick == emitFrom && emitFrom > 0 && speed != Context.SPEED_MAX) {
                    startNanos = System.nanoTime() - (long)(emitFrom * tickLengthNs / speed);
                    pacingOriginNanos = startNanos;
                }
                if (speed != Context.SPEED_MAX && tick >= emitFrom) {
                    final long deadline = startNanos + (long)(endNs / speed);
                    long remaining;
                    while (!run.stopRequested() && (remaining = deadline - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(remaining);
                    }
                }
                if (run.stopRequested()) {
                    break;
                }
                if (control.needsClosedTicks(tick) && !awaitClosed(tick)) {
                    break; // stopped while waiting
                }
                final long seq = Rings.claim(commands, failed);
                final TickCommand command = commands.get(seq);
                command.set(TickCommand.TICK, tick, endNs);
                control.actionsFor(tick, command.actions);
                if (actionSource != null) {
                    actionSource.actionsFor(tick, command.actions);
                }
                commands.publish(seq);
                ticksIssued.lazySet(tick + 1);
            }
            run.endReasonIfUnset(
                run.stopRequested() ? TickListener.EndReason.STOPPED : TickListener.EndReason.COMPLETED);
            final long seq = Rings.claim(commands, failed);
            commands.get(seq).set(TickCommand.END, tick, tick * tickLengthNs);
            commands.publish(seq);
        } catch (final PipelineFailedException ex) {
            // Another stage failed and recorded why; nothing more to issue.
        } catch (final Throwable t) {
            run.fail(t);
        } finally {
            control.close("simulation " + ctx.simulationId + " ended before the edit took effect");
        }
    }

    /**
     * Wait until the aggregator has closed every tick before {@code tick}: an autoscaler decides at {@code tick} from
     * them. Only at such ticks, so the pipeline is not serialised every tick.
     *
     * @return false if the run was stopped meanwhile.
     */
    private boolean awaitClosed(final long tick) {
        final BackoffIdleStrategy idle = awaitIdle;
        idle.reset();
        while (aggregator.ticksClosed() < tick) {
            if (failed.getAsBoolean()) {
                throw PipelineFailedException.INSTANCE;
            }
            if (run.stopRequested()) {
                return false;
            }
            idle.idle();
        }
        return true;
    }


    private byte[] encodeCatalog() {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(ctx.simulationId)
            .tickLengthNs(diagram.tickLengthNs())
            .seed(seed)
            .startWallTimeNs(ctx.epochClock.nanoTime())
            .schemaVersion(Schema.VERSION)
            .workers(workerCount);
        final CatalogEncoder.ServicesEncoder services = e.servicesCount(diagram.services().size());
        for (final ServiceSpec s : diagram.services()) {
            services.next().serviceId(s.id()).servers(s.servers()).name(s.name());
        }
        final CatalogEncoder.SourcesEncoder sources = e.sourcesCount(diagram.load().size());
        for (int l = 0; l < diagram.load().size(); l++) {
            final LoadSpec load = diagram.load().get(l);
            sources.next().sourceId(l).targetServiceId(load.target()).name(load.name());
        }
        e.simulationName(diagram.name());
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /**
     * Configuration of a simulation, with defaults; {@link #conclude()} validates it once.
     */
    public static final class Context {
        /** {@link #speed(double)} value for "as fast as possible". */
        public static final double SPEED_MAX = Double.POSITIVE_INFINITY;
        public static final int DEFAULT_COMMAND_RING_SIZE = 16;
        public static final int DEFAULT_METRICS_RING_SIZE = 64 * 1024;
        public static final int DEFAULT_OUTPUT_RING_SIZE = 256;
        public static final long DEFAULT_MAX_PENDING_EVENTS = DiagramLimits.DEFAULT_MAX_PENDING_EVENTS;
        public static final long DEFAULT_STOP_GRACE_MS = 250;

        private double speed = 1.0;
        private long ticks = -1;
        private int workers = 1;
        private long seed = Diagram.NO_SEED;
        private long simulationId = 1;
        private boolean pinWorkers;
        private String commandWaitStrategy = "blocking";
        // Samples are published millions of times a second: a blocking strategy would take a lock on each.
        private String metricsWaitStrategy = "sleeping";
        private String outputWaitStrategy = "blocking";
        private int commandRingSize = DEFAULT_COMMAND_RING_SIZE;
        private int metricsRingSize = DEFAULT_METRICS_RING_SIZE;
        private int outputRingSize = DEFAULT_OUTPUT_RING_SIZE;
        private long closeTimeoutMs = 10_000;
        private long maxPendingEvents = DEFAULT_MAX_PENDING_EVENTS;
        private DiagramLimits diagramLimits = DiagramLimits.DEFAULT;
        private long stopGraceMs = DEFAULT_STOP_GRACE_MS;
        private EpochNanoClock epochClock;
        private KernelActionSource actionSource;
        private List<JournaledEdit> journaledEdits = List.of();
        private ThreadStartHook threadStartHook = ThreadStartHook.NONE;
        private long emitFromTick;

        /**
         * Deliver ticks from {@code tick} on: the ticks before it are simulated (the kernel is deterministic, so the
         * state at {@code tick} is the same as in the run being resumed) as fast as possible and not delivered to the
         * listeners; pacing starts at {@code tick}. For {@code run --resume}. Default 0: every tick.
         */
        public Context emitFromTick(final long tick) {
            this.emitFromTick = tick;
            return this;
        }

        public long emitFromTick() {
            return emitFromTick;
        }

        /** Run on each of the run's threads as it starts, with its name (a CPU layout's pinning). Default none. */
        public Context threadStartHook(final ThreadStartHook hook) {
            this.threadStartHook = java.util.Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Simulated seconds per wall-clock second; {@link #SPEED_MAX} for as fast as possible. Default 1. */
        public Context speed(final double speed) {
            this.speed = speed;
            return this;
        }

        /** Ticks to run, or -1 (default) to run until stopped. */
        public Context ticks(final long ticks) {
            this.ticks = ticks;
            return this;
        }

        /** Worker threads; at most one per partition of the diagram is used. Default 1. */
        public Context workers(final int workers) {
            this.workers = workers;
            return this;
        }

        /** Seed of every random stream; default the diagram's, else one drawn at creation. */
        public Context seed(final long seed) {
            this.seed = seed;
            return this;
        }

        public Context simulationId(final long simulationId) {
            this.simulationId = simulationId;
            return this;
        }

        /** Pin each worker thread to a CPU of its own (affinity library). Default false. */
        public Context pinWorkers(final boolean pin) {
            this.pinWorkers = pin;
            return this;
        }

        /** Set the wait strategy of all three rings (see {@link WaitStrategies}). */
        public Context waitStrategy(final String name) {
            commandWaitStrategy = name;
            metricsWaitStrategy = name;
            outputWaitStrategy = name;
            return this;
        }

        public Context commandWaitStrategy(final String name) {
            commandWaitStrategy = name;
            return this;
        }

        public Context metricsWaitStrategy(final String name) {
            metricsWaitStrategy = name;
            return this;
        }

        public Context outputWaitStrategy(final String name) {
            outputWaitStrategy = name;
            return this;
        }

        /** Ticks the orchestrator may run ahead of the slowest worker; a power of two. Default 16. */
        public Context commandRingSize(final int size) {
            this.commandRingSize = size;
            return this;
        }

        /** Metric messages in flight between workers and the aggregator; a power of two. Default 65536. */
        public Context metricsRingSize(final int size) {
            this.metricsRingSize = size;
            return this;
        }

        /** Closed ticks a slow listener may lag by before it holds the aggregator back. Default 256. */
        public Context outputRingSize(final int size) {
            this.outputRingSize = size;
            return this;
        }

        public Context closeTimeoutMs(final long closeTimeoutMs) {
            this.closeTimeoutMs = closeTimeoutMs;
            return this;
        }

        /**
         * The most requests in flight, sync calls outstanding and events scheduled the run may hold at once, over all
         * its partitions (about 100 bytes each, at most): a run that would pass it (an overloaded system with an
         * unbounded queue) ends as {@link TickListener.EndReason#OVERLOADED} instead of exhausting the heap. Default
         * {@value #DEFAULT_MAX_PENDING_EVENTS}, the budget diagrams are checked against
         * ({@link DiagramLimits#maxPendingEvents()}).
         */
        public Context maxPendingEvents(final long maxPendingEvents) {
            this.maxPendingEvents = maxPendingEvents;
            return this;
        }

        /**
         * How long a stop waits for the tick in progress before giving it up (workers check every few thousand
         * events). Default {@value #DEFAULT_STOP_GRACE_MS} ms.
         */
        public Context stopGraceMs(final long stopGraceMs) {
            this.stopGraceMs = stopGraceMs;
            return this;
        }

        public long maxPendingEvents() {
            return maxPendingEvents;
        }

        /**
         * The limits a live edit's diagram must stay within (visits per second, pending events): those the run was
         * launched under, so that an edit cannot take a run where its launch could not. Default
         * {@link DiagramLimits#DEFAULT}.
         */
        public Context diagramLimits(final DiagramLimits limits) {
            this.diagramLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public DiagramLimits diagramLimits() {
            return diagramLimits;
        }

        /** Clock for wall-time stamps (epoch ns); default an allocation-free offset clock. */
        public Context epochClock(final EpochNanoClock clock) {
            this.epochClock = clock;
            return this;
        }

        /**
         * Where the orchestrator takes each tick's {@link io.tickwire.engine.sim.KernelAction actions} from, on its
         * own thread before it issues the tick; default none.
         */
        public Context actionSource(final KernelActionSource source) {
            this.actionSource = source;
            return this;
        }

        /**
         * The live edits of the run being re-simulated, as journaled, in order: applied at their ticks, so that the
         * re-simulation is that run (verify). Default none.
         */
        public Context journaledEdits(final List<JournaledEdit> edits) {
            this.journaledEdits = List.copyOf(edits);
            return this;
        }

        public List<JournaledEdit> journaledEdits() {
            return journaledEdits;
        }

        /**
         * A copy with every setting of this one: for a launcher that sets what it owns (the id) on its copy, and
         * leaves the caller's context as given.
         */
        public Context copy() {
            final Context c = new Context();
            c.speed = speed;
            c.ticks = ticks;
            c.workers = workers;
            c.seed = seed;
            c.simulationId = simulationId;
            c.pinWorkers = pinWorkers;
            c.commandWaitStrategy = commandWaitStrategy;
            c.metricsWaitStrategy = metricsWaitStrategy;
            c.outputWaitStrategy = outputWaitStrategy;
            c.commandRingSize = commandRingSize;
            c.metricsRingSize = metricsRingSize;
            c.outputRingSize = outputRingSize;
            c.closeTimeoutMs = closeTimeoutMs;
            c.maxPendingEvents = maxPendingEvents;
            c.diagramLimits = diagramLimits;
            c.stopGraceMs = stopGraceMs;
            c.epochClock = epochClock;
            c.actionSource = actionSource;
            c.journaledEdits = journaledEdits;
            c.threadStartHook = threadStartHook;
            c.emitFromTick = emitFromTick;
            return c;
        }

        public double speed() {
            return speed;
        }

        public long ticks() {
            return ticks;
        }

        public int workers() {
            return workers;
        }

        public long seed() {
            return seed;
        }

        public long simulationId() {
            return simulationId;
        }

        Context conclude() {
            if (!(speed > 0)) {
                throw new IllegalArgumentException("speed must be > 0 (or max), got " + speed);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            }
            if (maxPendingEvents < 1 || stopGraceMs < 0) {
                throw new IllegalArgumentException("maxPendingEvents must be >= 1 and stopGraceMs >= 0, got "
                    + maxPendingEvents + " and " + stopGraceMs);
            }
            if (ticks < -1) {
                throw new IllegalArgumentException("ticks must be >= 0, or -1 for unbounded; got " + ticks);
            }
            if (emitFromTick < 0) {
                throw new IllegalArgumentException("emitFromTick must be >= 0, got " + emitFromTick);
            }
            for (final int size : new int[] {commandRingSize, metricsRingSize, outputRingSize}) {
                if (!BitUtil.isPowerOfTwo(size)) {
                    throw new IllegalArgumentException("ring sizes must be powers of two, got " + size);
                }
            }
            WaitStrategies.create(commandWaitStrategy);
            WaitStrategies.create(metricsWaitStrategy);
            WaitStrategies.create(outputWaitStrategy);
            if (epochClock == null) {
                epochClock = new OffsetEpochNanoClock();
            }
            return this;
        }
    }

    /**
     * A live edit as journaled ({@code LiveEditApplied}): re-applied at its tick by a re-simulation.
     *
     * @param tick   the tick it took effect at.
     * @param editId its number, 1, 2, ... in order.
     * @param kind   a patch, a fault added, a fault ended.
     * @param body   its JSON, as journaled.
     */
    public record JournaledEdit(long tick, int editId, EditKind kind, String body) {
    }
}
