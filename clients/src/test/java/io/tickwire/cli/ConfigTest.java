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
