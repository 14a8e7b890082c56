package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.transport.FeedServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code tickwire edit SIMULATION PATCH}: a live edit of a served run, as {@code PATCH /simulations/{id}} (a JSON
 * merge patch on its diagram, from a YAML or JSON file, {@code -} for stdin); {@code --fault FILE} adds a fault
 * ({@code POST .../faults}), {@code --end-fault N} ends one ({@code DELETE .../faults/N}).
 * <pre>
 *   $ tickwire edit 1 bounds.yaml
 *   edit 1 of simulation 1 takes effect at tick 312 (15.600s)
 * </pre>
 * {@code SIMULATION} is a run's id on the server {@code --server} (default {@code http://127.0.0.1:8080}), or its URL
 * ({@code http://host:port/simulations/1}). Exit 0 once applied; 2 for a refused edit (every problem, each with its
 * field path, on stderr), an unknown run or one that has ended; 1 if the server cannot be reached.
 */
@Command(name = "edit", mixinStandardHelpOptions = true,
    description = {"Edit a running simulation: a JSON merge patch on its diagram (replicas, latency, failureRate, "
        + "load rates, autoscale, faults), or add or end a fault. Prints the tick it takes effect at."})
final class EditCommand extends CliCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Parameters(index = "0", paramLabel = "SIMULATION", description = "A run's id, or its URL (http://host:port/"
        + "simulations/ID).")
    String simulation;

    @Parameters(index = "1", paramLabel = "PATCH", arity = "0..1",
        description = "A merge patch on the diagram (YAML or JSON file; - for stdin).")
    String patch;

    @Option(names = "--fault", paramLabel = "FILE", description = "Add the fault in FILE (as in the diagram's "
        + "faults; at optional: now).")
    String fault;

    @Option(names = "--end-fault", paramLabel = "N", description = "End fault N (the diagram's are 0, 1, ...).")
    Integer endFault;

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:" + FeedServer.Context.DEFAULT_PORT,
        description = "The server of a run given by id (default ${DEFAULT-VALUE}).")
    String server;

    @Override
    protected int execute() throws Exception {
        if ((patch != null ? 1 : 0) + (fault != null ? 1 : 0) + (endFault != null ? 1 : 0) != 1) {
            throw new BadInputException("give one of a PATCH file, --fault FILE or --end-fault N");
        }
        final URI run = runUri();
        final HttpRequest request;
        if (endFault != null) {
            request = request(run.resolve(run.getPath() + "/faults/" + endFault), "DELETE", null);
        } else if (fault != null) {
            request = request(run.resolve(run.getPath() + "/faults"), "POST", json(fault));
        } else {
            request = request(run, "PATCH", json(patch));
        }
        final HttpResponse<String> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (final ConnectException ex) {
            return fail(FAILURE, "cannot reach " + run + ": " + ex.getMessage());
        }
        final JsonNode body = parse(response.body());
        if (response.statusCode() == 200) {
            out().printf(Locale.ROOT, "edit %d of simulation %d takes effect at tick %d (%.3fs)%s%n",
                body.path("editId").asInt(), body.path("simulationId").asLong(), body.path("tick").asLong(),
                body.path("simTimeNs").asLong() / 1e9,
                body.has("faultId") ? ": fault " + body.get("faultId").asInt() : "");
            out().flush();
            return OK;
        }
        final String error = body.path("error").asText("HTTP " + response.statusCode());
        if (body.has("problems") && body.get("problems").size() > 1) {
            for (final JsonNode problem : body.get("problems")) {
                err().println("  " + problem.asText());
            }
        }
        return fail(response.statusCode() >= 500 ? FAILURE : BAD_INPUT, error);
    }

    private URI runUri() throws BadInputException {
        if (simulation.startsWith("http://") || simulation.startsWith("https://")) {
            final URI uri = URI.create(simulation);
            if (!uri.getPath().matches("/simulations/\\d+/?")) {
                throw new BadInputException("a run's URL is http://host:port/simulations/ID, got " + simulation);
            }
            return uri.resolve(uri.getPath().replaceAll("/$", ""));
        }
        if (!simulation.matches("\\d+")) {
            throw new BadInputException("SIMULATION must be a run's id or URL, got '" + simulation + "'");
        }
        return URI.create(server.replaceAll("/$", "") + "/simulations/" + simulation);
    }

    /** The file's YAML or JSON, as JSON text (validated as a diagram's by the server). */
    private String json(final String file) throws BadInputException, IOException {
        final String text = "-".equals(file) ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
            : readFile(Path.of(file));
        try {
            return DiagramLoader.tree(text).toString();
        } catch (final DiagramException ex) {
            throw new BadInputException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static String readFile(final Path path) throws BadInputException, IOException {
        if (!Files.isRegularFile(path)) {
            throw new BadInputException("no such file: " + path);
        }
        return Files.readString(path, StandardCharsets.UTF_8);
    }

    private static HttpRequest request(final URI uri, final String method, final String body) {
        return HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "PATCH".equals(method) ? "application/merge-patch+json" : "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body))
            .build();
    }

    private static JsonNode parse(final String body) {
        try {
            return JSON.readTree(body);
        } catch (final IOException ex) {
            return JSON.createObjectNode().put("error", body);
        }
    }
}
