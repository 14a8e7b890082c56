package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** tickwire.yaml: defaults < file < TICKWIRE_* < flags, each value's origin, and bad values named by key and line. */
class ConfigTest {
    @TempDir
    Path tmp;

    @Test
    void shouldTakeEachValueFromTheStrongestSourceAndSayWhichItWas() throws Exception {
        final Path file = Files.writeString(tmp.resolve("tickwire.yaml"), String.join("\n",
            "server:",
            "  port: 9000",
            "  bind: 127.0.0.2",
            "journal:",
            "  retain: 7d",
            "layout:",
            "  workers:",
            "    cpus: [2, 3]",
            ""));
        final TickwireConfig cfg = TickwireConfig.resolve(file,
            Map.of("TICKWIRE_SERVER_PORT", "9100", "TICKWIRE_JOURNAL_ROLL_CYCLE", "HOURLY"),
            Map.of(ConfigKey.SERVER_BIND, new TickwireConfig.Value("127.0.0.3", "flag --bind")));
        assertThat(cfg.integer(ConfigKey.SERVER_PORT)).isEqualTo(9100);
        assertThat(cfg.origin(ConfigKey.SERVER_PORT)).isEqualTo("env TICKWIRE_SERVER_PORT");
        assertThat(cfg.text(ConfigKey.SERVER_BIND)).isEqualTo("127.0.0.3");
        assertThat(cfg.origin(ConfigKey.SERVER_BIND)).isEqualTo("flag --bind");
        assertThat(cfg.text(ConfigKey.JOURNAL_RETAIN)).isEqualTo("7d");
        assertThat(cfg.origin(ConfigKey.JOURNAL_RETAIN)).isEqualTo(file.toAbsolutePath() + ":5");
        assertThat(cfg.text(ConfigKey.JOURNAL_ROLL_CYCLE)).isEqualTo("HOURLY");
        assertThat(cfg.cpus(ConfigKey.LAYOUT_WORKERS_CPUS)).isEqualTo(CpuSet.of(2, 3));
        assertThat(cfg.origin(ConfigKey.LAYOUT_WORKERS_CPUS)).isEqualTo(file.toAbsolutePath() + ":8");
        assertThat(cfg.text(ConfigKey.LAYOUT_WORKERS_WAIT)).isEqualTo("blocking");
        assertThat(cfg.origin(ConfigKey.LAYOUT_WORKERS_WAIT)).isEqualTo("default");
    }

    @Test
    void shouldPrintEveryKeyWithItsOrigin() throws Exception {
        final Path file = Files.writeString(tmp.resolve("t.yaml"), "server:\n  port: 8181\n  token: secret-token-0123456789\n");
        final Cli.Result r = Cli.execute("config", "--config", file.toString(), "--set", "journal.retain=10GB");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("server.port = 8181").contains("# " + file.toAbsolutePath() + ":2")
            .contains("journal.retain = 10GB").contains("# flag --set")
            .contains("server.token = ********").doesNotContain("secret-token");
        final Cli.Result json = Cli.execute("config", "--config", file.toString(), "--json");
        final JsonNode settings = new ObjectMapper().readTree(json.out()).get("settings");
        for (final ConfigKey k : ConfigKey.values()) {
            assertThat(settings.has(k.key)).as(k.key).isTrue();
        }
        assertThat(settings.get("server.port").get("origin").asText()).isEqualTo(file.toAbsolutePath() + ":2");
    }

