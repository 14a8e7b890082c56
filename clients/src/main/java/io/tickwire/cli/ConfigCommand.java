package io.tickwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;

/**
 * {@code tickwire config}: the effective configuration, every key with its value and where it came from
 * ({@code default}, {@code <file>:<line>}, {@code env TICKWIRE_...}, {@code flag --set}); secrets masked. A bad value
 * exits 2 naming the key (and the file's line).
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Print the effective configuration and where each value came from.",
        "Precedence: defaults < tickwire.yaml < TICKWIRE_* environment < flags."})
final class ConfigCommand extends CliCommand {
    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Option(names = "--json", description = "One JSON object: {\"file\", \"settings\": {key: {value, origin}}}.")
    boolean json;

    @Override
    protected int execute() throws Exception {
        final TickwireConfig cfg = config.resolve();
        final Map<String, String[]> rows = cfg.describe();
        if (json) {
            final ObjectMapper mapper = new ObjectMapper();
            final ObjectNode root = mapper.createObjectNode();
            root.put("file", cfg.file() == null ? null : cfg.file().toString());
            final ObjectNode settings = root.putObject("settings");
            rows.forEach((k, v) -> settings.putObject(k).put("value", v[0]).put("origin", v[1]));
            out().println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else {
            out().println("# configuration file: " + (cfg.file() == null ? "none" : cfg.file()));
            int width = 0;
            for (final Map.Entry<String, String[]> e : rows.entrySet()) {
                width = Math.max(width, e.getKey().length() + 3 + e.getValue()[0].length());
            }
            for (final Map.Entry<String, String[]> e : rows.entrySet()) {
                final String left = e.getKey() + " = " + e.getValue()[0];
                out().println(left + " ".repeat(width - left.length() + 2) + "# " + e.getValue()[1]);
            }
        }
        out().flush();
        return OK;
    }
}
