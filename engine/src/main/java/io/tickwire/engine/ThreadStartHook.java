package io.tickwire.engine;

/**
 * Called on each thread Tickwire starts (orchestrator, workers, aggregator, listener threads, the server's event
 * loops), on that thread, before it does any work, with the thread's name: the one seam where a CPU layout pins
 * threads to CPUs. Must not block; a hook that throws fails the thread's stage.
 */
@FunctionalInterface
public interface ThreadStartHook {
    /** Does nothing. */
    ThreadStartHook NONE = name -> {
    };

    void onStart(String threadName);
}