    @Test
    void shouldExitTwoNamingTheKeyAndTheLineOfABadValue() throws Exception {
        final Path file = Files.writeString(tmp.resolve("bad.yaml"), "server:\n  bind: 127.0.0.1\n  port: 80a\n");
        final Cli.Result r = Cli.execute("config", "--config", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("tickwire: server.port: must be an integer in 0..65535, got '80a' ("
            + file.toAbsolutePath() + ":3)");

        final Path unknown = Files.writeString(tmp.resolve("unknown.yaml"), "server:\n  prot: 80\n");
        final Cli.Result u = Cli.execute("serve", "--config", unknown.toString());
        assertThat(u.code()).isEqualTo(2);
        assertThat(u.err()).startsWith("tickwire: unknown configuration key 'server.prot' (" + unknown.toAbsolutePath()
            + ":2)");

        final Cli.Result wait = Cli.execute("config", "--set", "layout.workers.wait=spin");
        assertThat(wait.code()).isEqualTo(2);
        assertThat(wait.err()).contains("layout.workers.wait: must be one of blocking, sleeping, yielding, busy-spin, "
            + "got 'spin' (flag --set)");
        final Cli.Result retain = Cli.execute("config", "--set", "journal.retain=forever");
        assertThat(retain.code()).isEqualTo(2);
        assertThat(retain.err()).startsWith("tickwire: journal.retain: ");
    }

    @Test
    void shouldGiveTheServerItsLimitsAndAllowedHostsAndOriginsFromTheFile() throws Exception {
        final Path file = Files.writeString(tmp.resolve("limits.yaml"), String.join("\n",
            "server:",
            "  port: 0",
            "  allowedHosts: [tickwire.example, proxy.example:8443]",
            "  allowedOrigins: https://dash.example",
            "journal:",
            "  dir: " + tmp.resolve("journals"),
            "  minFree: 8MB",
            "limits:",
            "  maxRuns: 3",
            "  maxConnections: 50",
            "  idleTimeout: 5s",
            "  requestTimeout: 1500ms",
            "  maxDiagramBytes: 64KB",
            "  maxVisitsPerSecond: 1e6",
            "  maxPendingEvents: 10000",
            ""));
        try (io.tickwire.transport.FeedServer server = ServeCommand.startServer(TickwireConfig.resolve(file, Map.of(),
            Map.of()))) {
            final io.tickwire.transport.FeedServer.Context ctx = server.context();
            assertThat(ctx.allowedHosts()).containsExactly("tickwire.example", "proxy.example:8443");
            assertThat(ctx.allowedOrigins()).containsExactly("https://dash.example");
            assertThat(ctx.journalMinFreeBytes()).isEqualTo(8L << 20);
            assertThat(ctx.maxRuns()).isEqualTo(3);
            assertThat(ctx.maxConnections()).isEqualTo(50);
            assertThat(ctx.idleTimeoutMs()).isEqualTo(5_000);
            assertThat(ctx.requestTimeoutMs()).isEqualTo(1_500);
            assertThat(ctx.diagramLimits()).isEqualTo(new io.tickwire.engine.diagram.DiagramLimits(64L << 10, 1e6,
                10_000));
        }
        // The defaults are the documented ones.
        final TickwireConfig defaults = TickwireConfig.resolve(null, Map.of(), Map.of());
        assertThat(defaults.diagramLimits()).isEqualTo(io.tickwire.engine.diagram.DiagramLimits.DEFAULT);
        assertThat(defaults.bytes(ConfigKey.JOURNAL_MIN_FREE)).isEqualTo(io.tickwire.journal.JournalWriter
            .DEFAULT_MIN_FREE_BYTES);
        assertThat(defaults.integer(ConfigKey.LIMITS_MAX_RUNS))
            .isEqualTo(io.tickwire.transport.FeedServer.Context.DEFAULT_MAX_RUNS);
        assertThat(defaults.integer(ConfigKey.LIMITS_MAX_CONNECTIONS))
            .isEqualTo(io.tickwire.transport.FeedServer.Context.DEFAULT_MAX_CONNECTIONS);
        assertThat(defaults.millis(ConfigKey.LIMITS_IDLE_TIMEOUT))
            .isEqualTo(io.tickwire.transport.FeedServer.Context.DEFAULT_IDLE_TIMEOUT_MS);
        assertThat(defaults.millis(ConfigKey.LIMITS_REQUEST_TIMEOUT))
            .isEqualTo(io.tickwire.transport.FeedServer.Context.DEFAULT_REQUEST_TIMEOUT_MS);

        final Cli.Result idle = Cli.execute("config", "--set", "limits.idleTimeout=forever");
        assertThat(idle.code()).isEqualTo(2);
        assertThat(idle.err()).startsWith("tickwire: limits.idleTimeout: ");
        final Cli.Result minFree = Cli.execute("run", "--set", "journal.minFree=1MB", "--no-serve", "--ticks", "1",
            "../examples/mm1.yaml", "--journal", tmp.resolve("j").toString());
        assertThat(minFree.code()).isEqualTo(2);
        assertThat(minFree.err()).startsWith("tickwire: journal.minFree (flag --set): minFreeBytes must be at least");
    }

    @Test
    void shouldListEveryKeyAndItsVariableInTheDocs() throws Exception {
        final String doc = Files.readString(Paths.get("../docs/configuration.md"), StandardCharsets.UTF_8);
        for (final ConfigKey k : ConfigKey.values()) {
            assertThat(doc).as(k.key).contains("| `" + k.key + "` | `" + k.env() + "` | "
                + (k.defaultText.isEmpty() ? "—" : "`" + k.defaultText + "`") + " |");
        }
        assertThat(ConfigKey.SERVER_TLS_PRIVATE_KEY.env()).isEqualTo("TICKWIRE_SERVER_TLS_PRIVATE_KEY");
        assertThat(ConfigKey.DATA_DIR.env()).isEqualTo(DataDirectory.ENV);
    }

    @Test
    void shouldParseAndWriteCpuSetsAsLinuxDoes() {
        assertThat(CpuSet.parse("0-3,8,10-11").toString()).isEqualTo("0-3,8,10-11");
        assertThat(CpuSet.parse("3, 1,2").cpus()).containsExactly(1, 2, 3);
    }
}
