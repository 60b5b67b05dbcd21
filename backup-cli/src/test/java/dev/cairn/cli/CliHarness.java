package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@link Main#run} in-process against one repository, with a cheap KDF, and records every output. */
final class CliHarness {
    static final String PASSWORD = CairnProcess.throwawaySecret("password");

    private final Map<String, String> env = new HashMap<>();
    /** Everything any run printed, to check that no secret ever appears. */
    final List<String> transcript = new ArrayList<>();

    CliHarness(Path repo) {
        env.put("CAIRN_REPOSITORY", repo.toString());
        env.put("CAIRN_PASSWORD", PASSWORD);
        env.put("CAIRN_KDF_MEMORY_KIB", "8192");
        env.put("CAIRN_KDF_ITERATIONS", "1");
    }

    CliHarness env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    Map<String, String> env() {
        return env;
    }

    /** The outcome of one run. */
    record Result(int code, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        List<String> lines() {
            return out().lines().toList();
        }

        JsonNode json() {
            try {
                return new ObjectMapper().readTree(stdout);
            } catch (IOException e) {
                throw new UncheckedIOException("stdout is not JSON: " + out(), e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out() + "--- stderr\n" + stderr;
        }
    }

    Result run(String... args) {
        return run(env, args);
    }

    Result run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, environment, o, e);
        }
        Result r = new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
        transcript.add(r.out());
        transcript.add(r.stderr());
        return r;
    }
}
