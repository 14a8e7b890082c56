package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;

import java.nio.file.Path;

/**
 * Child process of {@link ServedDiskFullTest}: a server journaling what is POSTed to it under {@code args[0]} (a small
 * filesystem), keeping {@code args[1]} bytes free, and running one unjournaled run of its own; it prints
 * {@code port=<port>}, then serves until its stdin closes.
 */
public final class DiskFullServer {
    private DiskFullServer() {
    }

    public static void main(final String[] args) throws Exception {
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0).journalRoot(Path.of(args[0]))
            .journalMinFreeBytes(Long.parseLong(args[1])))) {
            server.registry().launch(DiagramLoader.parse(TestSupport.TWO_SERVICES), new Simulation.Context(),
                (Path)null);
            System.out.println("port=" + server.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the test closes our stdin
            }
        }
    }
}
