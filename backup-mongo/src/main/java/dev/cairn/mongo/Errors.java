package dev.cairn.mongo;

import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import dev.cairn.SourceReadException;

/** Turns driver exceptions into Cairn's, with a hint and without secrets. Stateless. */
final class Errors {
    private static final int SNAPSHOT_UNAVAILABLE = 246;
    private static final int SNAPSHOT_TOO_OLD = 239;

    private Errors() {
    }

    static boolean isSnapshotTooOld(MongoException e) {
        return e.getCode() == SNAPSHOT_TOO_OLD || e.getCode() == SNAPSHOT_UNAVAILABLE;
    }

    /** A failed backup: no snapshot is written. */
    static SourceReadException sourceRead(String what, MongoException e, MongoConnection c) {
        String msg = c.scrub(e.getMessage());
        // If the driver quoted a secret, the original exception is not passed on either.
        return new SourceReadException(what + ": " + msg + hint(e, c) + " No snapshot was written.",
                msg.equals(e.getMessage()) ? e : null);
    }

    /** A failed restore or drill step. */
    static BackupException failed(String what, MongoException e, MongoConnection c) {
        String msg = c.scrub(e.getMessage());
        return new BackupException(ErrorCode.FAILED, what + ": " + msg + hint(e, c), msg.equals(e.getMessage()) ? e : null);
    }

    private static String hint(MongoException e, MongoConnection c) {
        if (isSnapshotTooOld(e)) {
            return ". The read outlived the server's snapshot history (minSnapshotHistoryWindowInSeconds, 300 s by "
                    + "default): raise it on the server, or back up fewer collections per run.";
        }
        if (e instanceof MongoSecurityException) {
            return ". Check the user, its authentication database (authSource=) and the password ("
                    + ProviderUri.PASSWORD_ENV + " or " + ProviderUri.PASSWORD_FILE_ENV + ").";
        }
        if (e instanceof MongoTimeoutException) {
            return ". Check that " + c.descriptor() + " is reachable (host, port, replicaSet=, tls=).";
        }
        return ".";
    }
}
