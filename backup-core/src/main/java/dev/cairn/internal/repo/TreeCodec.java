package dev.cairn.internal.repo;

import dev.cairn.IntegrityException;
import dev.cairn.internal.util.BinReader;
import dev.cairn.internal.util.BinWriter;
import dev.cairn.internal.util.Id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The canonical binary encoding of trees (docs/format.md, "Trees"). */
public final class TreeCodec {
    private static final byte[] MAGIC = "CTREE001".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_NAME = 4096;
    private static final int MAX_TARGET = 64 * 1024;
    private static final int MAX_XATTR = 1024 * 1024;
    /** Smallest encoded node: name(4+1) type mode uid gid user group mtime ctime ino dev links size target xc cc sub. */
    private static final int MIN_NODE = 5 + 1 + 4 + 4 + 4 + 4 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 4 + 4 + 1;

    public static final Comparator<String> NAME_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private TreeCodec() {
    }

    public static byte[] encode(List<Node> nodes) {
        List<Node> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparing(Node::name, NAME_ORDER));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
                throw new IllegalArgumentException("duplicate entry name in one directory: " + sorted.get(i).name());
            }
        }
        BinWriter w = new BinWriter(64 + sorted.size() * 160);
        w.raw(MAGIC).u32(sorted.size());
        for (Node n : sorted) {
            w.str(n.name()).u8(n.type()).u32(n.mode() & 0xffffffffL).u32(n.uid() & 0xffffffffL)
                    .u32(n.gid() & 0xffffffffL).str(n.user()).str(n.group())
                    .u64(n.mtimeNs()).u64(n.ctimeNs()).u64(n.inode()).u64(n.device()).u32(n.links())
                    .u64(n.size()).str(n.linkTarget());
            TreeMap<String, byte[]> xa = new TreeMap<>(NAME_ORDER);
            xa.putAll(n.xattrs());
            w.u32(xa.size());
            for (Map.Entry<String, byte[]> e : xa.entrySet()) {
                w.str(e.getKey()).bytes(e.getValue());
            }
            w.u32(n.content().size());
            for (Id id : n.content()) {
                w.raw(id.bytes());
            }
            if (n.subtree() != null) {
                w.u8(1).raw(n.subtree().bytes());
            } else {
                w.u8(0);
            }
        }
        return w.toByteArray();
    }

    public static List<Node> decode(byte[] data, String what) {
        BinReader r = new BinReader(data, what);
        r.expect(MAGIC, "tree magic");
        int count = r.count(MIN_NODE, "node count");
        List<Node> out = new ArrayList<>(count);
        String prev = null;
        for (int i = 0; i < count; i++) {
            String name = r.str(MAX_NAME);
            int type = r.u8();
            int mode = (int) r.u32();
            int uid = (int) r.u32();
            int gid = (int) r.u32();
            String user = r.str(MAX_NAME);
            String group = r.str(MAX_NAME);
            long mtime = r.u64();
            long ctime = r.u64();
            long ino = r.u64();
            long dev = r.u64();
            int links = (int) r.u32();
            long size = r.u64();
            String target = r.str(MAX_TARGET);
            int xc = r.count(8, "xattr count");
            Map<String, byte[]> xattrs = xc == 0 ? Map.of() : new TreeMap<>(NAME_ORDER);
            for (int k = 0; k < xc; k++) {
                xattrs.put(r.str(MAX_NAME), r.bytes(MAX_XATTR));
            }
            int cc = r.count(Id.LENGTH, "content count");
            List<Id> content = new ArrayList<>(cc);
            for (int k = 0; k < cc; k++) {
                content.add(Id.of(r.raw(Id.LENGTH)));
            }
            int hasSub = r.u8();
            Id sub = null;
            if (hasSub == 1) {
                sub = Id.of(r.raw(Id.LENGTH));
            } else if (hasSub != 0) {
                throw new IntegrityException(what + " is malformed: subtree flag " + hasSub);
            }
            if (prev != null && NAME_ORDER.compare(prev, name) >= 0) {
                throw new IntegrityException(what + " is malformed: names out of order or duplicated at '" + name + "'");
            }
            if (size < 0) {
                throw new IntegrityException(what + " is malformed: negative size for '" + name + "'");
            }
            if ((type == Node.DIR) != (sub != null)) {
                throw new IntegrityException(what + " is malformed: '" + name + "' subtree does not match its type");
            }
            try {
                out.add(new Node(name, type, mode, uid, gid, user, group, mtime, ctime, ino, dev, links, size,
                        target, xattrs, content, sub));
            } catch (IllegalArgumentException e) {
                throw new IntegrityException(what + " is malformed: " + e.getMessage());
            }
            prev = name;
        }
        r.end();
        return out;
    }
}
