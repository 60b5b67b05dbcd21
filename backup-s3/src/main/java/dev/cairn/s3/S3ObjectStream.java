package dev.cairn.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The body of one GET, of a whole object or of a range. A connection that breaks mid-way is
 * resumed with a ranged GET from the byte where it broke (up to 5 times, with backoff), pinned
 * with {@code If-Match} to the first response's ETag so that the pieces belong to one version of
 * the object. Not thread-safe.
 */
final class S3ObjectStream extends InputStream {
    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStream.class);
    private static final int MAX_RESUMES = 5;
    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String name;
    private final GetObjectResponse response;
    /** The body's length (the range's, for a range), -1 when unknown. */
    private final long size;
    /** The object's offset of the body's first byte (0 for a whole object). */
    private final long base;
    private InputStream in;
    private long pos;
    private int resumes;

    private S3ObjectStream(S3Client s3, String bucket, String key, String name,
                           ResponseInputStream<GetObjectResponse> first, long base) {
        this.base = base;
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.name = name;
        this.in = first;
        this.response = first.response();
        this.size = response.contentLength() == null ? -1 : response.contentLength();
    }

    /**
     * Opens {@code key}; with {@code ifMatch} only that version (412 → IOException otherwise).
     *
     * @param name the caller's name for errors ({@code NoSuchFileException} carries it)
     */
    static S3ObjectStream open(S3Client s3, String bucket, String key, String name, String ifMatch)
            throws IOException {
        try {
            GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(key);
            if (ifMatch != null) {
                req.ifMatch(ifMatch);
            }
            return new S3ObjectStream(s3, bucket, key, name, s3.getObject(req.build()), 0);
        } catch (SdkException e) {
            throw S3Errors.map(e, "read", bucket, key, name);
        }
    }

    /** Opens {@code length > 0} bytes of {@code key} at {@code offset}; fewer where the object ends sooner. */
    static S3ObjectStream openRange(S3Client s3, String bucket, String key, String name, long offset, long length)
            throws IOException {
        try {
            GetObjectRequest req = GetObjectRequest.builder().bucket(bucket).key(key)
                    .range("bytes=" + offset + "-" + (offset + length - 1)).build();
            return new S3ObjectStream(s3, bucket, key, name, s3.getObject(req), offset);
        } catch (SdkException e) {
            throw S3Errors.map(e, "ranged read", bucket, key, name);
        }
    }

    /** The first response's headers: ETag, size, last-modified, content type, user metadata. */
    GetObjectResponse response() {
        return response;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    pos += n;
                } else if (n < 0 && size >= 0 && pos < size) {
                    throw new EOFException("the body of s3://" + bucket + "/" + key + " ended at byte " + pos + " of "
                            + size);
                }
                return n;
            } catch (IOException | SdkException e) {
                if (e instanceof InterruptedIOException || Thread.currentThread().isInterrupted()
                        || resumes++ >= MAX_RESUMES || size < 0 || response.eTag() == null) {
                    throw e instanceof IOException io ? io : S3Errors.map((SdkException) e, "read", bucket, key, name);
                }
                LOG.debug("Resuming s3://{}/{} at byte {} after: {}", bucket, key, pos, e.toString());
                abortQuietly(in);
                pause(resumes);
                if (pos >= size) {
                    return -1;
                }
                try {
                    // A resume happens only with a known size (above): the rest of this body, up to its last byte.
                    String range = "bytes=" + (base + pos) + "-" + (base + size - 1);
                    in = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).range(range)
                            .ifMatch(response.eTag()).build());
                } catch (SdkException se) {
                    throw S3Errors.map(se, "resumed read", bucket, key, name);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (in instanceof ResponseInputStream<?> r && size >= 0 && pos < size) {
            r.abort(); // do not drain the rest of a large body just to keep the connection
        }
        in.close();
    }

    private static void abortQuietly(InputStream in) {
        try {
            if (in instanceof ResponseInputStream<?> r) {
                r.abort();
            }
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is gone already
        }
    }

    private static void pause(int attempt) throws InterruptedIOException {
        long cap = Math.min(5_000, 100L << Math.min(attempt, 6));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while resuming a read");
        }
    }
}
