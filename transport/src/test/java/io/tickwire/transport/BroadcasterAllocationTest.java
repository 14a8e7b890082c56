package io.tickwire.transport;

import io.netty.util.ResourceLeakDetector;
import io.tickwire.engine.Simulation;
import io.tickwire.transport.test.FeedServerFixture;
import io.tickwire.transport.test.FeedTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.tickwire.codec.FeedMessage.CATALOG;
import static io.tickwire.codec.FeedMessage.HEARTBEAT;
import static io.tickwire.codec.FeedMessage.SUBSCRIBED;
import static io.tickwire.codec.FeedMessage.TICK_SUMMARY;
import static io.tickwire.codec.test.FeedWire.messageOf;
import static io.tickwire.codec.test.FeedWire.tickOf;
import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static io.tickwire.transport.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The broadcaster's fan-out allocates per tick, not per subscriber, and no more than its tick buffer: the bytes
 * allocated on its listener thread ({@code tw-out-N-Broadcaster}, measured with
 * {@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes}) over {@value #TICKS} ticks with 1 subscriber, then
 * with {@value #MANY}, on two I/O threads.
 */
@Timeout(60)
class BroadcasterAllocationTest {
    private static final int TICKS = 2_000;
    private static final int MANY = 50;
    /** 10 ms ticks at 20x: 2,000 ticks a second, each its own batch (the listener keeps up). */
    private static final double SPEED = 20.0;
    /** What more subscribers may add per tick and still count as "not growing". */
    private static final double SLACK_BYTES_PER_TICK = 128;
    /**
     * What is left per tick once warm: the tick's pooled {@code ByteBuf} wrapper, 104 B (a
     * {@code PooledUnsafeDirectByteBuf}, 88, and its {@code RefCnt}, 16: Netty 4.2's {@code Recycler} only pools on
     * {@code FastThreadLocalThread}s and the listener thread is a plain {@code Thread}), and its {@link TickFrames}
     * entry in the tail, 40 B. Measured 146 B/tick with 1 subscriber and 156 with 50 (the wake-up of a lane is a
     * flag and a reused task: nothing per subscriber). Measured with the leak detector off, as here: its sampled
     * records add 5-20 B/tick, unevenly. (Before the tail, when batches went to the lanes as tasks, it was 93-112.)
     */
    private static final double MAX_BYTES_PER_TICK = 192;

    @Test
    void shouldAllocatePerTickIndependentlyOfTheSubscriberCount() throws Exception {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "thread allocation accounting");
        threads.setThreadAllocatedMemoryEnabled(true);

        final List<Subscriber> subscribers = new ArrayList<>();
        final ResourceLeakDetector.Level leakDetection = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED); // see MAX_BYTES_PER_TICK
        try (FeedServerFixture server = FeedServerFixture.start(new FeedServer.Context().ioThreads(2)
            .writeBufferLowWaterMark(1024 * 1024).writeBufferHighWaterMark(64 * 1024 * 1024))) {
            // "sleeping" on the output ring: the default "blocking" allocates a lock node per wait, on this thread.
            final Simulation sim = server.launch(TWO_SERVICES,
                new Simulation.Context().speed(SPEED).ticks(-1).outputWaitStrategy("sleeping"), (Path)null);
            final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
            final long listener = broadcasterThread().getId();

            subscribers.add(Subscriber.start(server.port(), sim.id()));
            await("1 subscriber", 10_000, () -> broadcaster.subscriberCount() == 1);
            bytesPerTick(threads, listener, sim, TICKS); // warm up
            final double one = bytesPerTick(threads, listener, sim, TICKS);

            while (subscribers.size() < MANY) {
                subscribers.add(Subscriber.start(server.port(), sim.id()));
            }
            await(MANY + " subscribers", 10_000, () -> broadcaster.subscriberCount() == MANY);
            bytesPerTick(threads, listener, sim, TICKS / 4); // warm up
            final double many = bytesPerTick(threads, listener, sim, TICKS);

            System.out.printf("Broadcaster thread allocation: %.1f bytes/tick with 1 subscriber, %.1f with %d%n",
                one, many, MANY);
            assertThat(many).as("bytes/tick with %d subscribers, vs %.1f with 1", MANY, one)
                .isLessThan(2 * one + SLACK_BYTES_PER_TICK);
            assertThat(one).as("bytes/tick with 1 subscriber").isLessThan(MAX_BYTES_PER_TICK);
            assertThat(many).as("bytes/tick with %d subscribers", MANY).isLessThan(MAX_BYTES_PER_TICK);
            assertThat(broadcaster.slowReaderDisconnects()).isZero();
            for (final Subscriber s : subscribers) {
                assertThat(s.failure).isNull();
                assertThat(s.violation).isNull();
                assertThat(s.ticks).isGreaterThan(TICKS / 4);
            }
        } finally {
            ResourceLeakDetector.setLevel(leakDetection);
            for (final Subscriber s : subscribers) {
                s.client.close();
            }
        }
    }

    /** Allocated bytes on the listener thread per tick, over at least {@code ticks} ticks from now. */
    private static double bytesPerTick(final com.sun.management.ThreadMXBean threads, final long listener,
                                       final Simulation sim, final int ticks) throws InterruptedException {
        final long ticks0 = sim.ticksClosed();
        final long bytes0 = threads.getThreadAllocatedBytes(listener);
        await("ticks", 30_000, () -> sim.ticksClosed() >= ticks0 + ticks);
        final long bytes1 = threads.getThreadAllocatedBytes(listener);
        final long ticks1 = sim.ticksClosed();
        return (double)(bytes1 - bytes0) / (ticks1 - ticks0);
    }

    /** The newest live listener thread of a broadcaster. */
    private static Thread broadcasterThread() {
        Thread found = null;
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("tw-out-") && t.getName().endsWith("Broadcaster")
                && (found == null || t.getId() > found.getId())) {
                found = t;
            }
        }
        assertThat(found).as("a tw-out-*-Broadcaster thread").isNotNull();
        return found;
    }

    /** A raw client on its own thread: checks every frame (RFC 6455), the Catalog first, then consecutive ticks. */
    private static final class Subscriber implements Runnable {
        final FeedTestClient client;
        volatile long ticks;
        volatile String violation;
        volatile Throwable failure;

        private Subscriber(final FeedTestClient client) {
            this.client = client;
        }

        static Subscriber start(final int port, final long simulationId) throws Exception {
            final Subscriber s = new Subscriber(FeedTestClient.connect(port, "?sim=" + simulationId));
            final Thread t = new Thread(s, "test-subscriber");
            t.setDaemon(true);
            t.start();
            return s;
        }

        @Override
        public void run() {
            try {
                final byte[] subscribed = client.nextBinary();
                if (subscribed == null || messageOf(subscribed) != SUBSCRIBED) {
                    violation = "no Subscribed first";
                    return;
                }
                final byte[] catalog = client.nextBinary();
                if (catalog == null || messageOf(catalog) != CATALOG) {
                    violation = "no Catalog first";
                    return;
                }
                long last = -1;
                byte[] message;
                while ((message = client.nextBinary()) != null) {
                    if (messageOf(message) == HEARTBEAT) {
                        continue;
                    }
                    if (messageOf(message) != TICK_SUMMARY) {
                        violation = "template " + messageOf(message) + " after " + ticks + " ticks";
                        return;
                    }
                    final long tick = tickOf(message);
                    if (last >= 0 && tick != last + 1) {
                        violation = "tick " + tick + " after " + last;
                        return;
                    }
                    last = tick;
                    ticks++;
                }
            } catch (final SocketException ex) {
                // closed by the test
            } catch (final Throwable ex) {
                failure = ex;
            }
        }
    }
}
