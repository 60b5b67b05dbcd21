package dev.cairn.internal.pipeline;

import dev.cairn.internal.repo.Node;
import dev.cairn.internal.util.Id;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a snapshot tree as a POSIX pax tar stream (IEEE 1003.1-2001): long and non-ASCII names,
 * nanosecond mtimes, owners, symlinks, hard links and {@code user.*} xattrs as
 * {@code SCHILY.xattr.*} records, so that GNU tar extracts it exactly as a restore would.
 *
 * <p>Written here rather than with commons-compress: its {@code TarArchiveOutputStream} (1.28)
 * rounds pax {@code mtime} down to 100 ns and gives no way to write the record ourselves, so an
 * extracted tree would not compare equal. Not thread-safe.
 */
public final class TarExporter {
    private static final int BLOCK = 512;
    private final TreeReader trees;
    private final Map<String, String> hardlinks = new HashMap<>();
    private OutputStream out;
    private long written;

    public TarExporter(TreeReader trees) {
        this.trees = trees;
    }

    public void export(Id root, OutputStream target) throws IOException {
        this.out = target;
        writeTree(root, "");
        out.write(new byte[2 * BLOCK]);
        written += 2 * BLOCK;
        int rest = (int) (written % (20 * BLOCK));
        if (rest != 0) {
            out.write(new byte[20 * BLOCK - rest]); // pad to GNU tar's default record size
        }
        out.flush();
    }

    private final java.util.Set<Id> ancestors = new java.util.HashSet<>();

    private void writeTree(Id tree, String prefix) throws IOException {
        if (!ancestors.add(tree)) {
            throw new dev.cairn.IntegrityException("The snapshot's directory tree contains itself at /" + prefix
                    + " (a loop): it is damaged or was crafted.");
        }
        try {
            writeEntries(tree, prefix);
        } finally {
            ancestors.remove(tree);
        }
    }

    private void writeEntries(Id tree, String prefix) throws IOException {
        for (Node n : trees.tree(tree)) {
            Node.validateName(n.name());
            String path = prefix + n.name();
            char type;
            String link = "";
            long size = 0;
            switch (n.type()) {
                case Node.DIR -> type = '5';
                case Node.FILE -> {
                    String first = n.links() > 1 ? hardlinks.putIfAbsent(n.device() + ":" + n.inode(), path) : null;
                    if (first != null) {
                        type = '1';
                        link = first;
                    } else {
                        type = '0';
                        size = n.size();
                    }
                }
                case Node.SYMLINK -> {
                    type = '2';
                    link = n.linkTarget();
                }
                case Node.FIFO -> type = '6';
                default -> {
                    continue; // devices and sockets are not exported
                }
            }
            header(n, type == '5' ? path + "/" : path, type, link, size);
            if (size > 0) {
                CountingOut c = new CountingOut(out);
                trees.writeContent(n, c);
                written += c.count;
                pad(c.count);
            }
            if (n.isDir()) {
                writeTree(n.subtree(), path + "/");
            }
        }
    }

    private void pad(long len) throws IOException {
        int r = (int) (len % BLOCK);
        if (r != 0) {
            out.write(new byte[BLOCK - r]);
            written += BLOCK - r;
        }
    }

    private void header(Node n, String name, char type, String link, long size) throws IOException {
        Map<String, byte[]> pax = new LinkedHashMap<>();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100 || !ascii(nameBytes)) {
            pax.put("path", nameBytes);
        }
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        if (linkBytes.length > 100 || !ascii(linkBytes)) {
            pax.put("linkpath", linkBytes);
        }
        long secs = Math.floorDiv(n.mtimeNs(), 1_000_000_000L);
        long nanos = Math.floorMod(n.mtimeNs(), 1_000_000_000L);
        if (nanos != 0 || secs < 0 || secs > 077777777777L) {
            pax.put("mtime", (secs + "." + String.format("%09d", nanos)).getBytes(StandardCharsets.US_ASCII));
        }
        long uid = n.uid() & 0xffffffffL;
        long gid = n.gid() & 0xffffffffL;
        if (uid > 07777777) {
            pax.put("uid", Long.toString(uid).getBytes(StandardCharsets.US_ASCII));
        }
        if (gid > 07777777) {
            pax.put("gid", Long.toString(gid).getBytes(StandardCharsets.US_ASCII));
        }
        if (size > 077777777777L) {
            pax.put("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        }
        byte[] user = n.user().getBytes(StandardCharsets.UTF_8);
        byte[] group = n.group().getBytes(StandardCharsets.UTF_8);
        if (user.length > 31 || !ascii(user)) {
            pax.put("uname", user);
        }
        if (group.length > 31 || !ascii(group)) {
            pax.put("gname", group);
        }
        for (Map.Entry<String, byte[]> x : n.xattrs().entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            String base = n.name().getBytes(StandardCharsets.UTF_8).length <= 80 && ascii(n.name().getBytes(
                    StandardCharsets.UTF_8)) ? n.name() : "entry";
            block(("PaxHeaders.0/" + base).getBytes(StandardCharsets.US_ASCII), 0644, 0, 0, records.length,
                    Math.max(0, Math.min(secs, 077777777777L)), 'x', new byte[0], new byte[0], new byte[0]);
            out.write(records);
            written += records.length;
            pad(records.length);
        }
        block(truncate(nameBytes, 100), n.mode() & 07777, Math.min(uid, 07777777), Math.min(gid, 07777777),
                Math.min(size, 077777777777L), Math.max(0, Math.min(secs, 077777777777L)), type,
                truncate(linkBytes, 100), truncate(user, 31), truncate(group, 31));
    }

    private static byte[] paxRecords(Map<String, byte[]> pax) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : pax.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            int body = 1 + key.length + 1 + e.getValue().length + 1; // " key=value\n"
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len++;
            }
            b.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
            b.write(' ');
            b.writeBytes(key);
            b.write('=');
            b.writeBytes(e.getValue());
            b.write('\n');
        }
        return b.toByteArray();
    }

    private void block(byte[] name, long mode, long uid, long gid, long size, long mtime, char type, byte[] link,
                       byte[] user, byte[] group) throws IOException {
        byte[] h = new byte[BLOCK];
        System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
        System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        System.arraycopy(user, 0, h, 265, Math.min(31, user.length));
        System.arraycopy(group, 0, h, 297, Math.min(31, group.length));
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        long sum = 0;
        for (byte x : h) {
            sum += x & 0xff;
        }
        String cs = String.format("%06o", sum);
        System.arraycopy(cs.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        out.write(h);
        written += BLOCK;
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }

    private static boolean ascii(byte[] b) {
        for (byte x : b) {
            if (x < 0x20 || x == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static byte[] truncate(byte[] b, int max) {
        return b.length <= max ? b : Arrays.copyOf(b, max);
    }

    private static final class CountingOut extends OutputStream {
        private final OutputStream out;
        private long count;

        CountingOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
