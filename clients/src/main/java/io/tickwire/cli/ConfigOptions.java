package io.tickwire.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --config FILE}, {@code --set KEY=VALUE} and {@code --log-format}: the flags every command that reads
 * {@code tickwire.yaml} shares (serve, run, demo, config, doctor). A command adds its own flags for keys with
 * {@link #flag}; then {@link #resolve()} gives the effective configuration.
 */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE",
        description = "Configuration file (default $TICKWIRE_CONFIG, else $TICKWIRE_HOME/conf/tickwire.yaml if any).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "Set any configuration key, e.g. --set journal.retain=7d (wins over file and environment).")
    List<String> set = new ArrayList<>();

    @Option(names = "--log-format", paramLabel = "text|json", description = "Log lines as text or JSON (log.format).")
    String logFormat;

    private final Map<ConfigKey, TickwireConfig.Value> flags = new LinkedHashMap<>();

    /** A command's own flag for {@code key}, when given ({@code text} not null). */
    ConfigOptions flag(final ConfigKey key, final String flagName, final Object text) {
        if (text != null) {
            flags.put(key, new TickwireConfig.Value(text.toString(), "flag " + flagName));
        }
        return this;
    }

    /** The commands' own flags given so far, by key. */
    Map<ConfigKey, TickwireConfig.Value> flags() {
        return flags;
    }

    TickwireConfig resolve() throws BadInputException {
        final Map<ConfigKey, TickwireConfig.Value> all = new LinkedHashMap<>();
        for (final String s : set) {
            final int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new BadInputException("--set wants KEY=VALUE, got '" + s + "'");
            }
            final ConfigKey key = ConfigKey.of(s.substring(0, eq).trim());
            if (key == null) {
                throw new BadInputException("--set: unknown configuration key '" + s.substring(0, eq).trim()
                    + "' (see tickwire config)");
            }
            all.put(key, new TickwireConfig.Value(s.substring(eq + 1).trim(), "flag --set"));
        }
        all.putAll(flags);
        if (logFormat != null) {
            all.put(ConfigKey.LOG_FORMAT, new TickwireConfig.Value(logFormat, "flag --log-format"));
        }
        final TickwireConfig config = TickwireConfig.resolve(file, System.getenv(), all);
        Logging.configure(config.text(ConfigKey.LOG_FORMAT), config.text(ConfigKey.LOG_LEVEL));
        return config;
    }
}
