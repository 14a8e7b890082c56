package io.tickwire.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

import java.util.List;

/**
 * Named wait strategies for the engine's rings. The default, {@code blocking}, suits a shared 2-core machine;
 * {@code yielding} and {@code busy-spin} trade a core each for latency and belong on pinned, isolated CPUs.
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
