package io.tickwire.engine.sim;

import java.util.SplittableRandom;

/**
 * One independent random stream per service and per load source, derived from the run's seed and the stream's
 * identity only — never from the partitioning — so that results do not depend on the number of workers. A service's
 * replica lifecycle and its load balancer draw from streams of their own, so that a diagram without them draws its
 * requests exactly as before they existed.
 */
public final class RandomStreams {
    private static final long SERVICE_DOMAIN = 0x5E41_1CE5_0000_0000L;
    private static final long SOURCE_DOMAIN = 0x50A2_CE50_0000_0000L;
    private static final long LIFECYCLE_DOMAIN = 0x11FE_C7C1_0000_0000L;
    private static final long BALANCER_DOMAIN = 0xBA1A_5CE0_0000_0000L;

    private RandomStreams() {
    }

    public static SplittableRandom forService(final long seed, final int serviceId) {
        return new SplittableRandom(mix(seed ^ mix(SERVICE_DOMAIN + serviceId)));
    }

    public static SplittableRandom forSource(final long seed, final int sourceIndex) {
        return new SplittableRandom(mix(seed ^ mix(SOURCE_DOMAIN + sourceIndex)));
    }

    /** A service's replica lifecycle: start-up times and times to crash. Apart from its requests' stream. */
    public static SplittableRandom forLifecycle(final long seed, final int serviceId) {
        return new SplittableRandom(mix(seed ^ mix(LIFECYCLE_DOMAIN + serviceId)));
    }

    /** A service's load balancer: the replicas {@code random} and {@code power-of-two} draw. */
    public static SplittableRandom forBalancer(final long seed, final int serviceId) {
        return new SplittableRandom(mix(seed ^ mix(BALANCER_DOMAIN + serviceId)));
    }

    /** SplitMix64's finaliser: a bijective avalanche of 64 bits. */
    static long mix(final long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
