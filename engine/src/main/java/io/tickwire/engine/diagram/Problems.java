package io.tickwire.engine.diagram;

import java.util.ArrayList;
import java.util.List;

/**
 * The one collector of a diagram's problems, each {@code path: what is wrong}, in the order they were found. Every
 * reader reports here (as SBE's element parsers report to one {@code ErrorHandler}) and goes on reading, so that a
 * user sees all the problems of a diagram at once; the loader throws them together between phases.
 */
final class Problems {
    private final List<String> problems = new ArrayList<>();

    void add(final String path, final String what) {
        problems.add(path + ": " + what);
    }

    /** @return a mark for {@link #noneSince}: whether a part of the diagram read after it was refused. */
    int mark() {
        return problems.size();
    }

    boolean noneSince(final int mark) {
        return problems.size() == mark;
    }

    void throwIfAny() throws DiagramException {
        if (!problems.isEmpty()) {
            throw new DiagramException(problems);
        }
    }
}
