package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How the partitioner cuts a diagram: by the diagram alone, at the largest delays, never at a zero-delay call. */
class PartitionerTest {
    @Test
    void shouldCutAConnectedChainAtItsLargestDelaysUpToTheTarget() throws Exception {
        // a -1ms- b -100us- c -2ms- d -300us- e, target 3: the two shortest calls join, the two longest stay cut.
        final Partitioner.Plan plan = Partitioner.plan(DiagramLoader.parse("""
            name: chain
            partitions: 3
            services:
              - { name: a, latency: { mean: 1ms }, calls: [ { to: b, delay: 1ms } ] }
              - { name: b, latency: { mean: 1ms }, calls: [ { to: c, delay: 100us } ] }
              - { name: c, latency: { mean: 1ms }, calls: [ { to: d, delay: 2ms } ] }
              - { name: d, latency: { mean: 1ms }, calls: [ { to: e, delay: 300us } ] }
              - { name: e, latency: { mean: 1ms } }
            load: [ { target: a, rate: 100/s } ]
            """));
        assertThat(plan.partitions()).containsExactly(new int[] {0}, new int[] {1, 2}, new int[] {3, 4});
        assertThat(plan.windowNs()).isEqualTo(1_000_000L);
        assertThat(plan.joined()[0][1]).isTrue();
        assertThat(plan.joined()[1][0]).isFalse(); // forward calls only go one way
        assertThat(plan.windowsPerTick(50_000_000L)).isEqualTo(50);
        assertThat(plan.windowEndNs(0, 50_000_000L, 49)).isEqualTo(50_000_000L);
    }

    @Test
    void shouldKeepZeroDelayShortAndClosedLoopCallsTogether() throws Exception {
        final Diagram d = DiagramLoader.parse("""
            name: together
            tick: 10ms
            services:
              - { name: a, latency: { mean: 1ms }, calls: [ { to: b, delay: 0 } ] }
              - { name: b, latency: { mean: 1ms }, calls: [ { to: c, delay: 5us } ] }
              - { name: c, latency: { mean: 1ms }, calls: [ { to: d, delay: 1ms } ] }
              - { name: d, latency: { mean: 1ms } }
              - { name: u, latency: { mean: 1ms }, calls: [ { to: v, delay: 1ms } ] }
              - { name: v, latency: { mean: 1ms } }
            load:
              - { target: a, rate: 100/s }
              - { name: users, target: u, users: 3, think: 1ms }
            """);
        // a-b (no delay), b-c (5 us < 10 ms / 1000), u-v (a closed loop) stay together; only c-d is cut.
        final Partitioner.Plan plan = Partitioner.plan(d);
        assertThat(plan.partitions()).containsExactly(new int[] {0, 1, 2}, new int[] {3}, new int[] {4, 5});
        assertThat(plan.windowNs()).isEqualTo(1_000_000L);
        assertThat(plan.localOf()).containsExactly(0, 1, 2, 0, 0, 1);
    }

    @Test
    void shouldJoinBothWaysForASyncCallAndUseOneWindowWhenNothingIsCut() throws Exception {
        final Partitioner.Plan sync = Partitioner.plan(DiagramLoader.parse("""
            name: sync
            services:
              - { name: a, latency: { mean: 1ms }, calls: [ { to: b, mode: sync, delay: 200us } ] }
              - { name: b, latency: { mean: 1ms } }
            load: [ { target: a, rate: 100/s } ]
            """));
        assertThat(sync.count()).isEqualTo(2);
        assertThat(sync.joined()[0][1]).isTrue();
        assertThat(sync.joined()[1][0]).isTrue(); // the answer comes back
        assertThat(sync.windowsPerTick(50_000_000L)).isEqualTo(250);

        final Partitioner.Plan one = Partitioner.plan(DiagramLoader.parse("""
            name: one
            partitions: 1
            services:
              - { name: a, latency: { mean: 1ms }, calls: [ { to: b, delay: 200us } ] }
              - { name: b, latency: { mean: 1ms } }
            load: [ { target: a, rate: 100/s } ]
            """));
        assertThat(one.count()).isEqualTo(1);
        assertThat(one.windowNs()).isEqualTo(Long.MAX_VALUE);
        assertThat(one.windowsPerTick(50_000_000L)).isEqualTo(1);
    }

    @Test
    void shouldBalanceTenEqualGroupsIntoTheTargetAndDealThemToWorkers() throws Exception {
        final StringBuilder yaml = new StringBuilder("name: ring\npartitions: 2\nservices:\n");
        for (int i = 0; i < 10; i++) {
            yaml.append("  - { name: s").append(i).append(", latency: { mean: 1ms }, calls: [ { to: s")
                .append((i + 1) % 10).append(", probability: 0.5, delay: 1ms } ] }\n");
        }
        yaml.append("load: [ { target: s0, rate: 100/s } ]\n");
        final Partitioner.Plan plan = Partitioner.plan(DiagramLoader.parse(yaml.toString()));
        assertThat(plan.partitions()).extracting(p -> p.length).containsExactly(5, 5);
        assertThat(Partitioner.assign(plan.partitions(), 4)).isEqualTo(List.of(List.of(0), List.of(1)));
        assertThat(Partitioner.assign(plan.partitions(), 1)).isEqualTo(List.of(List.of(0, 1)));
    }
}
