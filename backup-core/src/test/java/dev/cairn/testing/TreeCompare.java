package dev.cairn.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Describes a directory tree byte for byte and metadata for metadata (type, mode, owner, ns mtime,
 * size, symlink target, content digest, user xattrs, hard-link groups), so two trees compare with
 * one equality assertion and a readable diff.
 */
public final class TreeCompare {
    private TreeCompare() {
    }

    /** One line per entry, sorted by path; directories' mtimes included unless {@code dirTimes} is false. */
    public static List<String> describe(Path root, boolean dirTimes) throws IOException {
        List<String> out = new ArrayList<>();
        Map<String, String> inodes = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                boolean dir = (mode & 0170000) == 0040000;
                boolean link = (mode & 0170000) == 0120000;
                long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
                StringBuilder line = new StringBuilder(rel).append(" mode=").append(Integer.toOctalString(mode))
                        .append(" uid=").append(a.get("uid")).append(" gid=").append(a.get("gid"));
                if (!dir || dirTimes) {
                    line.append(" mtime=").append(mtime);
                }
                if (link) {
                    line.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (!dir) {
                    line.append(" size=").append(a.get("size"));
                    line.append(" sha=").append(sha(p));
                    int nlink = (Integer) a.get("nlink");
                    if (nlink > 1) {
                        String key = a.get("dev") + ":" + a.get("ino");
                        String first = inodes.putIfAbsent(key, rel);
                        line.append(" links=").append(nlink).append(" linkgroup=").append(first == null ? rel : first);
                    }
                }
                if (!link) {
                    UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS);
                    List<String> names = new ArrayList<>(v.list());
                    names.sort(null);
                    for (String n : names) {
                        ByteBuffer bb = ByteBuffer.allocate(v.size(n));
                        v.read(n, bb);
                        line.append(" xattr:").append(n).append('=').append(Arrays.toString(bb.array()));
                    }
                }
                out.add(line.toString());
            }
        }
        return out;
    }

    private static String sha(Path p) throws IOException {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return dev.cairn.internal.util.Hex.encode(md.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
