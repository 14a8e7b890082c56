package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.BulkheadSpec;

/**
 * resilience4j's semaphore bulkhead for one call of one service: {@code maxConcurrent} permits, and the attempts
 * waiting for one in arrival order (the kernel grants them as permits come back, and refuses those whose wait ran
 * out). Entries of attempts that stopped waiting (timed out) stay until they reach the head, where the kernel skips
 * them by their generation. <b>Single-threaded</b>; the queue grows rarely (doubling), never shrinks.
 */
final class Bulkhead {
    final int maxConcurrent;
    final long maxWaitNs;
    private int inUse;
    private int[] waitCall = new int[16];
    private int[] waitGeneration = new int[16];
    private int head;
    private int size;

    Bulkhead(final BulkheadSpec spec) {
        maxConcurrent = spec.maxConcurrent();
        maxWaitNs = spec.maxWaitNs();
    }

    boolean tryAcquire() {
        if (inUse < maxConcurrent) {
            inUse++;
            return true;
        }
        return false;
    }

    /** A permit comes back. */
    void release() {
        inUse--;
    }

    void enqueue(final int call, final int generation) {
        if (size == waitCall.length) {
            final int[] calls = new int[size << 1];
            final int[] generations = new int[size << 1];
            for (int i = 0; i < size; i++) {
                calls[i] = waitCall[(head + i) & (size - 1)];
                generations[i] = waitGeneration[(head + i) & (size - 1)];
            }
            waitCall = calls;
            waitGeneration = generations;
            head = 0;
        }
        final int at = (head + size) & (waitCall.length - 1);
        waitCall[at] = call;
        waitGeneration[at] = generation;
        size++;
    }

    int waiting() {
        return size;
    }

    int headCall() {
        return waitCall[head];
    }

    int headGeneration() {
        return waitGeneration[head];
    }

    void pop() {
        head = (head + 1) & (waitCall.length - 1);
        size--;
    }

    int inUse() {
        return inUse;
    }
}
