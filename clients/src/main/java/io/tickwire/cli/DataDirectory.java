package io.tickwire.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Where Tickwire writes what no flag places, outside any source folder: {@code $TICKWIRE_DATA_DIR} when set, else
 * {@code $XDG_DATA_HOME/tickwire}, else {@code ~/.local/share/tickwire}. Runs started without {@code --journal}
 * ({@code run}, {@code demo}) and runs POSTed to {@code /simulations} journal under {@code <data>/journals/}.
 * The one place that decides this default, the default of {@code data.dir} ({@link TickwireConfig}, which puts
 * {@code journal.dir} under it); {@code --journal} still wins.
 */
final class DataDirectory {
    static final String ENV = "TICKWIRE_DATA_DIR";
    static final String JOURNALS = "journals";
    /** Said in the CLI help, the one-line form of this class's rule. */
    static final String DESCRIPTION = "$" + ENV + ", else $XDG_DATA_HOME/tickwire, else ~/.local/share/tickwire";

    private DataDirectory() {
    }

    /** The data directory of this process (absolute). */
    static Path root() {
        return root(System.getenv(), System.getProperty("user.home"));
    }

    /** The data directory given an environment and a home directory. */
    static Path root(final Map<String, String> env, final String userHome) {
        final String dir = env.get(ENV);
        if (dir != null && !dir.isBlank()) {
            return Paths.get(dir).toAbsolutePath().normalize();
        }
        // The XDG spec: a relative XDG_DATA_HOME is invalid and ignored.
        final String xdg = env.get("XDG_DATA_HOME");
        final Path base = xdg != null && !xdg.isBlank() && Paths.get(xdg).isAbsolute()
            ? Paths.get(xdg) : Paths.get(userHome, ".local", "share");
        return base.resolve("tickwire").toAbsolutePath().normalize();
    }
}
