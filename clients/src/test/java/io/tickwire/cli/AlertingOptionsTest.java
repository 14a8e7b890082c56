package io.tickwire.cli;

import io.tickwire.transport.alerting.AlertNotifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** alerting.*: its defaults are the notifier's, its flags, and a bad URL named by key and origin. */
class AlertingOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void shouldDefaultToTheNotifiersOwnDefaultsAndNoNotifier() throws Exception {
        final TickwireConfig defaults = TickwireConfig.resolve(null, Map.of(), Map.of());
        assertThat(defaults.millis(ConfigKey.ALERTING_RESEND_DELAY))
            .isEqualTo(AlertNotifier.Context.DEFAULT_RESEND_DELAY_MS);
        assertThat(defaults.millis(ConfigKey.ALERTING_TIMEOUT))
            .isEqualTo(AlertNotifier.Context.DEFAULT_REQUEST_TIMEOUT_MS);
        assertThat(defaults.millis(ConfigKey.ALERTING_RETRY_FOR)).isEqualTo(AlertNotifier.Context.DEFAULT_RETRY_FOR_MS);
        assertThat(AlertingOptions.notifier(defaults)).isNull();
    }

    @Test
    void shouldTakeTheFlagsOverTheEnvironment() throws Exception {
        final AlertingOptions options = new AlertingOptions();
        options.alertmanagers = List.of("http://127.0.0.1:9093", "http://127.0.0.1:9094");
        final ConfigOptions config = options.applyTo(new ConfigOptions());
        final TickwireConfig cfg = TickwireConfig.resolve(null, Map.of("TICKWIRE_ALERTING_ALERTMANAGERS",
            "http://am.example:9093", "TICKWIRE_ALERTING_WEBHOOKS", "https://hooks.example/x"), config.flags());
        assertThat(cfg.list(ConfigKey.ALERTING_ALERTMANAGERS))
            .containsExactly("http://127.0.0.1:9093", "http://127.0.0.1:9094");
        assertThat(cfg.origin(ConfigKey.ALERTING_ALERTMANAGERS)).isEqualTo("flag --alertmanager");
        assertThat(cfg.list(ConfigKey.ALERTING_WEBHOOKS)).containsExactly("https://hooks.example/x");
        try (AlertNotifier notifier = AlertingOptions.notifier(cfg)) {
            assertThat(notifier.targets()).extracting(AlertNotifier.TargetStats::kind)
                .containsExactly("alertmanager", "alertmanager", "webhook");
        }
    }

    @Test
    void shouldRefuseANonHttpUrlNamingTheKeyAndTheFlag() throws Exception {
        final Cli.Result r = Cli.execute("run", "--no-serve", "--ticks", "1", "../examples/mm1.yaml", "--journal",
            tmp.resolve("j").toString(), "--alertmanager", "am:9093");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("tickwire: alerting.alertmanagers: URL: want an http:// or https:// URL with a "
            + "host, got 'am:9093' (flag --alertmanager)\n");
    }

    @Test
    void shouldRunWithANotifierAttached() throws Exception {
        final Cli.Result r = Cli.execute("run", "--no-serve", "--ticks", "5", "--speed", "max", "../examples/mm1.yaml",
            "--journal", tmp.resolve("j").toString(), "--alert-webhook", "http://127.0.0.1:9/hook");
        assertThat(r.code()).as(r.err()).isZero();
    }
}
