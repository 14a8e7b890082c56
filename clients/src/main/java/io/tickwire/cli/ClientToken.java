package io.tickwire.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The bearer token a client command sends to a server: {@code --token-file FILE}, else {@code $TICKWIRE_TOKEN}. */
final class ClientToken {
    static final String ENV = "TICKWIRE_TOKEN";

    private ClientToken() {
    }

    /** @return the token, or null if neither the file nor the variable gives one. */
    static String read(final Path tokenFile) throws BadInputException {
        if (tokenFile != null) {
            try {
                return Files.readAllLines(tokenFile, StandardCharsets.UTF_8).get(0).trim();
            } catch (final IOException | IndexOutOfBoundsException ex) {
                throw new BadInputException("--token-file: cannot read a token from " + tokenFile, ex);
            }
        }
        final String env = System.getenv(ENV);
        return env == null || env.isBlank() ? null : env.trim();
    }
}
