package io.tickwire.bench;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.RingBuffer;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.StandaloneAggregator;
import io.tickwire.engine.WaitStrategies;
import io.tickwire.engine.ring.MetricSlot;
import io.tickwire.engine.ring.OutputSlot;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricSampleEncoder;
import io.tickwire.sbe.Outcome;
import io.tickwire.sbe.ServiceGaugeEncoder;
import io.tickwire.sbe.WorkerTickEndEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The metric-sample path as the engine runs it: a worker encodes each {@code MetricSample} (SBE) into a claimed slot
 * of the metrics ring; the engine's aggregator — the production class, through {@link StandaloneAggregator} — decodes
 * it on its own thread into the service's HdrHistogram and counters, and every {@value #SAMPLES_PER_TICK} samples
 * closes a tick (gauges, worker-tick-end, percentiles, compressed histograms, {@code TickSummary} into the output
 * ring, drained by a no-op consumer).
 * <pre>
 *   benchmark thread (worker)  ──MetricSample──►  metrics ring (64 Ki)  ──►  aggregator thread  ──►  output ring ──► drain
 * </pre>
 * One op = one sample published. A full ring holds the producer back, so in steady state the figure is the
 * aggregator's throughput; each iteration ends by waiting for the aggregator to drain. The peer is
 * {@link BlockingQueueSamplePathBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SamplePathBenchmark {
    static final int SAMPLES_PER_TICK = 100_000;
    static final int SERVICES = 10;
    private static final int LATENCIES = 4096;

    @Param({"sleeping", "yielding"})
    public String waitStrategy;

    private RingBuffer<MetricSlot> metrics;
    private BatchEventProcessor<MetricSlot> aggregatorProcessor;
    private BatchEventProcessor<OutputSlot> drainProcessor;
    private Thread aggregatorThread;
    private Thread drainThread;

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final MetricSampleEncoder sample = new MetricSampleEncoder();
    private final ServiceGaugeEncoder gauge = new ServiceGaugeEncoder();
    private final WorkerTickEndEncoder tickEnd = new WorkerTickEndEncoder();
    private final long[] latencies = new long[LATENCIES];
    private long tick;
    private int inTick;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        // Latencies spread like a real service's: 50 us to ~20 ms, log-uniform, fixed seed.
        final java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        for (int i = 0; i < LATENCIES; i++) {
            latencies[i] = (long)(50_000 * Math.exp(random.nextDouble() * Math.log(400)));
        }
        final RingBuffer<OutputSlot> output = RingBuffer.createSingleProducer(OutputSlot::new, 256,
            WaitStrategies.create(waitStrategy));
        drainProcessor = new BatchEventProcessorBuilder().build(output, output.newBarrier(), (e, s, b) -> { });
        output.addGatingSequences(drainProcessor.getSequence());

        metrics = RingBuffer.createSingleProducer(MetricSlot::new, Simulation.Context.DEFAULT_METRICS_RING_SIZE,
            WaitStrategies.create(waitStrategy));
        aggregatorProcessor = new BatchEventProcessorBuilder().build(metrics, metrics.newBarrier(),
            StandaloneAggregator.create(SERVICES, 50_000_000L, output));
        metrics.addGatingSequences(aggregatorProcessor.getSequence());

        drainThread = new Thread(drainProcessor, "bench-drain");
        aggregatorThread = new Thread(aggregatorProcessor, "bench-aggregator");
        drainThread.start();
        aggregatorThread.start();
    }

    @Benchmark
    public void publishSample() {
        final long seq = metrics.next();
        final MetricSlot slot = metrics.get(seq);
        final int i = next++;
        sample.wrapAndApplyHeader(slot.buffer, 0, header)
            .tick(tick)
            .simTimeNs(i)
            .latencyNs(latencies[i & (LATENCIES - 1)])
            .serviceId(i % SERVICES)
            .outcome((i & 1023) == 0 ? Outcome.ERROR : Outcome.OK);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + MetricSampleEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
        if (++inTick == SAMPLES_PER_TICK) {
            closeTick();
        }
    }

    private void closeTick() {
        for (int s = 0; s < SERVICES; s++) {
            final long seq = metrics.next();
            final MetricSlot slot = metrics.get(seq);
            gauge.wrapAndApplyHeader(slot.buffer, 0, header).tick(tick).arrivals(SAMPLES_PER_TICK / SERVICES)
                .queueDepth(0).busyServers(1).servers(4).serviceId(s);
            slot.length = MessageHeaderEncoder.ENCODED_LENGTH + ServiceGaugeEncoder.BLOCK_LENGTH;
            metrics.publish(seq);
        }
        final long seq = metrics.next();
        final MetricSlot slot = metrics.get(seq);
        tickEnd.wrapAndApplyHeader(slot.buffer, 0, header).tick(tick).simTimeNs((tick + 1) * 50_000_000L).workerId(0);
        slot.length = MessageHeaderEncoder.ENCODED_LENGTH + WorkerTickEndEncoder.BLOCK_LENGTH;
        metrics.publish(seq);
        tick++;
        inTick = 0;
    }

    @TearDown(Level.Iteration)
    public void drain() {
        // Count only what the aggregator consumed: wait for it to catch up before the next iteration.
        final long target = metrics.getCursor();
        while (aggregatorProcessor.getSequence().get() < target) {
            LockSupport.parkNanos(1000);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        aggregatorProcessor.halt();
        drainProcessor.halt();
        aggregatorThread.join();
        drainThread.join();
        if (tick == 0) {
            throw new IllegalStateException("no tick closed: the benchmark did not exercise the aggregator");
        }
    }
}
