package dev.cairn.snapshot;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * Which snapshots {@code forget} keeps, with restic's semantics: snapshots are grouped (by default by
 * host and source: kind, descriptor and paths), and within each group a snapshot is kept when any rule
 * keeps it. {@code keepLast(n)} keeps the n newest; {@code keepHourly/Daily/Weekly/Monthly/Yearly(n)}
 * keep the newest snapshot of each of the n newest hours/days/ISO weeks/months/years that have a
 * snapshot (in the policy's time zone); {@code keepWithin(d)} keeps every snapshot taken within d of
 * the group's newest snapshot; {@code keepTags(t…)} keeps every snapshot carrying any of the tags.
 * A policy with no rule keeps everything (forgetting everything needs an explicit call). Immutable and
 * thread-safe.
 */
public final class RetentionPolicy {
    // Implemented in the retention change (issue 9); the signatures are the contract.

    /** Starts an empty policy (keeps everything until a rule is added). */
    public static Builder builder() {
        throw new UnsupportedOperationException("retention: not implemented yet");
    }

    /**
     * Decides each snapshot's fate: one decision per snapshot, in the order given, with the rules that
     * kept it (empty when it goes).
     */
    public List<RetentionDecision> apply(List<Snapshot> snapshots) {
        throw new UnsupportedOperationException("retention: not implemented yet");
    }

    /** Builder; every setter validates at once ("keepDaily must not be negative: -1"). Not thread-safe. */
    public interface Builder {
        Builder keepLast(int n);

        Builder keepHourly(int n);

        Builder keepDaily(int n);

        Builder keepWeekly(int n);

        Builder keepMonthly(int n);

        Builder keepYearly(int n);

        Builder keepWithin(Duration d);

        Builder keepTags(String... tags);

        /** Grouping: any of {@code host}, {@code source}, {@code tags}; empty for one group. Default host,source. */
        Builder groupBy(String... keys);

        /** Time zone for hour/day/week/month/year buckets (default: the system zone). */
        Builder zone(ZoneId zone);

        RetentionPolicy build();
    }
}
