package io.tickwire.cli;

import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.client.TickFormatter;
import io.tickwire.sbe.ErrorCode;
import org.agrona.DirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.CountDownLatch;

@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Print each tick of a feed as one JSON line, e.g. tickwire tail ws://127.0.0.1:8080/feed.",
        "Ends after --count ticks or when the simulation ends."})
final class TailCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "URL", description = "The feed: ws://host:port/feed")
    String url;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N ticks.")
    Long count;

    @Option(names = "--sim", paramLabel = "ID", description = "The simulation to follow (default: the latest).")
    Long simulationId;

    @Override
    protected int execute() throws Exception {
        if (count != null && count < 1) {
            throw new BadInputException("--count must be >= 1, got " + count);
        }
        final URI uri = uri();
        final Printer printer = new Printer(out(), count == null ? Long.MAX_VALUE : count);
        final FeedClient client;
        try {
            client = FeedClient.connect(uri, printer);
        } catch (final IOException ex) {
            return fail(FAILURE, ex.getMessage());
        }
        try {
            printer.done.await();
        } finally {
            client.close();
        }
        if (printer.serverError != null) {
            return fail(printer.serverErrorCode == ErrorCode.INTERNAL.value() ? FAILURE : BAD_INPUT,
                "server error: " + printer.serverError);
        }
        if (printer.closedEarly != null) {
            return fail(FAILURE, "connection closed: " + printer.closedEarly);
        }
        return OK;
    }

    private URI uri() throws BadInputException {
        try {
            URI uri = new URI(url);
            if (!"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new BadInputException("not a feed URL (ws://host:port/feed): " + url);
            }
            if (simulationId != null) {
                final String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/feed" : uri.getPath();
                final String query = (uri.getQuery() == null ? "" : uri.getQuery() + "&") + "sim=" + simulationId;
                uri = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), path, query, null);
            }
            return uri;
        } catch (final URISyntaxException ex) {
            throw new BadInputException("bad URL " + url + ": " + ex.getMessage(), ex);
        }
    }

    /** Prints on the client's event-loop thread; the command's thread waits on {@link #done}. */
    private static final class Printer implements FeedListener {
        final CountDownLatch done = new CountDownLatch(1);
        private final PrintWriter out;
        private final long limit;
        private final TickFormatter formatter = new TickFormatter();
        private final StringBuilder line = new StringBuilder(1024);
        private long printed;
        volatile String closedEarly;
        volatile String serverError;
        volatile int serverErrorCode;

        Printer(final PrintWriter out, final long limit) {
            this.out = out;
            this.limit = limit;
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            formatter.catalog(buffer, offset, length);
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            if (printed >= limit) {
                return;
            }
            line.setLength(0);
            formatter.format(buffer, offset, length, line);
            out.append(line).append('\n');
            // checkError() flushes; true once stdout is gone (piped into head): nobody reads, so stop. picocli's
            // writer wraps System.out, a PrintStream that keeps write errors to itself: ask it too.
            if (out.checkError() || System.out.checkError() || ++printed == limit) {
                done.countDown();
            }
        }

        @Override
        public void onEnd(final long lastSequence) {
            done.countDown();
        }

        @Override
        public void onError(final int code, final String text) {
            serverErrorCode = code;
            serverError = text;
            done.countDown();
        }

        @Override
        public void onClose(final int statusCode, final String reason) {
            if (done.getCount() > 0) {
                closedEarly = statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason);
                done.countDown();
            }
        }
    }
}
