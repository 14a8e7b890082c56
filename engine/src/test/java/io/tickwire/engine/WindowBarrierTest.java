package io.tickwire.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sun.misc.Unsafe;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class WindowBarrierTest {
    /** Bytes on each side of the counter that hold nothing but padding: a cache line, less the counter itself. */
    private static final int PADDED_BYTES = 56;

    /**
     * The counter every worker writes once per window is a {@code long} in the barrier itself, with at least a cache
     * line of padding on each side in the object's field layout (as the JVM lays it out), and no other field of the
     * barrier near it: padding a reference to an {@code AtomicLong} would leave the counter unpadded in its own
     * object.
     */
    @Test
    void shouldPadTheCounterItselfOnBothSides() throws Exception {
        final Unsafe unsafe = unsafe();
        final Field counter = WindowBarrierValue.class.getDeclaredField("arrived");
        assertThat(counter.getType()).isEqualTo(long.class);
        final long at = unsafe.objectFieldOffset(counter);

        long paddingBefore = 0;
        long paddingAfter = 0;
        for (final Field f : instanceFields(WindowBarrier.class)) {
            if (f.equals(counter)) {
                continue;
            }
            final long offset = unsafe.objectFieldOffset(f);
            final boolean padding = f.getName().matches("p\\d+") && f.getType() == long.class;
            if (!padding) {
                assertThat(Math.abs(offset - at)).as("distance of %s from the counter", f.getName())
                    .isGreaterThanOrEqualTo(PADDED_BYTES + Long.BYTES);
            } else if (offset < at && offset >= at - PADDED_BYTES) {
                paddingBefore += Long.BYTES;
            } else if (offset > at && offset <= at + PADDED_BYTES) {
                paddingAfter += Long.BYTES;
            }
        }
        assertThat(paddingBefore).as("padding before the counter").isGreaterThanOrEqualTo(PADDED_BYTES);
        assertThat(paddingAfter).as("padding after the counter").isGreaterThanOrEqualTo(PADDED_BYTES);
    }

    @Test
    void shouldLetNoPartyPastABarrierBeforeAllArrived() throws Exception {
        final int parties = 3;
        final int barriers = 2_000;
        final WindowBarrier barrier = new WindowBarrier(parties, () -> false);
        final AtomicLong[] windowsDone = new AtomicLong[parties];
        final AtomicLong violations = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            windowsDone[p] = new AtomicLong();
            final int me = p;
            final Thread t = new Thread(() -> {
                for (long k = 0; k < barriers; k++) {
                    windowsDone[me].set(k + 1);
                    barrier.await(k);
                    for (final AtomicLong other : windowsDone) {
                        if (other.get() < k + 1) {
                            violations.incrementAndGet();
                        }
                    }
                }
            }, "barrier-party-" + p);
            threads.add(t);
            t.start();
        }
        for (final Thread t : threads) {
            t.join();
        }
        assertThat(violations.get()).isZero();
    }

    private static List<Field> instanceFields(final Class<?> type) {
        final List<Field> fields = new ArrayList<>();
        for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
            for (final Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    fields.add(f);
                }
            }
        }
        return fields;
    }

    private static Unsafe unsafe() throws ReflectiveOperationException {
        final Field f = Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (Unsafe)f.get(null);
    }
}
