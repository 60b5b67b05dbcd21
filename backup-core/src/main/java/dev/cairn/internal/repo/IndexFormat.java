package dev.cairn.internal.repo;

import dev.cairn.IntegrityException;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.util.BinReader;
import dev.cairn.internal.util.BinWriter;
import dev.cairn.internal.util.Id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Index files (docs/format.md, "Index files"). */
public final class IndexFormat {
    private static final byte[] MAGIC = "CAIRNIX1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] AD = "cairn-index-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY = Id.LENGTH + 4 * 4 + 2;

    private IndexFormat() {
    }

    public static byte[] encode(Collection<BlobLocation> blobs, Crypto crypto) {
        List<BlobLocation> sorted = new ArrayList<>(blobs);
        sorted.sort(Comparator.comparing(BlobLocation::id));
        Map<Id, Integer> packs = new HashMap<>();
        List<Id> packList = new ArrayList<>();
        for (BlobLocation b : sorted) {
            packs.computeIfAbsent(b.pack(), p -> {
                packList.add(p);
                return packList.size() - 1;
            });
        }
        BinWriter w = new BinWriter(16 + packList.size() * 32 + sorted.size() * ENTRY);
        w.raw(MAGIC).u32(packList.size());
        for (Id p : packList) {
            w.raw(p.bytes());
        }
        w.u32(sorted.size());
        for (BlobLocation b : sorted) {
            w.raw(b.id().bytes()).u32(packs.get(b.pack())).u32(b.offset()).u32(b.storedLength())
                    .u32(b.plainLength()).u8(b.type()).u8(b.compression());
        }
        return crypto.encrypt(w.toByteArray(), AD);
    }

    /**
     * Encodes and stores one index file ({@code index/<sha256>}); an identical file already
     * stored counts as written. Returns its name.
     */
    public static String write(dev.cairn.backend.Backend backend, Collection<BlobLocation> blobs, Crypto crypto)
            throws java.io.IOException {
        byte[] f = encode(blobs, crypto);
        String name = "index/" + PackFormat.sha256(f, 0, f.length).hex();
        try {
            backend.put(name, f, 0, f.length);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // the same index content is already stored
        }
        return name;
    }

    /** Decodes an index file into {@code sink}. */
    public static void decode(byte[] file, Crypto crypto, String what, BlobIndex.Builder sink) {
        byte[] plain = crypto.decrypt(file, AD, what);
        BinReader r = new BinReader(plain, what);
        r.expect(MAGIC, "index magic");
        int pc = r.count(Id.LENGTH, "pack count");
        Id[] packs = new Id[pc];
        for (int i = 0; i < pc; i++) {
            packs[i] = Id.of(r.raw(Id.LENGTH));
        }
        int bc = r.count(ENTRY, "blob count");
        for (int i = 0; i < bc; i++) {
            byte[] id = r.raw(Id.LENGTH);
            int p = r.u32Max(pc - 1L, "pack ordinal");
            long off = r.u32();
            long stored = r.u32();
            long plainLen = r.u32();
            int type = r.u8();
            int comp = r.u8();
            if (type > 1 || comp > 1 || off + stored > Integer.MAX_VALUE || stored < Crypto.OVERHEAD
                    || plainLen > PackFormat.MAX_BLOB) {
                throw new IntegrityException(what + " entry " + i + " is out of bounds or of unknown kind");
            }
            sink.add(id, packs[p], (int) off, (int) stored, (int) plainLen, type, comp);
        }
        r.end();
    }
}
