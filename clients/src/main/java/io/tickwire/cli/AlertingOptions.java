package io.tickwire.cli;

import io.tickwire.transport.alerting.AlertNotifier;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --alertmanager URL} and {@code --alert-webhook URL} (each repeatable): the flags of {@code alerting.*} for
 * the commands that run something (run, demo, serve, observe); and the notifier the configuration asks for.
 */
final class AlertingOptions {
    @Option(names = "--alertmanager", paramLabel = "URL",
        description = "Post the runs' alerts to this Alertmanager (API v2; repeatable): alerting.alertmanagers.")
    List<String> alertmanagers = new ArrayList<>();

    @Option(names = "--alert-webhook", paramLabel = "URL",
        description = "Post the runs' alert changes to this webhook, in Alertmanager's format (repeatable): "
            + "alerting.webhooks.")
    List<String> webhooks = new ArrayList<>();

    /** {@code config} with these flags, when given (they replace the key's value, as any flag does). */
    ConfigOptions applyTo(final ConfigOptions config) {
        return config
            .flag(ConfigKey.ALERTING_ALERTMANAGERS, "--alertmanager",
                alertmanagers.isEmpty() ? null : String.join(",", alertmanagers))
            .flag(ConfigKey.ALERTING_WEBHOOKS, "--alert-webhook",
                webhooks.isEmpty() ? null : String.join(",", webhooks));
    }

    /**
     * The notifier {@code alerting.*} configures, started; null when it names no Alertmanager and no webhook. The
     * runs' rule tables: none yet (alerts are named by their AlertEvent).
     */
    static AlertNotifier notifier(final TickwireConfig cfg) throws BadInputException {
        final List<String> alertmanagers = cfg.list(ConfigKey.ALERTING_ALERTMANAGERS);
        final List<String> webhooks = cfg.list(ConfigKey.ALERTING_WEBHOOKS);
        if (alertmanagers.isEmpty() && webhooks.isEmpty()) {
            return null;
        }
        try {
            return AlertNotifier.start(new AlertNotifier.Context()
                .alertmanagers(alertmanagers)
                .webhooks(webhooks)
                .resendDelayMs(cfg.millis(ConfigKey.ALERTING_RESEND_DELAY))
                .requestTimeoutMs(cfg.millis(ConfigKey.ALERTING_TIMEOUT))
                .retryForMs(cfg.millis(ConfigKey.ALERTING_RETRY_FOR))
                .externalUrl(cfg.text(ConfigKey.ALERTING_EXTERNAL_URL)));
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("alerting: " + ex.getMessage(), ex);
        }
    }
}
