package dev.cairn.source;

import java.util.Map;
import java.util.Objects;

/**
 * Metadata of one entry a {@link Source} hands over. Immutable; xattr values are not copied.
 *
 * @param name       the entry's name within its directory (no '/', not '.' or '..')
 * @param mode       permission bits and set-uid/set-gid/sticky (07777)
 * @param mtimeNs    modification time, nanoseconds since the epoch
 * @param ctimeNs    status-change time (ns), used with size, mtime and inode to detect changes
 * @param links      hard-link count; entries with {@code links > 1} and equal device and inode are one file
 * @param size       content size in bytes (files), 0 otherwise
 * @param linkTarget a symlink's target, otherwise empty
 * @param xattrs     extended attributes by full name ({@code user.foo})
 */
public record EntryMetadata(String name, EntryType type, int mode, int uid, int gid, String user, String group,
                            long mtimeNs, long ctimeNs, long inode, long device, int links, long size,
                            String linkTarget, Map<String, byte[]> xattrs) {
    public EntryMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        user = user == null ? "" : user;
        group = group == null ? "" : group;
        linkTarget = linkTarget == null ? "" : linkTarget;
        xattrs = xattrs == null ? Map.of() : xattrs;
    }

    /** Metadata for a named stream (a dump, a command's output): a 0600 file owned by nobody in particular. */
    public static EntryMetadata stream(String name, long mtimeNs) {
        return new EntryMetadata(name, EntryType.FILE, 0600, 0, 0, "", "", mtimeNs, mtimeNs, 0, 0, 1, 0, "", Map.of());
    }

    /** Metadata for a synthetic directory (grouping streams). */
    public static EntryMetadata directory(String name, long mtimeNs) {
        return new EntryMetadata(name, EntryType.DIRECTORY, 0700, 0, 0, "", "", mtimeNs, mtimeNs, 0, 0, 1, 0, "",
                Map.of());
    }
}
