package io.tickwire.cli;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.DiagramLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a diagram file, turning every way it can be wrong into a {@link BadInputException} that names it. */
final class Diagrams {
    private Diagrams() {
    }

    static Diagram load(final Path file) throws BadInputException {
        return load(file, DiagramLimits.DEFAULT);
    }

    /** As {@link #load(Path)}, within {@code limits} (limits.* of the configuration). */
    static Diagram load(final Path file, final DiagramLimits limits) throws BadInputException {
        if (!Files.exists(file)) {
            throw new BadInputException("no such file: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("not a diagram file: " + file);
        }
        try {
            // Its size is checked before it is read, its bytes as strict UTF-8: as POST /simulations does.
            return DiagramLoader.load(file, limits);
        } catch (final DiagramException ex) {
            throw new BadInputException(file + ": " + ex.getMessage(), ex);
        } catch (final IOException ex) {
            throw new BadInputException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }
}
