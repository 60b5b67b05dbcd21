package dev.cairn;

import dev.cairn.snapshot.RetentionDecision;
import java.util.List;

/**
 * The outcome of {@code forget} with a retention policy. Immutable.
 *
 * @param decisions one per snapshot considered, oldest first
 * @param dryRun    true when nothing was removed
 */
public record ForgetResult(List<RetentionDecision> decisions, boolean dryRun) {
    public ForgetResult {
        decisions = List.copyOf(decisions);
    }

    /** Snapshots kept. */
    public List<RetentionDecision> kept() {
        return decisions.stream().filter(RetentionDecision::keep).toList();
    }

    /** Snapshots removed (or, in a dry run, that would be). */
    public List<RetentionDecision> removed() {
        return decisions.stream().filter(d -> !d.keep()).toList();
    }
}
