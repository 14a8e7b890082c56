package io.tickwire.engine.control;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.FaultSpec;
import io.tickwire.sbe.EditKind;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A live edit that passed validation, with everything the control plane needs to apply it at a tick boundary: built
 * (and allocated) by the thread that submitted it, applied by the orchestrator's. Immutable but for
 * {@link #applied}, which the orchestrator completes with the tick it took effect at.
 *
 * @param editId      1, 2, ... in the order the run accepted edits.
 * @param kind        a merge patch, a fault added, a fault ended.
 * @param body        the edit as journaled: compact JSON.
 * @param before      PATCH: the diagram it applies to; else null.
 * @param after       PATCH: the diagram it makes; else null.
 * @param faultId     FAULT_ADD: the id of the fault; FAULT_END: the fault to end; else -1.
 * @param fault       FAULT_ADD: the fault; else null.
 * @param endedFaults PATCH: ids of the faults its {@code faults} list drops (ended now if active).
 * @param addedFaults PATCH: the faults its {@code faults} list adds, with their ids (in {@code addedFaultIds}).
 */
public record PreparedEdit(int editId, EditKind kind, String body, Diagram before, Diagram after, int faultId,
                           FaultSpec fault, List<Integer> endedFaults, List<FaultSpec> addedFaults,
                           List<Integer> addedFaultIds, CompletableFuture<Applied> applied) {

    /**
     * Where and when an edit took effect.
     *
     * @param editId  its number.
     * @param tick    the tick it took effect at (its start).
     * @param faultId the fault it added or ended; -1 for a patch.
     */
    public record Applied(int editId, long tick, int faultId) {
    }
}
