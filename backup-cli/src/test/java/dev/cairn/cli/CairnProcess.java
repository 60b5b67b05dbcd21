package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The built {@code target/cairn.jar} run as a child process, as an operator runs it. */
final class CairnProcess {
    static final Path JAR = Path.of(System.getProperty("cairn.jar", "target/cairn.jar")).toAbsolutePath();
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    private CairnProcess() {
    }

    /** One finished process, with its command line as the kernel showed it to every user. */
    record Proc(int code, String out, String err, String cmdline) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code java -jar cairn.jar args…} with exactly {@code environment}, in {@code dir}, stdin closed. */
    static Proc run(Map<String, String> environment, Path dir, String... args) {
        return run(environment, dir, new File("/dev/null"), args);
    }

    /** As {@link #run(Map, Path, String...)}, with standard input read from {@code stdin}. */
    static Proc run(Map<String, String> environment, Path dir, File stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.from(stdin));
        try {
            Process p = pb.start();
            String cmdline = readCmdline(p.pid());
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("cairn " + String.join(" ", args) + " did not finish in 180 s");
            }
            return new Proc(p.exitValue(), out.join(), err.join(), cmdline);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process's command line as the kernel shows it to every user ("" once it has exited). */
    private static String readCmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** A throwaway secret for one test run, made up at run time (never a literal in the code). */
    static String throwawaySecret(String label) {
        byte[] b = new byte[18];
        new java.security.SecureRandom().nextBytes(b);
        return label + "-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
