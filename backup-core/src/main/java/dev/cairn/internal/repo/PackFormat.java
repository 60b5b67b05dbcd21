package dev.cairn.internal.repo;

import dev.cairn.IntegrityException;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.util.BinReader;
import dev.cairn.internal.util.BinWriter;
import dev.cairn.internal.util.Id;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/** Pack files: blobs, then an encrypted header, its length and a magic (docs/format.md, "Packs"). */
public final class PackFormat {
    public static final byte[] MAGIC = "CAIRNPK1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] HEADER_AD = "cairn-pack-header-v1".getBytes(StandardCharsets.US_ASCII);
    public static final int TRAILER = 4 + MAGIC.length;
    static final int ENTRY = 1 + 1 + Id.LENGTH + 4 + 4 + 4;
    /** Largest plaintext blob a reader accepts (a tree of a very large directory). */
    public static final int MAX_BLOB = 256 * 1024 * 1024;

    private PackFormat() {
    }

    public static String name(Id pack) {
        String h = pack.hex();
        return "data/" + h.substring(0, 2) + "/" + h;
    }

    public static Id sha256(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, off, len);
            return Id.of(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Accumulates encrypted blobs of one type into a pack, written as they come to a
     * {@link dev.cairn.backend.Backend.Staged} (a local repository's file: no pack is held in
     * memory; other backends keep it in one array) and hashed on the way for the pack's name.
     * Not thread-safe.
     */
    public static final class Builder implements java.io.Closeable {
        private final dev.cairn.backend.Backend.Staged out;
        private final MessageDigest sha;
        private final List<BlobLocation> entries = new ArrayList<>();
        private int length;

        private Builder(dev.cairn.backend.Backend.Staged out) {
            this.out = out;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A builder for a pack of {@code backend}, to be stored by {@link #store}. */
        public static Builder of(dev.cairn.backend.Backend backend, int sizeHint) throws java.io.IOException {
            return of(backend.stage("data/", sizeHint));
        }

        /** A builder writing to {@code staged} (from a backend's {@code stage("data/", …)}). */
        public static Builder of(dev.cairn.backend.Backend.Staged staged) {
            return new Builder(staged);
        }

        public void add(Id id, int type, int compression, byte[] stored, int plainLength) throws java.io.IOException {
            add(id, type, compression, stored, stored.length, plainLength);
        }

        /** As {@link #add(Id, int, int, byte[], int)} with the stored blob in {@code stored[0, storedLength)}. */
        public void add(Id id, int type, int compression, byte[] stored, int storedLength, int plainLength)
                throws java.io.IOException {
            if (length + (long) storedLength > Integer.MAX_VALUE - (1 << 24)) {
                throw new IllegalStateException("pack too large");
            }
            entries.add(new BlobLocation(id, null, length, storedLength, plainLength, type, compression));
            write(stored, 0, storedLength);
        }

        private void write(byte[] b, int off, int len) throws java.io.IOException {
            sha.update(b, off, len);
            out.write(b, off, len);
            length += len;
        }

        public int size() {
            return length;
        }

        public int count() {
            return entries.size();
        }

        /** The finished pack's length (blobs, encrypted header, trailer) with one more blob of {@code stored} bytes. */
        public long finishedSize(int stored) {
            return length + (long) stored + 8 + (entries.size() + 1L) * ENTRY + Crypto.OVERHEAD + TRAILER;
        }

        /**
         * Appends header and trailer and stores the pack under its name (a pack of that name holds
         * the same bytes: it stays); returns its id, length and entries.
         */
        public Finished store(Crypto crypto) throws java.io.IOException {
            BinWriter h = new BinWriter(8 + entries.size() * ENTRY);
            h.u32(1).u32(entries.size());
            for (BlobLocation e : entries) {
                h.u8(e.type()).u8(e.compression()).raw(e.id().bytes()).u32(e.offset()).u32(e.storedLength())
                        .u32(e.plainLength());
            }
            byte[] header = crypto.encrypt(h.toByteArray(), HEADER_AD);
            write(header, 0, header.length);
            byte[] trailer = new BinWriter(TRAILER).u32(header.length).raw(MAGIC).toByteArray();
            write(trailer, 0, trailer.length);
            Id packId = Id.of(sha.digest());
            List<BlobLocation> located = new ArrayList<>(entries.size());
            for (BlobLocation e : entries) {
                located.add(new BlobLocation(e.id(), packId, e.offset(), e.storedLength(), e.plainLength(), e.type(),
                        e.compression()));
            }
            try {
                out.commit(name(packId));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Same bytes, same name: an identical pack is already stored.
            }
            return new Finished(packId, length, located);
        }

        /** Drops the pack unless it was stored. */
        @Override
        public void close() throws java.io.IOException {
            out.close();
        }
    }

    /**
     * Reads and decrypts a stored pack's header (two ranged reads: trailer, then header) and returns
     * its blobs' locations.
     */
    public static List<BlobLocation> readHeader(dev.cairn.backend.Backend backend, Crypto crypto, Id pack, long size)
            throws java.io.IOException {
        String name = name(pack);
        if (size < TRAILER) {
            throw new dev.cairn.IntegrityException("pack is only " + size + " bytes");
        }
        byte[] trailer = backend.get(name, size - TRAILER, TRAILER);
        int hl = headerLength(trailer, size, "pack " + pack.shortHex());
        byte[] header = backend.get(name, size - TRAILER - hl, hl);
        return parseHeader(pack, header, size, crypto, "pack " + pack.shortHex());
    }

    /** A stored pack: its id (the SHA-256 of its bytes, its name), length and blobs. */
    public record Finished(Id id, int length, List<BlobLocation> entries) {
    }

    /** Reads the trailer of a pack: the header length (bounds-checked against the pack size). */
    public static int headerLength(byte[] trailer, long packSize, String what) {
        if (trailer.length != TRAILER) {
            throw new IntegrityException(what + " trailer is truncated");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (trailer[4 + i] != MAGIC[i]) {
                throw new IntegrityException(what + " does not end with the pack magic: not a Cairn pack or truncated");
            }
        }
        long len = new BinReader(trailer, 0, 4, what).u32();
        if (len < Crypto.OVERHEAD + 8 || len > packSize - TRAILER) {
            throw new IntegrityException(what + " header length " + len + " is impossible for a pack of "
                    + packSize + " bytes");
        }
        return (int) len;
    }

    /** Decrypts and parses a pack header; every entry is checked to lie within the pack's blob area. */
    public static List<BlobLocation> parseHeader(Id pack, byte[] encHeader, long packSize, Crypto crypto, String what) {
        byte[] plain = crypto.decrypt(encHeader, HEADER_AD, what + " header");
        BinReader r = new BinReader(plain, what + " header");
        if (r.u32() != 1) {
            throw new IntegrityException(what + " header has an unsupported version");
        }
        int n = r.count(ENTRY, "entry count");
        long blobArea = packSize - TRAILER - encHeader.length;
        List<BlobLocation> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int type = r.u8();
            int comp = r.u8();
            Id id = Id.of(r.raw(Id.LENGTH));
            long off = r.u32();
            long stored = r.u32();
            long plainLen = r.u32();
            if (type > 1 || comp > 1 || off + stored > blobArea || stored < Crypto.OVERHEAD || plainLen > MAX_BLOB) {
                throw new IntegrityException(what + " header entry " + i + " is out of bounds or of unknown kind");
            }
            out.add(new BlobLocation(id, pack, (int) off, (int) stored, (int) plainLen, type, comp));
        }
        r.end();
        return out;
    }
}
