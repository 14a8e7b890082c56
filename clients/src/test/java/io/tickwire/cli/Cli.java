package io.tickwire.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.Consumer;

/** Runs the CLI in-process the way a test can see it: exit code, stdout and stderr. */
final class Cli {
    private Cli() {
    }

    record Result(int code, String out, String err) {
        /** The stderr lines, without the trailing empty one. */
        String[] errLines() {
            return err.isEmpty() ? new String[0] : err.split("\\R");
        }
    }

    static Result execute(final String... args) {
        return execute(new CommandLine(new TickwireCli()), args);
    }

    static Result execute(final CommandLine cmd, final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        final int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** As {@link #execute(String...)}, but stderr also goes to {@code errLines} line by line as it is printed. */
    static Result execute(final Consumer<String> errLines, final String... args) {
        return execute(new CommandLine(new TickwireCli()), errLines, args);
    }

    /** As {@link #execute(Consumer, String...)} on a command line the caller prepared. */
    static Result execute(final CommandLine cmd, final Consumer<String> errLines, final String... args) {
        final StringWriter out = new StringWriter();
        final StringBuilder err = new StringBuilder();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(new LineWriter(err, errLines), true));
        final int code = cmd.execute(args);
        synchronized (err) {
            return new Result(code, out.toString(), err.toString());
        }
    }

    /** Hands each complete line to a consumer as soon as it is written. */
    private static final class LineWriter extends java.io.Writer {
        private final StringBuilder all;
        private final Consumer<String> lines;
        private final StringBuilder line = new StringBuilder();

        LineWriter(final StringBuilder all, final Consumer<String> lines) {
            this.all = all;
            this.lines = lines;
        }

        @Override
        public void write(final char[] buf, final int off, final int len) {
            synchronized (all) {
                all.append(buf, off, len);
                for (int i = off; i < off + len; i++) {
                    if (buf[i] == '\n') {
                        lines.accept(line.toString());
                        line.setLength(0);
                    } else if (buf[i] != '\r') {
                        line.append(buf[i]);
                    }
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
