package dev.cairn.internal.util;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Marks failures of a caller's output stream (a closed pipe, a full disk) so they are not
 * mistaken for failures of the repository's storage. Not thread-safe.
 */
public final class OutputGuard extends FilterOutputStream {
    /** An {@link IOException} of the guarded output. */
    public static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    public OutputGuard(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw new Failure(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new Failure(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw new Failure(e);
        }
    }
}
