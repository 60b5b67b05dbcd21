package dev.cairn.internal.repo;

import dev.cairn.internal.util.Id;

/** Where a blob lives: pack, offset and stored length within it, plaintext length, type, compression. */
public record BlobLocation(Id id, Id pack, int offset, int storedLength, int plainLength, int type, int compression) {
    public static final int DATA = 0;
    public static final int TREE = 1;
    public static final int COMPRESSION_NONE = 0;
    public static final int COMPRESSION_ZSTD = 1;

    /** The associated data the blob is encrypted under: type ‖ compression ‖ id. */
    public static byte[] associatedData(int type, int compression, Id id) {
        byte[] ad = new byte[2 + Id.LENGTH];
        ad[0] = (byte) type;
        ad[1] = (byte) compression;
        id.copyTo(ad, 2);
        return ad;
    }
}
