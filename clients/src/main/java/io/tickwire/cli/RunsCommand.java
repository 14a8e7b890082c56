package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code tickwire runs list|start|replay|stop --server URL}: a server's runs, over its REST API (what a program or
 * {@code curl} would do). The token comes from {@code --token-file} or {@code $TICKWIRE_TOKEN}; a server with a
 * self-signed certificate is trusted with {@code --cacert PEM}. Exit 0 and the server's JSON on stdout; exit 2 when the
 * server refuses (4xx, its error on stderr); exit 1 when it cannot be reached or fails (5xx).
 */
@Command(name = "runs", mixinStandardHelpOptions = true,
    description = "List, start, replay and stop the runs of a server (tickwire serve) over REST.",
    subcommands = {RunsCommand.List.class, RunsCommand.Start.class, RunsCommand.Replay.class,
        RunsCommand.Stop.class})
final class RunsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "a verb is required: list, start, replay, stop");
    }

    /** {@code --server}, {@code --token-file}, {@code --cacert}: how to reach a server. */
    static final class ServerOptions {
        @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "The server (default ${DEFAULT-VALUE}).")
        String server;

        @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the bearer token (default $TICKWIRE_TOKEN).")
        Path tokenFile;

        @Option(names = "--cacert", paramLabel = "PEM", description = "Trust this CA certificate (self-signed TLS).")
        Path caCertificate;
    }

    /** One request to the server; its JSON on stdout. */
    abstract static class Verb extends CliCommand {
        @Mixin
        ServerOptions server = new ServerOptions();

        int send(final String method, final String path, final Map<String, String> query, final byte[] body)
            throws Exception {
            final StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
            query.forEach((k, v) -> {
                if (v != null) {
                    q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
                }
            });
            final URI uri;
            try {
                uri = URI.create(server.server.replaceAll("/+$", "") + path + q);
            } catch (final IllegalArgumentException ex) {
                throw new BadInputException("--server: not a URL: " + server.server, ex);
            }
            final HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
            if (!"GET".equals(method)) {
                // What a web page cannot send cross-site unasked: the server refuses a simple type (or none) with 415.
                request.header("Content-Type", body == null ? "application/json" : "application/yaml");
            }
            final String token = ClientToken.read(server.tokenFile);
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            final HttpResponse<String> response;
            try {
                response = client().send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (final IOException ex) {
                return fail(FAILURE, "cannot reach " + uri + ": " + oneLine(ex));
            }
            if (response.statusCode() >= 400) {
                String reason = response.body();
                try {
                    final JsonNode error = new ObjectMapper().readTree(response.body()).path("error");
                    if (error.isTextual()) {
                        reason = error.asText();
                    }
                } catch (final IOException ex) {
                    // not JSON: the body as it is
                }
                return fail(response.statusCode() >= 500 ? FAILURE : BAD_INPUT,
                    "server answered " + response.statusCode() + ": " + reason);
            }
            out().println(response.body());
            out().flush();
            return OK;
        }

        private HttpClient client() throws Exception {
            final HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
            if (server.caCertificate != null) {
                final KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                try (InputStream in = Files.newInputStream(server.caCertificate)) {
                    int i = 0;
                    for (final Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        trust.setCertificateEntry("ca" + i++, c);
                    }
                } catch (final IOException | java.security.cert.CertificateException ex) {
                    throw new BadInputException("--cacert: cannot read " + server.caCertificate + ": "
                        + ex.getMessage(), ex);
                }
                final TrustManagerFactory tmf = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                final SSLContext ssl = SSLContext.getInstance("TLS");
                ssl.init(null, tmf.getTrustManagers(), null);
                b.sslContext(ssl);
            }
            return b.build();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The server's runs and replays (JSON).")
    static final class List extends Verb {
        @Override
        protected int execute() throws Exception {
            return send("GET", "/simulations", Map.of(), null);
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a run of a diagram on the server.")
    static final class Start extends Verb {
        @Parameters(index = "0", paramLabel = "DIAGRAM", description = "The diagram, YAML or JSON.")
        Path diagram;

        @Option(names = "--speed", paramLabel = "1|N|max") String speed;
        @Option(names = "--ticks", paramLabel = "N") String ticks;
        @Option(names = "--duration", paramLabel = "TIME") String duration;
        @Option(names = "--seed", paramLabel = "S") String seed;
        @Option(names = "--workers", paramLabel = "N") String workers;

        @Override
        protected int execute() throws Exception {
            final byte[] body;
            try {
                body = Files.readAllBytes(diagram);
            } catch (final IOException ex) {
                throw new BadInputException("cannot read diagram " + diagram + ": " + ex.getMessage(), ex);
            }
            final Map<String, String> q = new LinkedHashMap<>();
            q.put("speed", speed);
            q.put("ticks", ticks);
            q.put("duration", duration);
            q.put("seed", seed);
            q.put("workers", workers);
            return send("POST", "/simulations", q, body);
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a journal of the server's journal directory (by its name, e.g. sim-3-checkout).")
    static final class Replay extends Verb {
        @Parameters(index = "0", paramLabel = "JOURNAL") String journal;
        @Option(names = "--speed", paramLabel = "N|max") String speed;
        @Option(names = "--from", paramLabel = "TICK") String from;
        @Option(names = "--to", paramLabel = "TICK") String to;

        @Override
        protected int execute() throws Exception {
            final Map<String, String> q = new LinkedHashMap<>();
            q.put("journal", journal);
            q.put("speed", speed);
            q.put("from", from);
            q.put("to", to);
            return send("POST", "/replays", q, null);
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a run or replay; answers once it has ended.")
    static final class Stop extends Verb {
        @Parameters(index = "0", paramLabel = "ID") long id;

        @Override
        protected int execute() throws Exception {
            return send("POST", "/simulations/" + id + "/stop", Map.of(), null);
        }
    }
}
