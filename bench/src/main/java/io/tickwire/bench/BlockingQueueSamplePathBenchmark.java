package io.tickwire.bench;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The peer of {@link SamplePathBenchmark}: the same path as a team would write it first — an
 * object per sample through an {@link ArrayBlockingQueue} of the same capacity, a consumer thread folding each into
 * the service's HdrHistogram and counters, and the same tick close every {@value #SAMPLES_PER_TICK} samples
 * (percentiles and a compressed histogram per service with HdrHistogram's own encoder). One op = one sample.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BlockingQueueSamplePathBenchmark {
    static final int SAMPLES_PER_TICK = 100_000;
    static final int SERVICES = 10;
    private static final int LATENCIES = 4096;
    private static final Sample POISON = new Sample(-1, -1, 0, -1, (byte)0);

    /** What the first version of a metrics pipeline passes around. */
    record Sample(long tick, long simTimeNs, long latencyNs, int serviceId, byte outcome) {
    }

    private ArrayBlockingQueue<Sample> queue;
    private Thread consumer;
    private final AtomicLong consumed = new AtomicLong();
    private long produced;
    private final long[] latencies = new long[LATENCIES];
    private long tick;
    private int inTick;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        for (int i = 0; i < LATENCIES; i++) {
            latencies[i] = (long)(50_000 * Math.exp(random.nextDouble() * Math.log(400)));
        }
        queue = new ArrayBlockingQueue<>(64 * 1024);
        consumer = new Thread(this::consume, "bench-abq-consumer");
        consumer.start();
    }

    @Benchmark
    public void publishSample() throws InterruptedException {
        final int i = next++;
        queue.put(new Sample(tick, i, latencies[i & (LATENCIES - 1)], i % SERVICES, (byte)((i & 1023) == 0 ? 1 : 0)));
        produced++;
        if (++inTick == SAMPLES_PER_TICK) {
            // Tick end marker: the same role as WorkerTickEnd.
            queue.put(new Sample(tick, -1, 0, -1, (byte)0));
            produced++;
            tick++;
            inTick = 0;
        }
    }

    private void consume() {
        final Histogram[] histograms = new Histogram[SERVICES];
        final long[] completed = new long[SERVICES];
        final long[] errors = new long[SERVICES];
        final long[] sum = new long[SERVICES];
        for (int s = 0; s < SERVICES; s++) {
            histograms[s] = new Histogram(3);
        }
        final ByteBuffer encoded = ByteBuffer.allocate(1 << 20);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            while (true) {
                final Sample sample = queue.take();
                if (sample == POISON) {
                    return;
                }
                if (sample.serviceId() < 0) {
                    out.reset();
                    for (int s = 0; s < SERVICES; s++) {
                        final Histogram h = histograms[s];
                        final long p50 = h.getValueAtPercentile(50);
                        final long p90 = h.getValueAtPercentile(90);
                        final long p99 = h.getValueAtPercentile(99);
                        final long p999 = h.getValueAtPercentile(99.9);
                        encoded.clear();
                        h.encodeIntoCompressedByteBuffer(encoded, java.util.zip.Deflater.BEST_SPEED);
                        out.write((int)(p50 ^ p90 ^ p99 ^ p999 ^ completed[s] ^ errors[s] ^ sum[s]));
                        h.reset();
                        completed[s] = 0;
                        errors[s] = 0;
                        sum[s] = 0;
                    }
                } else {
                    final int s = sample.serviceId();
                    completed[s]++;
                    errors[s] += sample.outcome();
                    sum[s] += sample.latencyNs();
                    histograms[s].recordValue(sample.latencyNs());
                }
                consumed.lazySet(consumed.get() + 1);
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @TearDown(Level.Iteration)
    public void drain() {
        while (consumed.get() < produced) {
            LockSupport.parkNanos(1000);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        queue.put(POISON);
        consumer.join();
        if (tick == 0) {
            throw new IllegalStateException("no tick closed");
        }
    }
}
