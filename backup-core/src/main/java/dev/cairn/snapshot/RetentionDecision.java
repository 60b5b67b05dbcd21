package dev.cairn.snapshot;

import java.util.List;

/**
 * What a retention policy decided for one snapshot. Immutable.
 *
 * @param snapshot the snapshot
 * @param group    its group key as shown to users ("host=db1 source=mysql://…")
 * @param keep     true when it survives
 * @param reasons  the rules that kept it ("last snapshot", "daily snapshot", "within 30d", "tag prod"…);
 *                 empty when it goes
 */
public record RetentionDecision(Snapshot snapshot, String group, boolean keep, List<String> reasons) {
    public RetentionDecision {
        reasons = List.copyOf(reasons);
    }
}
