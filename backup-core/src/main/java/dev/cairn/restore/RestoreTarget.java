package dev.cairn.restore;

import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.snapshot.Snapshot;

import java.util.List;

/**
 * Where a snapshot is restored when it is not a directory: a database server, a bucket. It reads
 * the snapshot through the {@link Repository} API ({@code list}, {@code openFile}).
 */
public interface RestoreTarget {
    /** The target without credentials, e.g. {@code mysql://db2:3306/shop_restored}. */
    String descriptor();

    /**
     * Restores the snapshot, or only the entries under {@code includes}.
     *
     * @param overwrite whether existing, non-empty targets (a database, keys) may be replaced;
     *                  when false, a non-empty target is refused with a clear error
     */
    RestoreResult restore(Repository repository, Snapshot snapshot, List<String> includes, boolean overwrite);
}
