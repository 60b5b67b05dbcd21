package dev.cairn.health;

/**
 * A health grade, with the severities operators use. Ordered: a later constant is worse. Names and
 * {@link #level()} numbers are stable (metrics and notifications carry them).
 */
public enum Grade {
    /** Everything meets its objectives. */
    OK(0),
    /** Degraded: a late backup, a slow run, a size anomaly, a partial backup, a slow restore. */
    WARNING(1),
    /** A job failed, a drill failed, or a check found damage. */
    HIGH(2),
    /** No restorable backup within the recovery-point objective, or the repository cannot be opened. */
    DISASTER(3);

    private final int level;

    Grade(int level) {
        this.level = level;
    }

    /** 0 (OK) to 3 (DISASTER): the number metrics export. */
    public int level() {
        return level;
    }

    /** The worse of two grades. */
    public Grade max(Grade other) {
        return other.compareTo(this) > 0 ? other : this;
    }
}
