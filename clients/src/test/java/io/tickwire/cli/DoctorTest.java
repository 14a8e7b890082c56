package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code doctor} on fixture trees of /proc and /sys: a tuned 16-CPU host with SMT and isolated cores, and a 2-core VM
 * like this one. {@code --json} names every check; {@code --layout} proposes a layout tickwire.yaml accepts.
 */
class DoctorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldNameEveryCheckInJsonAndPassATunedManyCoreHost() throws Exception {
        final Path host = manyCoreHost(tmp.resolve("big"));
        final JsonNode report = doctor(host, "--json");
        final List<String> names = new ArrayList<>();
        final Map<String, JsonNode> byName = new HashMap<>();
        for (final JsonNode c : report.get("checks")) {
            names.add(c.get("name").asText());
            byName.put(c.get("name").asText(), c);
            assertThat(c.get("status").asText()).isIn("PASS", "WARN", "FAIL");
            if (!"PASS".equals(c.get("status").asText())) {
                assertThat(c.get("fix").asText()).as(c.toString()).isNotBlank();
            }
        }
        assertThat(names).containsExactlyElementsOf(HostChecks.NAMES);
        for (final String pass : List.of("cpu.cores", "kernel.isolcpus", "kernel.nohz_full", "kernel.rcu_nocbs",
            "cpu.governor", "memory.thp", "numa.nodes", "clock.source", "memory.swap", "limits.nofile",
            "limits.memlock", "net.somaxconn")) {
            assertThat(byName.get(pass).get("status").asText()).as(byName.get(pass).toString()).isEqualTo("PASS");
        }
        assertThat(byName.get("cpu.smt").get("status").asText()).isEqualTo("WARN");
        assertThat(report.get("summary").get("PASS").asInt()).isGreaterThanOrEqualTo(12);
    }

    @Test
    void shouldSayWhatATwoCoreHostLacksAndHowToFixIt() throws Exception {
        final Path host = twoCoreHost(tmp.resolve("small"));
        final JsonNode report = doctor(host, "--json", "--clients", "50000");
        final Map<String, JsonNode> byName = new HashMap<>();
        report.get("checks").forEach(c -> byName.put(c.get("name").asText(), c));
        assertThat(byName.get("cpu.cores").get("status").asText()).isEqualTo("FAIL");
        assertThat(byName.get("kernel.isolcpus").get("status").asText()).isEqualTo("WARN");
        assertThat(byName.get("kernel.isolcpus").get("fix").asText()).contains("GRUB_CMDLINE_LINUX");
        assertThat(byName.get("memory.thp").get("status").asText()).isEqualTo("WARN");
        assertThat(byName.get("clock.source").get("status").asText()).isEqualTo("WARN");
        assertThat(byName.get("memory.swap").get("status").asText()).isEqualTo("WARN");
        assertThat(byName.get("limits.nofile").get("status").asText()).isEqualTo("FAIL");
        assertThat(byName.get("limits.nofile").get("fix").asText()).contains("LimitNOFILE=");
        assertThat(byName.get("net.somaxconn").get("status").asText()).isEqualTo("WARN");
    }

    @Test
    void shouldRefuseAJournalOnANetworkFilesystem() throws Exception {
        final Path host = twoCoreHost(tmp.resolve("nfs"));
        Files.writeString(host.resolve("proc/mounts"), "/dev/vda / ext4 rw 0 0\nserver:/x /data nfs4 rw 0 0\n"
            + "tmpfs /scratch tmpfs rw 0 0\n");
        final Map<String, JsonNode> nfs = checks(doctor(host, "--json", "--set", "journal.dir=/data/journals"));
        assertThat(nfs.get("journal.filesystem").get("status").asText()).isEqualTo("FAIL");
        assertThat(nfs.get("journal.filesystem").get("found").asText()).contains("nfs4");
        final Map<String, JsonNode> tmpfs = checks(doctor(host, "--json", "--set", "journal.dir=/scratch/j"));
        assertThat(tmpfs.get("journal.filesystem").get("status").asText()).isEqualTo("WARN");
    }

    @Test
    void shouldProposeALayoutOfWholeIsolatedCoresOnAManyCoreHost() throws Exception {
        final JsonNode layout = doctor(manyCoreHost(tmp.resolve("big")), "--json", "--layout", "--workers", "4")
            .get("layout");
        // Housekeeping: CPU 0 and its sibling 8; engine roles on isolated cores 2..7, one sibling each.
        assertThat(layout.get("layout.netty.cpus").asText()).isEqualTo("0,8");
        assertThat(layout.get("layout.orchestrator.cpus").asText()).isEqualTo("0,8");
        assertThat(layout.get("layout.workers.cpus").asText()).isEqualTo("2,3,4,5");
        assertThat(layout.get("layout.aggregator.cpus").asText()).isEqualTo("6");
        assertThat(layout.get("layout.journal.cpus").asText()).isEqualTo("7");
        assertThat(layout.get("layout.broadcaster.cpus").asText()).isEqualTo("1");
        assertThat(layout.get("layout.workers.wait").asText()).isEqualTo("busy-spin");
        assertThat(layout.get("layout.aggregator.wait").asText()).isEqualTo("busy-spin");
        assertThat(layout.get("layout.broadcaster.cpus").asText()).doesNotContain("9");
        assertThat(layout.get("cpuAffinity").asText()).isEqualTo("0-8");
        assertAccepted(layout.get("yaml").asText());
    }

    @Test
    void shouldSayWhatItCannotIsolateOnTwoCores() throws Exception {
        final JsonNode layout = doctor(twoCoreHost(tmp.resolve("small")), "--json", "--layout").get("layout");
        assertThat(layout.get("layout.workers.cpus").asText()).isEqualTo("1");
        assertThat(layout.get("layout.workers.wait").asText()).isEqualTo("yielding"); // alone, but not isolated
        assertThat(layout.get("layout.aggregator.cpus").asText()).isEqualTo("0");
        assertThat(layout.get("layout.aggregator.wait").asText()).isEqualTo("sleeping");
        assertThat(layout.get("layout.listeners.wait").asText()).isEqualTo("blocking");
        assertThat(layout.get("notes").toString()).contains("cannot isolate aggregator, journal, broadcaster");
        assertAccepted(layout.get("yaml").asText());
        final Cli.Result text = Cli.execute("doctor", "--layout", "--host-root", twoCoreHost(tmp.resolve("t"))
            .toString());
        assertThat(text.out()).contains("layout:\n  orchestrator:\n    cpus: \"0\"").contains("cannot isolate");
    }

    private void assertAccepted(final String yaml) throws IOException {
        final Path file = Files.writeString(tmp.resolve("layout-" + System.nanoTime() + ".yaml"), yaml);
        final Cli.Result r = Cli.execute("config", "--config", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("layout.workers.cpus = ");
    }

    private static Map<String, JsonNode> checks(final JsonNode report) {
        final Map<String, JsonNode> byName = new HashMap<>();
        report.get("checks").forEach(c -> byName.put(c.get("name").asText(), c));
        return byName;
    }

    private JsonNode doctor(final Path host, final String... args) throws IOException {
        final String[] all = new String[args.length + 3];
        all[0] = "doctor";
        all[1] = "--host-root";
        all[2] = host.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        final Cli.Result r = Cli.execute(all);
        assertThat(r.code()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** 16 CPUs, 8 cores with SMT siblings i and i+8, cores 2-7 isolated, tuned. */
    static Path manyCoreHost(final Path root) throws IOException {
        write(root, "sys/devices/system/cpu/online", "0-15");
        write(root, "sys/devices/system/cpu/isolated", "2-7,10-15");
        write(root, "sys/devices/system/cpu/smt/control", "on");
        for (int c = 0; c < 16; c++) {
            final int core = c % 8;
            write(root, "sys/devices/system/cpu/cpu" + c + "/topology/thread_siblings_list", core + "," + (core + 8));
            write(root, "sys/devices/system/cpu/cpu" + c + "/cpufreq/scaling_governor", "performance");
        }
        write(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 isolcpus=2-7,10-15 nohz_full=2-7,10-15 "
            + "rcu_nocbs=2-7,10-15 transparent_hugepage=never");
        write(root, "sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]");
        write(root, "sys/devices/system/node/node0/cpulist", "0-15");
        write(root, "sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc");
        write(root, "proc/meminfo", "MemTotal:       131072000 kB\nSwapTotal:             0 kB\n");
        write(root, "proc/self/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
            + "Max open files            1048576              1048576              files\n"
            + "Max locked memory         unlimited            unlimited            bytes\n");
        write(root, "proc/sys/net/core/somaxconn", "4096");
        write(root, "proc/mounts", "/dev/nvme0n1p2 / ext4 rw 0 0\n");
        return root;
    }

    /** 2 vCPUs, no SMT, nothing tuned (as this VM, with swap and a low limit). */
    static Path twoCoreHost(final Path root) throws IOException {
        write(root, "sys/devices/system/cpu/online", "0-1");
        write(root, "sys/devices/system/cpu/isolated", "");
        for (int c = 0; c < 2; c++) {
            write(root, "sys/devices/system/cpu/cpu" + c + "/topology/thread_siblings_list", Integer.toString(c));
        }
        write(root, "proc/cmdline", "console=ttyS0 quiet");
        write(root, "sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never");
        write(root, "sys/devices/system/node/node0/cpulist", "0-1");
        write(root, "sys/devices/system/clocksource/clocksource0/current_clocksource", "kvm-clock");
        write(root, "proc/meminfo", "MemTotal:       24000000 kB\nSwapTotal:       2097148 kB\n");
        write(root, "proc/self/limits", "Limit                     Soft Limit           Hard Limit           Units\n"
            + "Max open files            20000                20000                files\n"
            + "Max locked memory         8388608              8388608              bytes\n");
        write(root, "proc/sys/net/core/somaxconn", "128");
        write(root, "proc/mounts", "/dev/vda / ext4 rw 0 0\n");
        return root;
    }

    private static void write(final Path root, final String relative, final String text) throws IOException {
        final Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text + "\n");
    }
}
