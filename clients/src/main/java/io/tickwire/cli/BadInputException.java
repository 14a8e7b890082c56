package io.tickwire.cli;

/** Input the user can fix (a file, a flag, a diagram): exit 2 with the message as the one line on stderr. */
final class BadInputException extends Exception {
    private static final long serialVersionUID = 1L;

    BadInputException(final String message) {
        super(message);
    }

    BadInputException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
