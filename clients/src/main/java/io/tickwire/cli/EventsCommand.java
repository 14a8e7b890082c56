package io.tickwire.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalEvent;
import io.tickwire.journal.JournalReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code tickwire events JOURNAL [--service S] [--kind K] [--json]}: the audit trail of a journaled run, in the order
 * the run made it: every scale decision (its metrics, the rule and policy that decided, from → to), replica
 * starting, ready, crashed, unhealthy, replaced, draining, removed, fault start and end, and live edit (its patch),
 * each with its tick and simulated time.
 * <pre>
 *   tick   time     type     event
 *   300    15.000s  scale    api 2 -&gt; 4 (hpa: utilization 80% (target 50%) above target; recommends 4)
 *   300    15.000s  replica  api#2 starting (scale-out)
 * </pre>
 * {@code --json}: one JSON object per line, every field of the event by name. Exit 2 for a journal that cannot be read
 * or a service that is not in it.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = {"List a journal's events: scale decisions, replica lifecycle, faults, live edits, in order."})
final class EventsCommand extends CliCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A journal directory.")
    Path journal;

    @Option(names = "--service", paramLabel = "S",
        description = "Only the events of this service (a partition: of either of its services).")
    String service;

    @Option(names = "--kind", paramLabel = "K",
        description = "Only events of this type (scale, fault, edit, replica, breaker) or kind (e.g. crashed, started, hpa, open).")
    String kind;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    protected int execute() throws Exception {
        if (kind != null && !knownKind(kind)) {
            throw new BadInputException("--kind must be one of " + JournalEvent.KINDS + ", got '" + kind + "'");
        }
        final PrintWriter out = out();
        final long[] shown = {0};
        try (JournalReader reader = Journals.openWithTicks(journal, err())) {
            final CatalogInfo names = CatalogInfo.decode(reader.catalog());
            final int serviceId = service == null ? -1 : serviceId(names, service);
            if (!json) {
                out.printf("%-8s %-12s %-8s %s%n", "tick", "time", "type", "event");
            }
            reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
                final JournalEvent e = JournalEvent.decode(buffer, offset, names);
                if (e == null || (serviceId >= 0 && !e.concerns(serviceId)) || (kind != null && !e.is(kind))) {
                    return;
                }
                shown[0]++;
                if (json) {
                    out.println(toJson(e));
                } else {
                    out.printf("%-8d %-12s %-8s %s%n", e.tick(), seconds(e.simTimeNs()), e.type(), e.text());
                }
            });
        }
        out.flush();
        if (!json) {
            err().println(shown[0] + " event" + (shown[0] == 1 ? "" : "s"));
            err().flush();
        }
        return OK;
    }

    private static boolean knownKind(final String k) {
        for (final String known : JournalEvent.KINDS.split("[,;]\\s*")) {
            if (known.equalsIgnoreCase(k.replace('-', '_'))) {
                return true;
            }
        }
        return false;
    }

    private static int serviceId(final CatalogInfo names, final String name) throws BadInputException {
        for (int s = 0; s < names.serviceCount(); s++) {
            if (names.name(s).equals(name)) {
                return s;
            }
        }
        throw new BadInputException("no service '" + name + "' in the journal");
    }

    static String seconds(final long ns) {
        return String.format(java.util.Locale.ROOT, "%.3fs", ns / 1e9);
    }

    static String toJson(final JournalEvent e) {
        final Map<String, Object> fields = new LinkedHashMap<>(e.fields());
        try {
            return JSON.writeValueAsString(fields);
        } catch (final JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
