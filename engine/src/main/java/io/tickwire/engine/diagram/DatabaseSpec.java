package io.tickwire.engine.diagram;

/**
 * The storage of a database attached to a service (the database itself is simulated as the implicit service
 * {@code <service>.db}): {@code storageBytes(t) = sizeBytes + writeBytes × successful queries so far + growth × t},
 * and its storage cost accrues at {@code perGBMonth} per GiB (2^30 bytes) held for a 30-day month.
 *
 * @param sizeBytes            stored bytes at time 0.
 * @param writeBytes           bytes each successful query adds.
 * @param growthBytesPerDay    bytes added per day of simulated time, independently of the queries.
 * @param perGBMonth           price of one GiB stored for 30 days, in the diagram's currency unit.
 */
public record DatabaseSpec(long sizeBytes, long writeBytes, double growthBytesPerDay, double perGBMonth) {
    public static final long GIB = 1L << 30;
    public static final long DAY_NS = 86_400_000_000_000L;
    public static final long MONTH_NS = 30 * DAY_NS;

    public double growthBytesPerNs() {
        return growthBytesPerDay / DAY_NS;
    }

    /** Billionths of the currency unit per byte held for one ns. */
    public double costNanosPerByteNs() {
        return perGBMonth * 1e9 / GIB / MONTH_NS;
    }
}
