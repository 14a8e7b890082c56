package io.tickwire.engine.observe;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.codec.Schema;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.ThreadPerStageRunner;
import io.tickwire.engine.ThreadStartHook;
import io.tickwire.engine.TickSource;
import io.tickwire.engine.WaitStrategies;
import io.tickwire.engine.control.AlertEvaluator;
import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.engine.ring.PipelineFailedException;
import io.tickwire.engine.ring.Rings;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickDueEncoder;
import org.agrona.BitUtil;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * An observed run: ticks of wall-clock time aggregated from real metric sources, the one place where its rings are
 * wired. Its "services" are series of sources ({@link SeriesRegistry}); everything after the aggregator — the output
 * ring, the listeners (journal, feed, ...) — is what a {@link Simulation} has.
 * <pre>
 *   ingest endpoints (event loops) ─SamplePublisher─┐  (1) metrics ring, multi-producer: ObservedSamples (SBE),
 *   clock (own thread): TickDue(t) at               ├─►    up to 100 samples a slot, and TickDue
 *     origin + (t+1)·tick + lateness ───────────────┘           │
 *                                                               ▼
 *                                    ObservationAggregator (one thread): each sample into the tick of its timestamp
 *                                                               │ Catalog, CatalogUpdate, TickSummary (SBE)
 *                                                               ▼ (2) output ring, multicast
 *                                    listener 0 (journal), listener 1 (feed), ... one thread each
 * </pre>
 * Ticks: tick {@code t} is the window {@code [origin + t·tick, origin + (t+1)·tick)} of epoch time, origin being the
 * start time rounded down to a whole tick; it closes {@code lateness} after its window ends. On {@link #stop} the
 * clock closes every tick up to the current one (not waiting for the lateness; the current one early) and the run
 * ends: every sample taken before the stop is in a tick, or counted late.
 * <p>
 * Lifecycle as a simulation's: {@link #create}, {@link #addListener}, {@link #start}, {@link #stop},
 * {@link #awaitTermination}, {@link #close}. Producers get a {@link SamplePublisher} each ({@link #newPublisher}).
 */
public final class Observation implements TickSource {
    private static final Logger LOG = LoggerFactory.getLogger(Observation.class);

    private final ObserveSpec spec;
    private final Context ctx;
    private final SeriesRegistry registry;
    private final byte[] catalog;
    private final long originNs;
    private final RingBuffer<ObservedSlot> ring;
    private final RingBuffer<OutputSlot> output;
    private final ObservationAggregator aggregator;
    /** Its state, threads and listeners, and how it fails and closes: as a simulation's. */
    private final ThreadPerStageRunner run;
    private final BooleanSupplier failed;
    private volatile Thread clockThread;

    private Observation(final ObserveSpec spec, final Context ctx) {
        this.spec = spec;
        this.ctx = ctx;
        this.registry = new SeriesRegistry(spec);
        final long now = ctx.epochClock.nanoTime();
        this.originNs = now - Math.floorMod(now, spec.tickLengthNs());
        this.catalog = encodeCatalog(now);
        // Every tick the clock publishes is delivered or the run failed: no tick counts as lost on close.
        this.run = new ThreadPerStageRunner(LOG, "observed run " + ctx.simulationId, ctx.closeTimeoutMs,
            ThreadStartHook.NONE, 0, () -> -1L);
        this.failed = run.failed();
        this.ring = RingBuffer.createMultiProducer(ObservedSlot::new, ctx.ringSize,
            WaitStrategies.create(ctx.waitStrategy));
        this.output = RingBuffer.createSingleProducer(OutputSlot::new, ctx.outputRingSize,
            WaitStrategies.create("blocking"));
        final long openNs = spec.latenessNs() + spec.skewNs();
        final int windowTicks = BitUtil.findNextPositivePowerOfTwo((int)Math.min(1 << 16, openNs / spec.tickLengthNs() + 3));
        this.aggregator = new ObservationAggregator(registry, ctx.simulationId, originNs, spec.tickLengthNs(), windowTicks,
            catalog, output, ctx.epochClock, failed, run::producerEnded);
        if (!spec.alerts().isEmpty()) {
            aggregator.alerts(AlertEvaluator.observed(spec.alerts(), spec.maxSeries(), spec.tickLengthNs()));
        }
    }

    /** Build an observed run of {@code spec}; nothing runs until {@link #start()}. */
    public static Observation create(final ObserveSpec spec, final Context ctx) {
        return new Observation(spec, ctx.conclude());
    }

    public ObserveSpec spec() {
        return spec;
    }

    /** Its sources and series: where ingest endpoints map what they receive to inputs. */
    public SeriesRegistry registry() {
        return registry;
    }

    /** A producer of samples into this run, for one thread (an event loop). */
    public SamplePublisher newPublisher() {
        return new SamplePublisher(ring);
    }

    /** The epoch time of tick 0's start. */
    public long originNs() {
        return originNs;
    }

    /** The clock of the run (epoch ns): samples without a timestamp are stamped with it. */
    public EpochNanoClock clock() {
        return ctx.epochClock;
    }

    @Override
    public long id() {
        return ctx.simulationId;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public long tickLengthNs() {
        return spec.tickLengthNs();
    }

    @Override
    public Observation addListener(final TickListener listener) {
        run.addListener(listener);
        return this;
    }

    @Override
    public synchronized void start() {
        run.start();
        run.addListenerStages(output, "tw-obs-out-");
        final BatchEventProcessor<ObservedSlot> aggregate = run.addStage(ring, aggregator);
        run.startListenerThreads();
        run.startThread("tw-obs-aggregator", aggregate, false);
        clockThread = run.startThread("tw-obs-clock", this::tickClock, false);
        LOG.info("observed run {} '{}' started: tick {} ms, lateness {} ms, origin {}", ctx.simulationId,
            spec.name(), spec.tickLengthNs() / 1_000_000, spec.latenessNs() / 1_000_000, originNs);
    }

    @Override
    public void stop() {
        run.requestStop();
        final Thread t = clockThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException {
        return run.awaitTermination(timeout, unit);
    }

    @Override
    public void close() {
        stop();
        run.close(() -> { });
    }

    @Override
    public Simulation.State state() {
        return run.state();
    }

    @Override
    public TickListener.EndReason endReason() {
        return run.endReason();
    }

    @Override
    public Throwable failure() {
        return run.failure();
    }

    @Override
    public long ticksClosed() {
        return aggregator.ticksClosed();
    }

    @Override
    public byte[] catalog() {
        return catalog.clone();
    }

    /** The tick that holds epoch time {@code epochNs}. */
    public long tickOf(final long epochNs) {
        return Math.floorDiv(epochNs - originNs, spec.tickLengthNs());
    }

    /**
     * Tick {@code t} is due {@code lateness} after its window ends: the clock publishes {@code TickDue(t)} then. On
     * stop (or the tick budget), every tick whose window has ended closes, and the run ends.
     */
    private void tickClock() {
        final long tickLengthNs = spec.tickLengthNs();
        long tick = 0;
        try {
            for (; ctx.ticks < 0 || tick < ctx.ticks; tick++) {
                final long due = originNs + (tick + 1) * tickLengthNs + spec.latenessNs();
                long remaining;
                while (!run.stopRequested() && (remaining = due - ctx.epochClock.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(remaining, 100_000_000L));
                }
                if (run.stopRequested()) {
                    break;
                }
                publishDue(tick, false);
            }
            // Stopped: every tick up to the current one closes now (the current one early, so that what was taken
            // is in a tick), not waiting for the lateness.
            final long ended = ctx.ticks >= 0 && tick >= ctx.ticks ? ctx.ticks - 1
                : Math.max(tick - 1, tickOf(ctx.epochClock.nanoTime()));
            run.endReasonIfUnset(run.stopRequested() ? TickListener.EndReason.STOPPED
                : TickListener.EndReason.COMPLETED);
            publishDue(ended, true);
        } catch (final PipelineFailedException ex) {
            // Another stage failed and recorded why.
        } catch (final Throwable t) {
            run.fail(t);
        }
    }

    private void publishDue(final long tick, final boolean end) {
        final long seq = Rings.claim(ring, failed);
        final ObservedSlot slot = ring.get(seq);
        final TickDueEncoder e = new TickDueEncoder().wrapAndApplyHeader(slot.buffer, 0, new MessageHeaderEncoder())
            .tick(tick)
            .end((short)(end ? 1 : 0));
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        ring.publish(seq);
    }

    private byte[] encodeCatalog(final long startNs) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(ctx.simulationId)
            .tickLengthNs(spec.tickLengthNs())
            .seed(0)
            .startWallTimeNs(startNs)
            .schemaVersion(Schema.VERSION)
            .workers(0);
        final int rows = registry.rowCount();
        final CatalogEncoder.ServicesEncoder services = e.servicesCount(rows);
        for (int id = 0; id < rows; id++) {
            services.next().serviceId(id).servers(0).name(registry.row(id).name);
        }
        e.sourcesCount(0);
        e.simulationName(spec.name());
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /** Configuration of an observed run's threads and rings; {@link #conclude()} validates it once. */
    public static final class Context {
        /** Slots of the metrics ring (each up to 100 samples, 2 KB): 8192 slots hold 800k samples in flight. */
        public static final int DEFAULT_RING_SIZE = 8192;
        public static final int DEFAULT_OUTPUT_RING_SIZE = 256;

        private long simulationId = 1;
        private long ticks = -1;
        private int ringSize = DEFAULT_RING_SIZE;
        private int outputRingSize = DEFAULT_OUTPUT_RING_SIZE;
        private String waitStrategy = "sleeping";
        private long closeTimeoutMs = 10_000;
        private EpochNanoClock epochClock;

        public Context simulationId(final long id) {
            this.simulationId = id;
            return this;
        }

        /** Ticks to run, or -1 (default) until stopped. */
        public Context ticks(final long ticks) {
            this.ticks = ticks;
            return this;
        }

        /** Slots of the metrics ring; a power of two. */
        public Context ringSize(final int size) {
            this.ringSize = size;
            return this;
        }

        public Context outputRingSize(final int size) {
            this.outputRingSize = size;
            return this;
        }

        /** The aggregator's wait strategy on the metrics ring (see {@link WaitStrategies}). Default sleeping. */
        public Context waitStrategy(final String name) {
            this.waitStrategy = name;
            return this;
        }

        public Context closeTimeoutMs(final long ms) {
            this.closeTimeoutMs = ms;
            return this;
        }

        /** Epoch clock of the ticks (tests move it); default an allocation-free offset clock. */
        public Context epochClock(final EpochNanoClock clock) {
            this.epochClock = clock;
            return this;
        }

        public long simulationId() {
            return simulationId;
        }

        public long ticks() {
            return ticks;
        }

        /** A copy, for a launcher that sets the id on its own. */
        public Context copy() {
            final Context c = new Context();
            c.simulationId = simulationId;
            c.ticks = ticks;
            c.ringSize = ringSize;
            c.outputRingSize = outputRingSize;
            c.waitStrategy = waitStrategy;
            c.closeTimeoutMs = closeTimeoutMs;
            c.epochClock = epochClock;
            return c;
        }

        Context conclude() {
            if (ticks < -1) {
                throw new IllegalArgumentException("ticks must be >= 0, or -1 for unbounded; got " + ticks);
            }
            if (!BitUtil.isPowerOfTwo(ringSize) || !BitUtil.isPowerOfTwo(outputRingSize)) {
                throw new IllegalArgumentException("ring sizes must be powers of two, got " + ringSize + ", "
                    + outputRingSize);
            }
            WaitStrategies.create(waitStrategy);
            if (epochClock == null) {
                epochClock = new OffsetEpochNanoClock();
            }
            return this;
        }
    }
}
