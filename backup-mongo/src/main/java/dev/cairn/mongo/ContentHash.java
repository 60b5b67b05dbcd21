package dev.cairn.mongo;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A collection's content hash, {@value #ALGORITHM}: the sum, modulo 2^256, of the SHA-256 digests
 * of every document's raw BSON bytes (each digest read as a big-endian unsigned integer), written as
 * 64 hex characters.
 *
 * <p>Why a sum of per-document digests rather than one digest over documents sorted by {@code _id}:
 * it does not depend on order, so the backup hashes the documents in the order the cursor returns
 * them (natural order, no sort, one pass, constant memory) and a drill hashes the restored
 * collection in whatever order the target server returns it; sorting by {@code _id} would need an
 * index walk on both sides and the server's cross-type comparison rules on the client. Unlike an
 * XOR, a sum does not cancel a document that appears twice. It detects accidental differences
 * (a lost, duplicated, altered or re-encoded document); it is not meant to resist someone who
 * crafts documents (the repository's MACs protect the stored bytes). Not thread-safe.
 */
final class ContentHash {
    static final String ALGORITHM = "sha256-sum";
    private final MessageDigest sha;
    private final byte[] sum = new byte[32];
    private final byte[] digest = new byte[32];
    private long count;

    ContentHash() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Adds one document given as its raw BSON bytes. */
    void add(byte[] bytes, int offset, int length) {
        sha.update(bytes, offset, length);
        addDigest();
    }

    void add(ByteBuffer bytes) {
        sha.update(bytes);
        addDigest();
    }

    private void addDigest() {
        try {
            sha.digest(digest, 0, 32);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        int carry = 0;
        for (int i = 31; i >= 0; i--) {
            int s = (sum[i] & 0xff) + (digest[i] & 0xff) + carry;
            sum[i] = (byte) s;
            carry = s >>> 8;
        }
        count++;
    }

    long count() {
        return count;
    }

    String hex() {
        StringBuilder b = new StringBuilder(64);
        for (byte x : sum) {
            b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return b.toString();
    }
}
