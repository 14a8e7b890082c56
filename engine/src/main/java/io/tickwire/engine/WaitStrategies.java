package io.tickwire.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

import java.util.List;

/**
 * Named wait strategies for the engine's rings. The defaults suit a shared 2-core machine: {@code blocking} on the
 * command and output rings (one event per tick; the publisher takes a lock to wake a parked consumer) and
 * {@code sleeping} on the metrics ring (millions of events a second, and no signalling cost to the publisher; an
 * idle consumer parks for ~50-100 us at a time). {@code yielding} and {@code busy-spin} trade a core each for latency
 * and belong on pinned, isolated CPUs.
 */
public final class WaitStrategies {
    public static final List<String> NAMES = List.of("blocking", "sleeping", "yielding", "busy-spin");

    private WaitStrategies() {
    }

    public static WaitStrategy create(final String name) {
        return switch (name) {
            case "blocking" -> new BlockingWaitStrategy();
            case "sleeping" -> new SleepingWaitStrategy();
            case "yielding" -> new YieldingWaitStrategy();
            case "busy-spin" -> new BusySpinWaitStrategy();
            default -> throw new IllegalArgumentException("unknown wait strategy '" + name + "' (" + NAMES + ")");
        };
    }
}
