package io.tickwire.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.engine.ring.MetricSlot;
import io.tickwire.engine.ring.PipelineFailedException;
import io.tickwire.engine.ring.Rings;
import io.tickwire.engine.ring.TickCommand;
import io.tickwire.engine.sim.Kernels;
import io.tickwire.engine.sim.PartitionKernel;
import io.tickwire.engine.sim.SampleSink;
import io.tickwire.sbe.BreakerState;
import io.tickwire.sbe.EndToEndSampleEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricSampleEncoder;
import io.tickwire.sbe.Outcome;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.ReplicaGaugeEncoder;
import io.tickwire.sbe.ResilienceGaugeEncoder;
import io.tickwire.sbe.ServiceGaugeEncoder;
import io.tickwire.sbe.WorkerBreakerEventEncoder;
import io.tickwire.sbe.WorkerReplicaEventEncoder;
import io.tickwire.sbe.WorkerTickEndEncoder;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A worker: consumes tick commands and simulates its partitions for each tick, window by window, encoding every
 * sample, gauge and replica event as an SBE message straight into a claimed slot of the metrics ring, then a
 * {@code WorkerTickEnd} marker. A tick command's {@link io.tickwire.engine.sim.KernelAction actions} are applied to
 * each partition at the tick's start. With several workers, each window ends at the {@link WindowBarrier}, so that
 * the messages partitions sent each other during it are delivered, in a fixed order, at the start of the next. A
 * tick's gauges and its {@code WorkerTickEnd} are published before the tick's last barrier: every message of tick {@code t}, from every
 * worker, then precedes every message of tick {@code t + 1} on the metrics ring (end-to-end samples of one entry point
 * may come from any worker).
 * <p>
 * A tick is given up half way when the run is abandoned (a stop that cannot wait for a huge tick, or a partition
 * over the run's bound on pending state): every kernel asks every {@value PartitionKernel#STOP_CHECK_EVENTS} events,
 * a worker at a barrier stops waiting for one that has given up, and each worker then ends the run at once — its
 * {@code WorkerTickEnd} for the run instead of the tick's, and nothing for the ticks issued after — so the aggregator
 * closes the run at the last tick every worker completed.
 * <p>
 * Runs on <b>its own thread</b> as a Disruptor event processor of the command ring; the encoders are fields, wrapped
 * per message, so the steady state allocates nothing.
 */
final class SimulationWorker implements EventHandler<TickCommand>, SampleSink {
    /** Tick number a {@code WorkerTickEnd} carries to say the run is over. */
    static final long END_OF_RUN = -1;

    private final int workerId;
    private final Kernels all;
    private final PartitionKernel[] kernels;
    private final WindowBarrier barrier;
    private long barriersPassed;
    private final RingBuffer<MetricSlot> metrics;
    private final BooleanSupplier failed;
    private final BooleanSupplier abandon;
    private final Consumer<TickListener.EndReason> onAbandoned;
    private boolean ended;
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final MetricSampleEncoder sample = new MetricSampleEncoder();
    private final ServiceGaugeEncoder gauge = new ServiceGaugeEncoder();
    private final EndToEndSampleEncoder endToEnd = new EndToEndSampleEncoder();
    private final WorkerTickEndEncoder tickEnd = new WorkerTickEndEncoder();
    private final ReplicaGaugeEncoder replicaGauge = new ReplicaGaugeEncoder();
    private final WorkerReplicaEventEncoder replicaEvent = new WorkerReplicaEventEncoder();
    private final WorkerBreakerEventEncoder breakerEvent = new WorkerBreakerEventEncoder();
    private final ResilienceGaugeEncoder resilienceGauge = new ResilienceGaugeEncoder();

    /**
     * @param partitions the partitions of {@code all} this worker runs, in ascending order.
     * @param barrier    shared by all workers; null when this is the only one. It must give up waiting once
     *                   {@code abandon} says so.
     * @param abandon    whether the run is abandoned: asked between batches of events.
     * @param onAbandoned told why, before this worker ends the run half way through a tick: STOPPED, or OVERLOADED
     *                   when one of its partitions passed the run's bound on pending state.
     */
    SimulationWorker(final int workerId, final Kernels all, final int[] partitions, final WindowBarrier barrier,
                     final RingBuffer<MetricSlot> metrics, final BooleanSupplier failed, final BooleanSupplier abandon,
                     final Consumer<TickListener.EndReason> onAbandoned) {
        this.workerId = workerId;
        this.all = all;
        this.kernels = new PartitionKernel[partitions.length];
        for (int i = 0; i < partitions.length; i++) {
            kernels[i] = all.kernel(partitions[i]);
        }
        this.barrier = barrier;
        this.metrics = metrics;
        this.failed = failed;
        this.abandon = abandon;
        this.onAbandoned = onAbandoned;
    }

    @Override
    public void onEvent(final TickCommand command, final long sequence, final boolean endOfBatch) {
        if (ended) {
            return; // the run was abandoned: the ticks issued after are dropped
        }
        if (command.kind == TickCommand.END) {
            endRun(command.endNs);
            return;
        }
        final long tick = command.tick;
        if (simulate(command)) {
            for (final PartitionKernel kernel : kernels) {
                kernel.endTick(tick, command.endNs, this);
            }
            publishTickEnd(tick, command.endNs);
            if (passLastBarrier()) {
                return;
            }
        }
        TickListener.EndReason reason = TickListener.EndReason.STOPPED;
        for (final PartitionKernel kernel : kernels) {
            if (kernel.overloaded()) {
                reason = TickListener.EndReason.OVERLOADED;
            }
        }
        onAbandoned.accept(reason); // before the end is published: it is the reason the listeners see
        endRun(command.endNs);
    }

    /** The tick's last barrier; false if another worker gave the tick up (the run is abandoned). */
    private boolean passLastBarrier() {
        try {
            passBarrier();
            return true;
        } catch (final PipelineFailedException ex) {
            if (!abandon.getAsBoolean()) {
                throw ex;
            }
            return false;
        }
    }

    /** Run tick {@code tick}'s windows; false if the tick was given up (the run is abandoned). */
    private boolean simulate(final TickCommand command) {
        final long tick = command.tick;
        try {
            final int windows = all.windowsPerTick();
            for (int k = 0; k < windows; k++) {
                final long window = all.window(tick, k);
                final long start = all.windowStartNs(tick, k);
                final long end = all.windowEndNs(tick, k);
                for (final PartitionKernel kernel : kernels) {
                    kernel.deliver(window, start);
                    if (k == 0 && command.actions.count() > 0) {
                        // The control plane's changes, at the tick's start (after the first window's deliveries, so
                        // that what they send goes out in this window's mailboxes).
                        kernel.apply(command.actions, tick, start, this);
                    }
                    if (!kernel.advance(tick, end, this, abandon)) {
                        return false;
                    }
                }
                if (k < windows - 1) {
                    passBarrier();
                }
            }
            return true;
        } catch (final PipelineFailedException ex) {
            if (!abandon.getAsBoolean()) {
                throw ex; // the pipeline failed
            }
            return false; // another worker gave the tick up, and the barrier stopped waiting for it
        }
    }

    private void endRun(final long endNs) {
        ended = true;
        publishTickEnd(END_OF_RUN, endNs);
    }

    private void passBarrier() {
        if (barrier != null) {
            barrier.await(barriersPassed++);
        }
    }

    /** Window barriers this worker has passed; racy, for reports only. */
    long barriersPassed() {
        return barriersPassed;
    }

    @Override
    public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                       final Outcome outcome) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        sample.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .latencyNs(latencyNs)
            .serviceId(serviceId)
            .outcome(outcome);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + MetricSampleEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    @Override
    public void endToEnd(final int sourceId, final long tick, final long simTimeNs, final long latencyNs,
                         final Outcome outcome) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        endToEnd.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .latencyNs(latencyNs)
            .sourceId(sourceId)
            .outcome(outcome);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + EndToEndSampleEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    @Override
    public void gauge(final int serviceId, final long tick, final long arrivals, final int queueDepth,
                      final int busyServers, final int servers, final long busyTimeNs, final long queueTimeNs,
                      final int retries) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        gauge.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .arrivals(arrivals)
            .queueDepth(queueDepth)
            .busyServers(busyServers)
            .servers(servers)
            .serviceId(serviceId)
            .busyTimeNs(busyTimeNs)
            .queueTimeNs(queueTimeNs)
            .retries(retries);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + ServiceGaugeEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    @Override
    public void resilienceGauge(final int serviceId, final long tick, final int rateLimited,
                                final int bulkheadRefused, final int breakerRefused) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        resilienceGauge.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .serviceId(serviceId)
            .rateLimited(rateLimited)
            .bulkheadRefused(bulkheadRefused)
            .breakerRefused(breakerRefused);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + ResilienceGaugeEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    @Override
    public void breakerEvent(final int serviceId, final long tick, final long simTimeNs, final int call,
                             final int callee, final int fromState, final int toState, final int failureRate,
                             final int slowCallRate) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        breakerEvent.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .serviceId(serviceId)
            .call(call)
            .callee(callee)
            .fromState(BreakerState.get((short)fromState))
            .toState(BreakerState.get((short)toState))
            .failureRate(failureRate)
            .slowCallRate(slowCallRate);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + WorkerBreakerEventEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    @Override
    public void replicaGauge(final int serviceId, final long tick, final int replicas, final int readyReplicas,
                             final long replicaTimeNs, final long readyTimeNs) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        replicaGauge.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .serviceId(serviceId)
            .replicas(replicas)
            .readyReplicas(readyReplicas)
            .replicaTimeNs(replicaTimeNs)
            .readyTimeNs(readyTimeNs);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + ReplicaGaugeEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    @Override
    public void replicaEvent(final int serviceId, final long tick, final long simTimeNs, final int replica,
                             final int kind, final int detail) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        replicaEvent.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .serviceId(serviceId)
            .replica(replica)
            .kind(ReplicaEventKind.get((short)kind))
            .detail(detail);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + WorkerReplicaEventEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }

    private void publishTickEnd(final long tick, final long endNs) {
        final long seq = Rings.claim(metrics, failed);
        final MetricSlot slot = metrics.get(seq);
        tickEnd.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .simTimeNs(endNs)
            .workerId(workerId);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + WorkerTickEndEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
    }


    long visits() {
        long visits = 0;
        for (final PartitionKernel kernel : kernels) {
            visits += kernel.visits();
        }
        return visits;
    }
}
