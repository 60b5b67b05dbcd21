package dev.cairn.source;

import dev.cairn.SourceReadException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Backs up a command's standard output as a named entry (the base for database dumps). The
 * command's exit status is checked: a non-zero exit (or a signal) fails the backup, writes no
 * snapshot, and the error quotes the end of the command's standard error. Arguments must not
 * carry secrets: pass them through {@link Builder#environment}. The command inherits the
 * environment except Cairn's own {@code CAIRN_*} variables. Immutable.
 */
public final class CommandSource implements Source {
    private static final int STDERR_KEEP = 8 * 1024;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Clock clock;
    private final String chunking;

    private CommandSource(Builder b) {
        this.chunking = b.chunking;
        this.name = b.name;
        this.command = List.copyOf(b.command);
        this.environment = Map.copyOf(b.environment);
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code cmd}'s output stored as {@code name}. */
    public static CommandSource of(String name, String... cmd) {
        return builder().name(name).command(List.of(cmd)).build();
    }

    /** Builder; validates on each call. */
    public static final class Builder {
        private String name;
        private List<String> command;
        private final Map<String, String> environment = new java.util.HashMap<>();
        private Clock clock = Clock.systemUTC();
        private String chunking = "default";

        /** The repository's chunker parameter set for this output ({@code stream} for dumps). */
        public Builder chunking(String set) {
            this.chunking = java.util.Objects.requireNonNull(set, "set");
            return this;
        }

        public Builder name(String name) {
            dev.cairn.internal.repo.Node.validateName(name);
            this.name = name;
            return this;
        }

        public Builder command(List<String> command) {
            if (command == null || command.isEmpty()) {
                throw new IllegalArgumentException("command must not be empty");
            }
            this.command = List.copyOf(command);
            return this;
        }

        /** Adds an environment variable for the command (the place for a password). */
        public Builder environment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "clock");
            return this;
        }

        public CommandSource build() {
            if (name == null) {
                throw new IllegalArgumentException("name is required");
            }
            if (command == null) {
                throw new IllegalArgumentException("command is required");
            }
            return new CommandSource(this);
        }
    }

    @Override
    public String kind() {
        return "command";
    }

    @Override
    public String chunking() {
        return chunking;
    }

    @Override
    public String descriptor() {
        return command.get(0) + " → " + name;
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        // Cairn's own secrets (CAIRN_PASSWORD…) never reach a child process.
        pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SourceReadException("Cannot start " + command.get(0) + ": " + e.getMessage()
                    + ". Check that it is installed and on the PATH.", e);
        }
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> drainTail(p.getErrorStream(), err), "cairn-stderr");
        drain.setDaemon(true);
        drain.start();
        long now = TimeUnit.MILLISECONDS.toNanos(clock.millis());
        try (InputStream out = p.getInputStream()) {
            session.root().file(EntryMetadata.stream(name, now), out);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        int exit;
        try {
            exit = p.waitFor();
            drain.join(10_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SourceReadException("Interrupted while waiting for " + command.get(0), e);
        }
        if (exit != 0) {
            String tail;
            synchronized (err) {
                tail = err.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
            }
            throw new SourceReadException(command.get(0) + " exited with status " + exit + "; no snapshot was written."
                    + (tail.isEmpty() ? "" : " Its error output: " + tail));
        }
        session.root().close();
    }

    private static void drainTail(InputStream in, ByteArrayOutputStream keep) {
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (keep) {
                    if (keep.size() + n > STDERR_KEEP) {
                        byte[] all = keep.toByteArray();
                        keep.reset();
                        int from = Math.max(0, all.length + n - STDERR_KEEP);
                        keep.write(all, Math.min(from, all.length), all.length - Math.min(from, all.length));
                    }
                    keep.write(buf, 0, n);
                }
            }
        } catch (IOException ignored) {
            // The process ended; what was read is kept.
        }
    }
}
