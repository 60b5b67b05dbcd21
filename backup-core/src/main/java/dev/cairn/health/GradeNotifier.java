package dev.cairn.health;

/**
 * Told about grade changes by {@link HealthMonitor}. Implementations must be thread-safe and should
 * not block for long (send in the background); an exception is logged and ignored.
 */
@FunctionalInterface
public interface GradeNotifier {
    void gradeChanged(GradeChange change);
}
