package io.tickwire.engine.diagram;

import java.util.List;

/**
 * A diagram that cannot be run. The message names the field, e.g. {@code services[2].latency.mean: must be > 0}.
 */
public final class DiagramException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public DiagramException(final List<String> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public DiagramException(final String path, final String problem) {
        this(List.of(path.isEmpty() ? problem : path + ": " + problem));
    }

    /** Every problem found, each {@code path: what is wrong}. */
    public List<String> problems() {
        return problems;
    }

    private static String summary(final List<String> problems) {
        if (problems.isEmpty()) {
            return "invalid diagram";
        }
        return problems.size() == 1 ? problems.get(0) :
            problems.get(0) + " (and " + (problems.size() - 1) + " more)";
    }
}
