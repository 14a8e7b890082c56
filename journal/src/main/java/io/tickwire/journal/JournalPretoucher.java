package io.tickwire.journal;

import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.core.io.ReferenceOwner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Touches the journal's next pages ahead of its writer, on a thread of its own, so that an append does not take the
 * page faults of fresh pages of the memory-mapped cycle file (block allocation, zeroing, and mapping the page into
 * the writer's address space: what made a 100-service tick's append p99 hundreds of µs; bench/README). Chronicle
 * Queue's own pretoucher is an Enterprise feature (the open-source build's {@code PretouchUtil} finds none, and
 * {@code ExcerptAppender.pretouch()} does nothing), so this is the equivalent.
 * <pre>
 *  writer thread ──append──► cycle file, mapped by the queue in chunks ({@link MappedFile})
 *      │ after each append: the cycle's MappedFile (when it changes) and the position (one ordered store)
 *      ▼
 *  tw-pretouch-N ──every 100 µs: pages [position, position + ahead), each touched once by an atomic
 *                  compare-and-set of 0 with 0, through the queue's own chunk mapping (reserved while in use)
 * </pre>
 * Through the queue's own mapping, so that the touch also fills the writer's page tables (same process, same
 * addresses): the writer then finds its pages present. The compare-and-set stores only what is there, atomically,
 * so it cannot lose a byte the writer writes; a chunk is reserved (reference counted) while it is touched, so it
 * stays mapped. Touching ahead into the next chunk maps it early, as Chronicle's pretoucher does.
 */
final class JournalPretoucher implements AutoCloseable {
    static final long DEFAULT_AHEAD_BYTES = 4L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(JournalPretoucher.class);
    private static final int PAGE = 4096;
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private final long aheadBytes;
    private final ReferenceOwner owner;
    private final AtomicLong writerPosition = new AtomicLong(-1);
    private final AtomicLong pagesTouched = new AtomicLong();
    private final Thread thread;
    private volatile MappedFile writerFile; // the writer's cycle file: set by the writer when it changes
    private volatile boolean running = true;

    // tw-pretouch only
    private MappedFile file;
    private MappedBytesStore store;
    private long touchedUpTo;

    JournalPretoucher(final long aheadBytes, final String name) {
        this.aheadBytes = aheadBytes;
        this.owner = ReferenceOwner.temporary(name);
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Writer thread: the cycle file appended to, and the position in it after an append. */
    void writerAt(final MappedFile cycleFile, final long position) {
        if (cycleFile != writerFile) {
            writerFile = cycleFile;
        }
        writerPosition.lazySet(position);
    }

    /** Pages touched so far (any thread). */
    long pagesTouched() {
        return pagesTouched.get();
    }

    private void run() {
        try {
            while (running) {
                if (touchAhead() == 0) {
                    LockSupport.parkNanos(IDLE_NS);
                }
            }
        } catch (final Exception ex) {
            if (running) {
                LOG.warn("journal pretoucher {} stopped: {}", thread.getName(), ex.toString());
            }
        } finally {
            release();
        }
    }

    /** @return pages touched by this pass. */
    private int touchAhead() throws Exception {
        final MappedFile current = writerFile;
        final long position = writerPosition.get();
        if (current == null || position < 0) {
            return 0;
        }
        if (current != file) {
            release(); // a roll: the new cycle, from the writer's position
            file = current;
            touchedUpTo = 0;
        }
        final long end = position + aheadBytes;
        long page = Math.max(touchedUpTo, position & -PAGE);
        int touched = 0;
        for (; page < end && running; page += PAGE) {
            if (store == null || !store.inside(page, Integer.BYTES)) {
                release();
                store = file.acquireByteStore(owner, page);
            }
            store.compareAndSwapInt(page, 0, 0);
            touched++;
        }
        touchedUpTo = Math.max(touchedUpTo, page);
        if (touched > 0) {
            pagesTouched.addAndGet(touched);
        }
        return touched;
    }

    private void release() {
        if (store != null) {
            store.release(owner);
            store = null;
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
