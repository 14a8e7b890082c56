package io.tickwire.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * The log format and level from the configuration ({@code log.format}, {@code log.level}), applied to logback at
 * start-up: text lines as logback.xml has them, or one JSON object a line (logback's own {@link JsonEncoder}), on
 * stderr either way (stdout carries data). Tickwire logs lifecycle events only (server up, run started, run ended,
 * stopping, stopped); nothing on a hot path.
 */
final class Logging {
    static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    private Logging() {
    }

    static void configure(final String format, final String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding: leave it alone
        }
        final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        final Encoder<ILoggingEvent> encoder;
        if ("json".equals(format)) {
            final JsonEncoder json = new JsonEncoder();
            json.setContext(context);
            // The message as read, not its template and arguments; the logger context is the same on every line.
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithContext(false);
            encoder = json;
        } else {
            final PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setContext(context);
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        }
        encoder.start();
        final ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        context.getLogger("io.tickwire").setLevel(Level.toLevel(level, Level.INFO));
    }
}
