package io.tickwire.journal;

import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Touches the journal's next pages ahead of its writer, on a thread of its own, so that an append does not take the
 * page fault of a fresh page of the memory-mapped cycle file (the block allocation and zeroing that made a
 * 100-service tick's append p99 hundreds of µs; bench/README). Chronicle Queue's own pretoucher is an Enterprise
 * feature (the open-source build's {@code PretouchUtil} finds none), so this is the equivalent.
 * <pre>
 *  writer thread ──append──► cycle file (mmap)      its position published after each append (one ordered store)
 *  tw-pretouch   ──every 100 µs: pages [position, position + ahead) of the newest cycle file, within its size,
 *                  touched once each by an atomic compare-and-set of 0 with 0 through a mapping of its own
 * </pre>
 * The compare-and-set writes nothing a writer could lose (it stores only what is there, atomically) yet faults the
 * page in for writing, so the page cache holds it, zeroed and backed by disk blocks, before the writer reaches it:
 * the writer's own fault is then a minor one. Nothing is touched beyond the file's size (Chronicle grows the file a
 * chunk at a time), so the file is never extended here.
 */
final class JournalPretoucher implements AutoCloseable {
    static final long DEFAULT_AHEAD_BYTES = 4L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(JournalPretoucher.class);
    private static final int PAGE = 4096;
    private static final long MAP_CHUNK = 16L * 1024 * 1024;
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long RELIST_NS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Path queueDir;
    private final long aheadBytes;
    private final AtomicLong writerPosition = new AtomicLong(-1);
    private final AtomicLong pagesTouched = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    // tw-pretouch only
    private Path file;
    private FileChannel channel;
    private MappedByteBuffer mapped;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long mappedStart = -1;
    private long mappedLength;
    private long touchedUpTo;
    private long lastListNs;

    JournalPretoucher(final Path queueDir, final long aheadBytes, final String name) {
        this.queueDir = queueDir;
        this.aheadBytes = aheadBytes;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Writer thread: the writer's position in its cycle file after an append. */
    void writerAt(final long position) {
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
        } catch (final IOException | RuntimeException ex) {
            LOG.warn("journal pretoucher of {} stopped: {}", queueDir, ex.toString());
        } finally {
            closeFile();
        }
    }

    /** @return pages touched by this pass. */
    int touchAhead() throws IOException {
        final long position = writerPosition.get();
        if (position < 0) {
            return 0;
        }
        final long now = System.nanoTime();
        if (file == null || now - lastListNs > RELIST_NS) {
            lastListNs = now;
            final Path newest = newestCycleFile();
            if (newest != null && !newest.equals(file)) {
                openFile(newest); // a roll: start from the writer's position in the new file
            }
            if (file == null) {
                return 0;
            }
        }
        final long size = channel.size();
        final long end = Math.min(size, position + aheadBytes);
        long page = Math.max(touchedUpTo, position & -PAGE);
        int touched = 0;
        for (; page < end; page += PAGE) {
            if (page < mappedStart || page >= mappedStart + mappedLength) {
                map(page & -MAP_CHUNK, size);
            }
            view.compareAndSetInt((int)(page - mappedStart), 0, 0);
            touched++;
        }
        touchedUpTo = Math.max(touchedUpTo, page);
        if (touched > 0) {
            pagesTouched.addAndGet(touched);
        }
        return touched;
    }

    private void map(final long start, final long size) throws IOException {
        mappedLength = Math.min(MAP_CHUNK, size - start);
        mapped = channel.map(FileChannel.MapMode.READ_WRITE, start, mappedLength);
        view.wrap(mapped);
        mappedStart = start;
    }

    private Path newestCycleFile() throws IOException {
        Path newest = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queueDir, "*.cq4")) {
            for (final Path f : files) {
                if (newest == null || f.getFileName().toString().compareTo(newest.getFileName().toString()) > 0) {
                    newest = f;
                }
            }
        }
        return newest;
    }

    private void openFile(final Path f) throws IOException {
        closeFile();
        file = f;
        channel = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        mappedStart = -1;
        mappedLength = 0;
        touchedUpTo = 0;
    }

    private void closeFile() {
        mapped = null;
        view.wrap(0, 0);
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException ex) {
                // closing a read-write channel of a file we never extended: nothing to lose
            }
            channel = null;
        }
        file = null;
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
