package dev.cairn.internal.repo;

import dev.cairn.internal.util.Id;

import java.util.List;
import java.util.Map;

/**
 * One entry of a tree (see docs/format.md, "Trees"). Immutable; {@code xattrs} is sorted by name.
 */
public record Node(String name, int type, int mode, int uid, int gid, String user, String group,
                   long mtimeNs, long ctimeNs, long inode, long device, int links, long size,
                   String linkTarget, Map<String, byte[]> xattrs, List<Id> content, Id subtree) {
    public static final int FILE = 1;
    public static final int DIR = 2;
    public static final int SYMLINK = 3;
    public static final int FIFO = 4;
    public static final int CHARDEV = 5;
    public static final int BLOCKDEV = 6;
    public static final int SOCKET = 7;

    public Node {
        validateName(name);
        if (type < FILE || type > SOCKET) {
            throw new IllegalArgumentException("unknown node type " + type + " for " + name);
        }
        user = user == null ? "" : user;
        group = group == null ? "" : group;
        linkTarget = linkTarget == null ? "" : linkTarget;
        xattrs = xattrs == null ? Map.of() : xattrs;
        content = content == null ? List.of() : List.copyOf(content);
    }

    /** Refuses names that could escape a restore target. */
    public static void validateName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")
                || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid entry name " + (name == null ? "null" : "'" + name + "'")
                    + ": names must not be empty, '.', '..', or contain '/' or NUL");
        }
    }

    public boolean isDir() {
        return type == DIR;
    }

    public boolean isFile() {
        return type == FILE;
    }

    public boolean isSymlink() {
        return type == SYMLINK;
    }

    public Node withContent(List<Id> newContent, long newSize) {
        return new Node(name, type, mode, uid, gid, user, group, mtimeNs, ctimeNs, inode, device, links, newSize,
                linkTarget, xattrs, newContent, subtree);
    }

    public Node withSubtree(Id id) {
        return new Node(name, type, mode, uid, gid, user, group, mtimeNs, ctimeNs, inode, device, links, size,
                linkTarget, xattrs, content, id);
    }

    public Node withName(String newName) {
        return new Node(newName, type, mode, uid, gid, user, group, mtimeNs, ctimeNs, inode, device, links, size,
                linkTarget, xattrs, content, subtree);
    }

    public static String typeName(int type) {
        return switch (type) {
            case FILE -> "file";
            case DIR -> "dir";
            case SYMLINK -> "symlink";
            case FIFO -> "fifo";
            case CHARDEV -> "chardev";
            case BLOCKDEV -> "blockdev";
            case SOCKET -> "socket";
            default -> "unknown";
        };
    }
}
