package dev.cairn.mongo;

import dev.cairn.IntegrityException;
import org.bson.RawBsonDocument;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a {@code .bson} stream (concatenated documents, as mongodump writes them) one raw
 * document at a time, checking each length before allocating. Not thread-safe.
 */
final class DocumentReader {
    /** The server's limit for a stored document (16 MiB) plus its internal slack. */
    static final int MAX_DOCUMENT = 16 * 1024 * 1024 + 16 * 1024;
    private final InputStream in;
    private final String name;
    private long offset;

    DocumentReader(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    /** The next document, or null at the end of the stream. */
    RawBsonDocument next() throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length == 0) {
            return null;
        }
        if (head.length < 4) {
            throw truncated();
        }
        int len = (head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16 | (head[3] & 0xff) << 24;
        if (len < 5 || len > MAX_DOCUMENT) {
            throw new IntegrityException(name + ": a document at byte " + offset + " claims " + len + " bytes (BSON "
                    + "documents have 5 to " + MAX_DOCUMENT + "); the stream is not BSON or is damaged.");
        }
        byte[] doc = new byte[len];
        System.arraycopy(head, 0, doc, 0, 4);
        if (in.readNBytes(doc, 4, len - 4) != len - 4) {
            throw truncated();
        }
        if (doc[len - 1] != 0) {
            throw new IntegrityException(name + ": the document at byte " + offset + " does not end with a NUL byte; "
                    + "the stream is not BSON or is damaged.");
        }
        offset += len;
        return new RawBsonDocument(doc);
    }

    long offset() {
        return offset;
    }

    private IntegrityException truncated() {
        return new IntegrityException(name + " ends inside a document (after byte " + offset + "): the stream is "
                + "truncated.");
    }
}
