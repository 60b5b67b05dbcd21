package dev.cairn.schedule;

import java.util.Locale;

/** What a job does. The {@link #id()} is written into run records and never renamed. */
public enum JobKind {
    /** Back up a source. */
    BACKUP("backup"),
    /** Apply a retention policy ({@code forget}), then {@code prune} the data no snapshot needs. */
    FORGET_PRUNE("forget-prune"),
    /** Check the repository's structure, optionally reading (a budget of) the data. */
    CHECK("check"),
    /** Restore a snapshot into a scratch target and verify it. */
    DRILL("drill");

    private final String id;

    JobKind(String id) {
        this.id = id;
    }

    /** The stable name: {@code backup}, {@code forget-prune}, {@code check}, {@code drill}. */
    public String id() {
        return id;
    }

    /** The kind named {@code id} (as {@link #id()}), case-insensitive. */
    public static JobKind of(String id) {
        for (JobKind k : values()) {
            if (k.id.equals(id == null ? null : id.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("job kind must be one of backup, forget-prune, check, drill: " + id);
    }
}
