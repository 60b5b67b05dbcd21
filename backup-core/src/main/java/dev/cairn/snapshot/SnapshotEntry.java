package dev.cairn.snapshot;

import java.time.Instant;

/**
 * One entry of a snapshot's tree, as listed by {@code ls}. Immutable.
 *
 * @param path   the path inside the snapshot, '/'-separated, without a leading slash
 * @param type   {@code file}, {@code dir}, {@code symlink}, {@code fifo}, {@code chardev},
 *               {@code blockdev} or {@code socket}
 * @param mode   permission bits (07777)
 * @param target a symlink's target, otherwise empty
 */
public record SnapshotEntry(String path, String type, int mode, int uid, int gid, String user, String group,
                           long size, Instant mtime, String target) {
}
