package io.tickwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tickwire doctor}: checks the host for what low-latency operation needs and says PASS / WARN / FAIL with the
 * fix for each ({@link HostChecks}); {@code --layout} proposes a thread → CPU layout ({@link LayoutPlanner}) as a
 * {@code layout:} section for tickwire.yaml. Exit 0 once the report is printed, whatever it says.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Check the host (cores, SMT, isolcpus, governor, THP, NUMA, clocksource, swap, limits, "
        + "somaxconn, the journal's disk, the JVM) and say what to tune.",
        "--layout proposes a thread -> CPU layout as a layout: section of tickwire.yaml."})
final class DoctorCommand extends CliCommand {
    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Option(names = "--json", description = "One JSON object: {\"checks\": [{name, status, found, fix}], ...}.")
    boolean json;

    @Option(names = "--layout", description = "Propose a CPU layout (tickwire.yaml's layout: section).")
    boolean layout;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
        description = "Workers the layout plans for (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "1000",
        description = "Feed clients planned, for the open-file limit (default ${DEFAULT-VALUE}).")
    int clients;

    /** The host's /proc and /sys are read under this root (tests give a fixture tree). */
    @Option(names = "--host-root", paramLabel = "DIR", hidden = true, defaultValue = "/")
    Path hostRoot;

    @Override
    protected int execute() throws Exception {
        if (workers < 1 || clients < 0) {
            throw new BadInputException("--workers must be >= 1 and --clients >= 0");
        }
        final TickwireConfig cfg = config.resolve();
        final HostProbe host = new HostProbe(hostRoot);
        final List<HostChecks.Check> checks = new HostChecks(host, cfg.journalDir(), clients,
            HostProbe.Jvm.current()).run();
        final LayoutPlanner.Plan plan = layout ? LayoutPlanner.plan(host, workers) : null;
        final Map<HostChecks.Status, Integer> counts = new EnumMap<>(HostChecks.Status.class);
        for (final HostChecks.Status s : HostChecks.Status.values()) {
            counts.put(s, 0);
        }
        checks.forEach(c -> counts.merge(c.status(), 1, Integer::sum));
        if (json) {
            final ObjectMapper mapper = new ObjectMapper();
            final ObjectNode root = mapper.createObjectNode();
            final ArrayNode list = root.putArray("checks");
            for (final HostChecks.Check c : checks) {
                list.addObject().put("name", c.name()).put("status", c.status().name()).put("found", c.found())
                    .put("fix", c.fix());
            }
            final ObjectNode summary = root.putObject("summary");
            counts.forEach((s, n) -> summary.put(s.name(), n));
            if (plan != null) {
                final ObjectNode l = root.putObject("layout");
                plan.settings().forEach((k, v) -> l.put(k.key, v));
                plan.notes().forEach(l.putArray("notes")::add);
                l.put("cpuAffinity", plan.allCpus().toString());
                l.put("yaml", plan.yaml(header(host)));
            }
            out().println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else {
            for (final HostChecks.Check c : checks) {
                out().printf("%-4s  %-18s %s%n", c.status(), c.name(), c.found());
                if (!c.fix().isEmpty()) {
                    out().println("      fix: " + c.fix());
                }
            }
            out().println(counts.get(HostChecks.Status.PASS) + " pass, " + counts.get(HostChecks.Status.WARN)
                + " warn, " + counts.get(HostChecks.Status.FAIL) + " fail");
            if (plan != null) {
                out().println();
                out().print(plan.yaml(header(host)));
            }
        }
        out().flush();
        return OK;
    }

    private static String header(final HostProbe host) {
        return "tickwire doctor --layout: " + host.online().cpus().length + " CPUs online (" + host.physicalCores()
            + " cores), isolated: " + (host.isolated().isEmpty() ? "none" : host.isolated().toString());
    }
}
