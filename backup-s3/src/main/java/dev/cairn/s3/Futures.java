package dev.cairn.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for the SDK's and our own futures, with their failures as they were thrown. */
final class Futures {
    private Futures() {
    }

    /**
     * The future's value; its failure rethrown as it was (an {@link IOException} or a runtime
     * exception, anything else wrapped in an IOException). On interruption the future is cancelled
     * and the thread's interrupt flag set again; {@code during} completes the message
     * ("interrupted " + during).
     */
    static <T> T await(Future<T> f, String during) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted " + during);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }
}
