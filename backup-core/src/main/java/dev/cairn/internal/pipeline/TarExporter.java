package dev.cairn.internal.pipeline;

import dev.cairn.internal.repo.Node;
import dev.cairn.internal.util.Id;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes a snapshot tree as a POSIX (PAX) tar stream: long names, ns mtimes, owners, symlinks,
 * hard links and {@code user.*} xattrs ({@code SCHILY.xattr.*}), so that GNU tar extracts it as
 * a restore would. Not thread-safe.
 */
public final class TarExporter {
    private final TreeReader trees;
    private final Map<String, String> hardlinks = new HashMap<>();

    public TarExporter(TreeReader trees) {
        this.trees = trees;
    }

    public void export(Id root, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        writeTree(tar, root, "");
        tar.finish();
        tar.flush();
    }

    private void writeTree(TarArchiveOutputStream tar, Id tree, String prefix) throws IOException {
        for (Node n : trees.tree(tree)) {
            Node.validateName(n.name());
            String path = prefix + n.name();
            TarArchiveEntry e;
            switch (n.type()) {
                case Node.DIR -> e = new TarArchiveEntry(path + "/", TarConstants.LF_DIR, false);
                case Node.FILE -> {
                    String first = n.links() > 1 ? hardlinks.putIfAbsent(n.device() + ":" + n.inode(), path) : null;
                    if (first != null) {
                        e = new TarArchiveEntry(path, TarConstants.LF_LINK, false);
                        e.setLinkName(first);
                    } else {
                        e = new TarArchiveEntry(path, TarConstants.LF_NORMAL, false);
                        e.setSize(n.size());
                    }
                }
                case Node.SYMLINK -> {
                    e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK, false);
                    e.setLinkName(n.linkTarget());
                }
                case Node.FIFO -> e = new TarArchiveEntry(path, TarConstants.LF_FIFO, false);
                default -> {
                    continue; // devices and sockets are not exported
                }
            }
            e.setMode(n.mode() & 07777);
            e.setUserId(n.uid());
            e.setGroupId(n.gid());
            e.setUserName(n.user());
            e.setGroupName(n.group());
            e.setLastModifiedTime(FileTime.from(n.mtimeNs(), TimeUnit.NANOSECONDS));
            if (n.mtimeNs() % 1_000_000_000L != 0) {
                long s = Math.floorDiv(n.mtimeNs(), 1_000_000_000L);
                long ns = Math.floorMod(n.mtimeNs(), 1_000_000_000L);
                e.addPaxHeader("mtime", s + "." + String.format("%09d", ns));
            }
            for (Map.Entry<String, byte[]> x : n.xattrs().entrySet()) {
                e.addPaxHeader("SCHILY.xattr." + x.getKey(), new String(x.getValue(), StandardCharsets.UTF_8));
            }
            tar.putArchiveEntry(e);
            if (e.isFile() && !e.isLink() && n.size() > 0) {
                trees.writeContent(n, tar);
            }
            tar.closeArchiveEntry();
            if (n.isDir()) {
                writeTree(tar, n.subtree(), path + "/");
            }
        }
    }
}
