package dev.cairn.health;

import java.util.List;

/**
 * Told about grade changes by {@link HealthMonitor}: once per evaluation that changed anything, with
 * every change of it (a failed drill changes its job and its source: one notification). Implementations
 * must be thread-safe and should not block for long (send in the background); an exception is logged
 * and ignored.
 */
@FunctionalInterface
public interface GradeNotifier {
    /** {@code changes} is never empty; {@code report} is the whole evaluation. */
    void gradesChanged(HealthReport report, List<GradeChange> changes);
}
