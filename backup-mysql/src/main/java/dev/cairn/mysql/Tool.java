package dev.cairn.mysql;

import dev.cairn.ConfigurationException;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool of the server family ({@code mariadb-dump}, {@code mysqldump},
 * {@code mariadb}, {@code mysql}) and its version. Immutable.
 */
record Tool(Path path, String version, boolean mariadb) {
    static final List<String> DUMP_TOOLS = List.of("mariadb-dump", "mysqldump");
    static final List<String> CLIENT_TOOLS = List.of("mariadb", "mysql");

    /** The configured tool, or the first of {@code names} on the PATH; runs it with --version. */
    static Tool find(Path configured, List<String> names) {
        Path p = configured != null ? configured : onPath(names);
        String v;
        try {
            Process proc = start(List.of(p.toString(), "--version"));
            proc.getOutputStream().close();
            byte[] out = proc.getInputStream().readAllBytes();
            if (!proc.waitFor(30, TimeUnit.SECONDS) || proc.exitValue() != 0) {
                proc.destroyForcibly();
                throw new ConfigurationException(p + " --version failed; check that it is a working "
                        + String.join(" or ", names) + ".");
            }
            v = new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigurationException("Cannot run " + p + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigurationException("Interrupted while running " + p + " --version", e);
        }
        boolean maria = v.contains("MariaDB") || p.getFileName().toString().startsWith("mariadb");
        return new Tool(p, v, maria);
    }

    private static Path onPath(List<String> names) {
        String path = System.getenv("PATH");
        for (String n : names) {
            for (String dir : (path == null ? "/usr/bin:/usr/local/bin" : path).split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path c = Path.of(dir, n);
                if (Files.isRegularFile(c) && Files.isExecutable(c)) {
                    return c;
                }
            }
        }
        throw new ConfigurationException("None of " + String.join(", ", names) + " is on the PATH. Install the "
                + "MariaDB or MySQL client tools (Debian: apt-get install mariadb-client), or configure the tool's path.");
    }

    /**
     * Starts a tool: no standard input, Cairn's own {@code CAIRN_*} variables and the client
     * library's connection variables ({@code MYSQL_PWD}, {@code MYSQL_HOST}…) removed from the
     * environment, so the option file alone decides where and as whom it connects.
     */
    static Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_") || k.equals("MYSQL_PWD")
                || k.equals("MYSQL_HOST") || k.equals("MYSQL_TCP_PORT") || k.equals("MYSQL_UNIX_PORT")
                || k.equals("MARIADB_HOST"));
        return pb.start();
    }

    /** Keeps the last bytes of a stream (a tool's standard error) on a daemon thread. */
    static final class ErrorTail {
        private static final int KEEP = 8 * 1024;
        private final ByteArrayOutputStream keep = new ByteArrayOutputStream();
        private final Thread thread;

        ErrorTail(InputStream in, String name) {
            thread = new Thread(() -> drain(in), name);
            thread.setDaemon(true);
            thread.start();
        }

        private void drain(InputStream in) {
            byte[] buf = new byte[4096];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (keep) {
                        if (keep.size() + n > KEEP) {
                            byte[] all = keep.toByteArray();
                            keep.reset();
                            int from = Math.min(all.length, Math.max(0, all.length + n - KEEP));
                            keep.write(all, from, all.length - from);
                        }
                        keep.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended; what was read is kept
            }
        }

        /** The kept text, after the stream ended (waits up to 10 s). */
        String text() {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (keep) {
                return keep.toString(StandardCharsets.UTF_8).strip();
            }
        }
    }

    /** "exited with status 2" or "was killed by signal 9". */
    static String exitText(int status) {
        return status > 128 && status < 160 ? "was killed by signal " + (status - 128) + " (exit status " + status + ")"
                : "exited with status " + status;
    }

    static List<String> command(Tool tool, Path optionFile, List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(tool.path().toString());
        // Must come first: the password is read from this file, never from arguments.
        c.add("--defaults-extra-file=" + optionFile);
        c.addAll(args);
        return c;
    }
}
