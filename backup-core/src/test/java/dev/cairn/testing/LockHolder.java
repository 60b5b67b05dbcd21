package dev.cairn.testing;

import dev.cairn.Repository;
import dev.cairn.backend.Backend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.Locks;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;

/** Holds a repository lock as another process would (for tests of lock conflicts). */
public final class LockHolder {
    private LockHolder() {
    }

    /** An exclusive lock, as a prune on {@code host} takes it; close it to release. */
    public static AutoCloseable exclusive(Repository repo, String host) throws IOException {
        Map<String, Object> in = internals(repo);
        return new Locks((Backend) in.get("backend"), (Crypto) in.get("crypto"), Clock.systemUTC(), host)
                .acquire(true, "prune");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> internals(Repository repo) {
        try {
            var m = Repository.class.getDeclaredMethod("internals");
            m.setAccessible(true);
            return (Map<String, Object>) m.invoke(repo);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
