package io.tickwire.engine;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.engine.ring.PipelineFailedException;
import net.openhft.affinity.AffinityLock;
import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The lifecycle of a run whose every stage has a daemon thread of its own: the run's state, why it ended, its failure,
 * its threads, and the output ring's listeners, one thread each. A {@link Simulation} and an observed run both wire
 * their rings and their producer (orchestrator, clock) and leave the rest here, as Agrona's {@code AgentRunner} does
 * for one agent.
 * <p>
 * Threads: {@link #addListener}, {@link #start}, the {@code add*} and {@link #startThread} methods are for the
 * owner's thread, before and while it starts the run; {@link #fail}, {@link #producerEnded}, {@link #requestStop} and
 * the getters are for any of the run's threads; {@link #close} for any thread, one close at a time (the caller's and
 * a server's, which lets an ended run go, may meet; the second finds it done).
 * <p>
 * Any exception in a stage ends the run as FAILED: a pipeline that drops work silently is worse than none.
 */
public final class ThreadPerStageRunner {
    private final Logger log;
    private final String label;
    private final long closeTimeoutMs;
    private final ThreadStartHook threadStartHook;
    private final long emitFromTick;
    private final LongSupplier lastTickIssued;
    private final ExceptionHandler<Object> failFast = new FailFast();
    private final List<TickListener> listeners = new ArrayList<>();
    private final List<ListenerAdapter> adapters = new ArrayList<>();
    private final List<BatchEventProcessor<OutputSlot>> listenerProcessors = new ArrayList<>();
    private final List<String> listenerThreadNames = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<BatchEventProcessor<?>> processors = new ArrayList<>();
    private final AtomicReference<Simulation.State> state = new AtomicReference<>(Simulation.State.NEW);
    private final AtomicReference<TickListener.EndReason> endReason = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object closeLock = new Object();
    private volatile boolean stopRequested;
    private volatile boolean closing;
    /** Producers waiting on a full ring give up when this says so: the consumers will never catch up. */
    private final BooleanSupplier failed = () -> state.get() == Simulation.State.FAILED || closing;
    private CountDownLatch listenersEnded;

    /**
     * @param log            the owner's logger: failures are logged as the owner's.
     * @param label          the run in log lines ("simulation 3").
     * @param closeTimeoutMs how long {@link #close} waits for the end to drain, then for each thread.
     * @param hook           run on each thread as it starts.
     * @param emitFromTick   ticks (and events) before this one are not delivered to the listeners (a resume).
     * @param lastTickIssued the last tick the producer issued: a listener left without the end before it is told the
     *                       run FAILED, whatever ended it.
     */
    public ThreadPerStageRunner(final Logger log, final String label, final long closeTimeoutMs,
                                final ThreadStartHook hook, final long emitFromTick, final LongSupplier lastTickIssued) {
        this.log = log;
        this.label = label;
        this.closeTimeoutMs = closeTimeoutMs;
        this.threadStartHook = hook;
        this.emitFromTick = emitFromTick;
        this.lastTickIssued = lastTickIssued;
    }

    /** Add a consumer of the output ring; only before {@link #start()}. */
    public void addListener(final TickListener listener) {
        if (state.get() != Simulation.State.NEW) {
            throw new IllegalStateException("listeners are added before start");
        }
        listeners.add(listener);
    }

    /** NEW to RUNNING, once. */
    public void start() {
        if (!state.compareAndSet(Simulation.State.NEW, Simulation.State.RUNNING)) {
            throw new IllegalStateException("already started");
        }
    }

    /**
     * A consumer of {@code ring} on its own thread (started by {@link #startThread}), gating it, failing the run on
     * an exception, halted by {@link #close}.
     */
    public <T> BatchEventProcessor<T> addStage(final RingBuffer<T> ring, final EventHandler<? super T> handler) {
        final BatchEventProcessor<T> p = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), handler);
        p.setExceptionHandler(failFast);
        ring.addGatingSequences(p.getSequence());
        processors.add(p);
        return p;
    }

    /** Every listener a consumer of {@code output}, on thread {@code threadPrefix + i + "-" + its class}. */
    public void addListenerStages(final RingBuffer<OutputSlot> output, final String threadPrefix) {
        listenersEnded = new CountDownLatch(listeners.size());
        for (int i = 0; i < listeners.size(); i++) {
            final ListenerAdapter adapter = new ListenerAdapter(listeners.get(i));
            adapters.add(adapter);
            listenerProcessors.add(addStage(output, adapter));
            listenerThreadNames.add(threadPrefix + i + "-" + listeners.get(i).getClass().getSimpleName());
        }
    }

    /** Start the listeners' threads: consumers first, producers last. */
    public void startListenerThreads() {
        for (int i = 0; i < listenerProcessors.size(); i++) {
            startThread(listenerThreadNames.get(i), listenerProcessors.get(i), false);
        }
    }

    /** A daemon thread that runs the start hook, then {@code body}, pinned to a CPU if {@code pin}. */
    public Thread startThread(final String name, final Runnable body, final boolean pin) {
        final Thread t = new Thread(() -> {
            try {
                threadStartHook.onStart(name);
            } catch (final RuntimeException | Error ex) {
                fail(ex);
                return;
            }
            if (pin) {
                final AffinityLock lock;
                try {
                    lock = AffinityLock.acquireLock();
                } catch (final RuntimeException | Error ex) {
                    fail(ex);
                    return;
                }
                log.info("{} pinned to cpu {}", name, lock.cpuId());
                try {
                    body.run();
                } finally {
                    lock.release();
                }
            } else {
                body.run();
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    /** The producer put the end into the output ring: with no listener, the run has ended. */
    public void producerEnded() {
        if (listeners.isEmpty()) {
            finish();
        }
    }

    /** The run failed: record the first cause, stop, and release whoever waits; {@link #close} halts the rest. */
    public void fail(final Throwable t) {
        if (failure.compareAndSet(null, t)) {
            log.error("{} failed", label, t);
        }
        endReason.set(TickListener.EndReason.FAILED);
        state.set(Simulation.State.FAILED);
        stopRequested = true;
        // A stage died, so the end marker may never arrive.
        terminated.countDown();
    }

    /** The producer is to end the run (it reads {@link #stopRequested()}); the owner wakes it. */
    public void requestStop() {
        stopRequested = true;
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    /** The reason the listeners are given, unless one was set already. */
    public void endReasonIfUnset(final TickListener.EndReason reason) {
        endReason.compareAndSet(null, reason);
    }

    /** True once the run failed or is closing: what a producer on a full ring asks. */
    public BooleanSupplier failed() {
        return failed;
    }

    public Simulation.State state() {
        return state.get();
    }

    public TickListener.EndReason endReason() {
        return endReason.get();
    }

    public Throwable failure() {
        return failure.get();
    }

    /** @return true once every listener has seen the end (or the pipeline failed). */
    public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /**
     * Wait for the end to reach every listener (bounded; the owner asked its producer to stop), then stop every
     * thread. A listener whose thread is gone without having seen the end (the pipeline failed) is then given
     * {@code onEnd} on this thread, so that a journal or a feed still records how the run ended. Then
     * {@code release}, under the same lock. Idempotent.
     */
    public void close(final Runnable release) {
        synchronized (closeLock) {
            if (state.get() != Simulation.State.NEW) {
                try {
                    if (!terminated.await(closeTimeoutMs, TimeUnit.MILLISECONDS)) {
                        log.warn("{} did not drain in {} ms; halting", label, closeTimeoutMs);
                    }
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            closing = true; // producers stuck on a full ring give up instead of spinning forever
            processors.forEach(BatchEventProcessor::halt);
            for (final Thread t : threads) {
                try {
                    t.join(closeTimeoutMs);
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (final ListenerAdapter adapter : adapters) {
                adapter.endIfAbandoned();
            }
            // A run that did not drain in time ended, but not cleanly: say so rather than stay RUNNING.
            if (state.compareAndSet(Simulation.State.RUNNING, Simulation.State.FAILED)) {
                endReason.compareAndSet(null, TickListener.EndReason.FAILED);
                failure.compareAndSet(null, new IllegalStateException("did not drain in " + closeTimeoutMs + " ms"));
            }
            terminated.countDown();
            // Its threads are stopped by now: let go of what they ran.
            processors.clear();
            listenerProcessors.clear();
            threads.clear();
            adapters.clear();
            release.run();
        }
    }

    private void finish() {
        state.compareAndSet(Simulation.State.RUNNING, Simulation.State.ENDED);
        terminated.countDown();
    }

    /** Delivers the output ring to one listener, on the listener's thread. */
    private final class ListenerAdapter implements EventHandler<OutputSlot> {
        private final TickListener listener;
        private volatile Thread thread;
        private volatile long lastTick = -1;
        private volatile boolean ended;

        ListenerAdapter(final TickListener listener) {
            this.listener = listener;
        }

        @Override
        public void onStart() {
            thread = Thread.currentThread();
        }

        /** After close() joined the threads: deliver the end a dead stage never sent. */
        void endIfAbandoned() {
            final Thread t = thread;
            if (ended || (t != null && t.isAlive())) {
                return;
            }
            ended = true;
            // Ticks issued but never delivered make this a failed run, whatever ended it.
            final TickListener.EndReason reason = endReason.get() == null || lastTick < lastTickIssued.getAsLong() ?
                TickListener.EndReason.FAILED : endReason.get();
            try {
                listener.onEnd(lastTick, reason);
            } catch (final RuntimeException ex) {
                log.warn("listener {} failed to end", listener, ex);
            }
        }

        @Override
        public void onEvent(final OutputSlot slot, final long sequence, final boolean endOfBatch) {
            switch (slot.kind) {
                case OutputSlot.CATALOG -> listener.onCatalog(slot.buffer, 0, slot.length);
                case OutputSlot.CATALOG_UPDATE -> listener.onCatalogUpdate(slot.buffer, 0, slot.length);
                case OutputSlot.TICK -> {
                    if (slot.tick >= emitFromTick) { // before it: re-simulated for a resume, not delivered
                        listener.onTick(slot.buffer, 0, slot.length, slot.tick, endOfBatch);
                    }
                    lastTick = slot.tick;
                }
                case OutputSlot.EVENT -> {
                    if (slot.tick >= emitFromTick) { // a resumed run's events, like its ticks, from emitFromTick
                        listener.onEvent(slot.buffer, 0, slot.length, slot.tick);
                    }
                }
                case OutputSlot.END -> {
                    ended = true;
                    listener.onEnd(slot.tick, endReason.get());
                    listenersEnded.countDown();
                    if (listenersEnded.getCount() == 0) {
                        finish();
                    }
                }
                default -> throw new IllegalStateException("bad output slot kind " + slot.kind);
            }
        }
    }

    private final class FailFast implements ExceptionHandler<Object> {
        @Override
        public void handleEventException(final Throwable ex, final long sequence, final Object event) {
            if (ex != PipelineFailedException.INSTANCE) {
                fail(ex);
            }
            throw new IllegalStateException("pipeline stage failed", ex);
        }

        @Override
        public void handleOnStartException(final Throwable ex) {
            fail(ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex) {
            log.warn("shutdown of a pipeline stage failed", ex);
        }
    }
}
