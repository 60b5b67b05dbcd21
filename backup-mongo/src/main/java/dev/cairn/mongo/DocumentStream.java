package dev.cairn.mongo;

import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import org.bson.RawBsonDocument;

import java.io.InputStream;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The documents of a cursor as one {@code .bson} stream: each document's raw bytes as the server
 * sent them, concatenated (mongodump's format). Holds one document at a time besides the
 * cursor's current batch, so memory does not grow with the collection. Counts and hashes the
 * documents as they pass ({@link ContentHash}). Not thread-safe.
 */
final class DocumentStream extends InputStream {
    private final Iterator<RawBsonDocument> documents;
    private final BooleanSupplier cancelled;
    private final ContentHash hash = new ContentHash();
    private byte[] buf;
    private int pos;
    private int end;
    private long bytes;
    private boolean done;

    DocumentStream(Iterator<RawBsonDocument> documents, BooleanSupplier cancelled) {
        this.documents = Objects.requireNonNull(documents, "documents");
        this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    }

    private boolean advance() {
        if (done) {
            return false;
        }
        if (!documents.hasNext()) {
            done = true;
            return false;
        }
        if ((hash.count() & 1023) == 0 && cancelled.getAsBoolean()) {
            throw new BackupException(ErrorCode.CANCELLED, "Backup cancelled.");
        }
        RawBsonDocument d = documents.next();
        buf = d.getBackingArray();
        pos = d.getByteOffset();
        end = pos + d.getByteLength();
        hash.add(buf, pos, end - pos);
        bytes += end - pos;
        return true;
    }

    @Override
    public int read() {
        while (pos >= end) {
            if (!advance()) {
                return -1;
            }
        }
        return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        int n = 0;
        while (n < len) {
            if (pos >= end && !advance()) {
                break;
            }
            int k = Math.min(len - n, end - pos);
            System.arraycopy(buf, pos, b, off + n, k);
            pos += k;
            n += k;
        }
        return n == 0 ? -1 : n;
    }

    /** Documents read so far. */
    long count() {
        return hash.count();
    }

    /** Bytes of the documents read so far. */
    long bytes() {
        return bytes;
    }

    /** The content hash of the documents read so far (all of them once the stream ended). */
    String hash() {
        return hash.hex();
    }
}
