package dev.cairn.internal.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.BackendException;
import dev.cairn.RepositoryLockedException;
import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.util.Hex;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Repository locks (docs/format.md, "Locks"). Thread-safe. */
public final class Locks {
    static final byte[] AD = "cairn-lock-v1".getBytes(StandardCharsets.US_ASCII);
    public static final Duration STALE_AFTER = Duration.ofMinutes(30);
    private static final Duration REFRESH_EVERY = Duration.ofMinutes(5);

    private final Backend backend;
    private final Crypto crypto;
    private final Clock clock;
    private final String host;

    public Locks(Backend backend, Crypto crypto, Clock clock, String host) {
        this.backend = backend;
        this.crypto = crypto;
        this.clock = clock;
        this.host = host;
    }

    /** A lock as stored. */
    public record Info(String name, boolean exclusive, String host, long pid, String username, Instant time,
                       Instant refreshed) {
    }

    /** A held lock; {@link #close()} releases it. */
    public final class Held implements AutoCloseable {
        private volatile String name;
        private final boolean exclusive;
        private final Instant time;
        private final ScheduledExecutorService timer;
        private final ScheduledFuture<?> refresher;

        /** Whether {@code l} is this lock (under its current name). */
        public boolean is(Info l) {
            return l.name().equals(name);
        }

        /**
         * Whether {@code l} belongs to a process that cannot be working on the repository beside
         * this exclusive lock: it was created after this lock, so it was absent when this lock was
         * checked (present, it would have failed the check unless stale, and a stale lock is older),
         * and its owner checks after writing it, sees this lock and backs off. A lock created before
         * (a stale one, perhaps of a process that is still running) is never dismissed; a skewed
         * clock can only make a lock count that need not.
         */
        public boolean outranks(Info l) {
            return exclusive && !is(l) && l.time().isAfter(time);
        }

        Held(String name, boolean exclusive, Instant time) {
            this.name = name;
            this.exclusive = exclusive;
            this.time = time;
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cairn-lock-refresh");
                t.setDaemon(true);
                return t;
            });
            this.refresher = timer.scheduleAtFixedRate(this::refresh, REFRESH_EVERY.toSeconds(),
                    REFRESH_EVERY.toSeconds(), TimeUnit.SECONDS);
        }

        private synchronized void refresh() {
            try {
                String fresh = write(exclusive, time);
                backend.delete(name);
                name = fresh;
            } catch (IOException | RuntimeException ignored) {
                // Retried at the next period; the lock goes stale only after 30 minutes.
            }
        }

        @Override
        public synchronized void close() {
            refresher.cancel(false);
            timer.shutdownNow();
            try {
                backend.delete(name);
            } catch (IOException ignored) {
                // A lock left behind goes stale and is reported, never trusted forever.
            }
        }
    }

    public Held acquire(boolean exclusive, String operation) throws IOException {
        return acquire(exclusive, operation, Duration.ZERO);
    }

    /**
     * Takes a lock, waiting up to {@code wait} (wall-clock time, not the injected clock) while a
     * conflicting lock is held: polls with a jittered backoff from 20 ms doubling up to 2 s, so
     * that a backup and a prune started together serialize instead of failing. With a zero wait,
     * a conflict fails at once.
     *
     * @throws RepositoryLockedException when a conflicting lock is still held after {@code wait}
     */
    public Held acquire(boolean exclusive, String operation, Duration wait) throws IOException {
        Duration capped = wait.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365) : wait;
        long deadline = System.nanoTime() + Math.max(0, capped.toNanos());
        long backoffMillis = 20;
        while (true) {
            try {
                return tryAcquire(exclusive, operation);
            } catch (RepositoryLockedException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw wait.isZero() ? e : new RepositoryLockedException(e.getMessage() + " (waited "
                            + wait + " for it to be released)", e);
                }
                long sleep = Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1,
                        backoffMillis / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(backoffMillis));
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new dev.cairn.BackupException(dev.cairn.ErrorCode.CANCELLED,
                            "Interrupted while waiting for the lock to " + operation + ".", ie);
                }
                backoffMillis = Math.min(2_000, backoffMillis * 2);
            }
        }
    }

    private Held tryAcquire(boolean exclusive, String operation) throws IOException {
        check(exclusive, operation, null);
        Instant now = clock.instant();
        String name = write(exclusive, now);
        try {
            // Another process may have locked at the same moment: check again, ours included.
            check(exclusive, operation, name);
        } catch (RuntimeException e) {
            backend.delete(name);
            throw e;
        }
        return new Held(name, exclusive, now);
    }

    private void check(boolean exclusive, String operation, String own) throws IOException {
        for (Info l : list()) {
            if (l.name().equals(own) || isStale(l)) {
                continue;
            }
            if (exclusive || l.exclusive()) {
                throw new RepositoryLockedException("Repository " + backend.location() + " is locked"
                        + (l.exclusive() ? " exclusively" : "") + " by " + l.username() + "@" + l.host() + " (pid "
                        + l.pid() + ") since " + l.time() + "; cannot " + operation + ". If no Cairn process runs"
                        + " there, remove the lock with `cairn unlock`.");
            }
        }
    }

    public boolean isStale(Info l) {
        if (l.refreshed().plus(STALE_AFTER).isBefore(clock.instant())) {
            return true;
        }
        return l.host().equals(host) && ProcessHandle.of(l.pid()).isEmpty();
    }

    public List<Info> list() throws IOException {
        List<Info> out = new ArrayList<>();
        for (ObjectInfo o : backend.list("locks/")) {
            try {
                byte[] plain = crypto.decrypt(backend.get(o.name()), AD, "lock " + o.name());
                JsonNode n = JsonTree.readTree(plain);
                out.add(new Info(o.name(), n.path("exclusive").asBoolean(), n.path("host").asText(),
                        n.path("pid").asLong(), n.path("username").asText(), Instant.parse(n.path("time").asText()),
                        Instant.parse(n.path("refreshed").asText())));
            } catch (java.nio.file.NoSuchFileException e) {
                // released meanwhile
            } catch (RuntimeException e) {
                // An unreadable lock is treated as stale: it cannot name a live holder.
                out.add(new Info(o.name(), false, "?", -1, "?", Instant.EPOCH, Instant.EPOCH));
            }
        }
        return out;
    }

    private String write(boolean exclusive, Instant time) throws IOException {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("exclusive", exclusive);
        n.put("host", host);
        n.put("pid", ProcessHandle.current().pid());
        n.put("username", System.getProperty("user.name", ""));
        n.put("time", time.toString());
        n.put("refreshed", clock.instant().toString());
        byte[] rnd = new byte[16];
        new SecureRandom().nextBytes(rnd);
        String name = "locks/" + Hex.encode(rnd);
        byte[] enc = crypto.encrypt(JsonTree.writeValueAsBytes(n), AD);
        try {
            backend.put(name, enc, 0, enc.length);
        } catch (IOException e) {
            throw new BackendException("Cannot write lock to " + backend.location() + ": " + e.getMessage(), true, e);
        }
        return name;
    }

    /** Removes stale locks (or all, if asked); returns how many were removed. */
    public int unlock(boolean all) throws IOException {
        int n = 0;
        for (Info l : list()) {
            if (all || isStale(l)) {
                backend.delete(l.name());
                n++;
            }
        }
        return n;
    }
}
