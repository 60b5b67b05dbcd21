package dev.cairn;

import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * 1,000 seeded mutations of repository objects (flipped bits, truncations, garbage appended,
 * swapped objects, huge length fields, deletions); each mutated repository is opened, listed,
 * restored and checked. Every failure must be a typed {@link BackupException}, nothing may be
 * written outside the restore target, and no run may exceed its time bound.
 */
class FuzzRepositoryTest {
    private static final int MUTATIONS = 1000;

    @TempDir
    Path tmp;

    private Path template() throws IOException {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("sub"));
        Random r = new Random(7);
        for (int i = 0; i < 4; i++) {
            byte[] b = new byte[20_000 + i * 30_000];
            r.nextBytes(b);
            Files.write(src.resolve("sub/f" + i), b);
        }
        Files.writeString(src.resolve("text.txt"), "hello ".repeat(2000));
        Files.createSymbolicLink(src.resolve("link"), Path.of("text.txt"));
        Path repo = tmp.resolve("template");
        try (Repository rp = TestRepos.fast(repo).chunkSizes(4096, 16384, 65536).packSize(1 << 20).init()) {
            rp.backup(src).run();
            Files.writeString(src.resolve("text.txt"), "changed");
            rp.backup(src).run();
        }
        return repo;
    }

    private static List<Path> objects(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Applies mutation number {@code seed}; returns its description. */
    private static String mutate(Path repo, long seed) throws IOException {
        Random r = new Random(seed);
        List<Path> objs = objects(repo);
        Path victim = objs.get(r.nextInt(objs.size()));
        String name = repo.relativize(victim).toString();
        byte[] b = Files.readAllBytes(victim);
        int kind = r.nextInt(6);
        byte[] out;
        String what;
        switch (kind) {
            case 0 -> {
                out = b.clone();
                if (out.length > 0) {
                    int at = r.nextInt(out.length);
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                what = "flip a bit";
            }
            case 1 -> {
                out = java.util.Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
                what = "truncate";
            }
            case 2 -> {
                out = java.util.Arrays.copyOf(b, b.length + 1 + r.nextInt(4096));
                for (int i = b.length; i < out.length; i++) {
                    out[i] = (byte) r.nextInt();
                }
                what = "append garbage";
            }
            case 3 -> {
                Path other = objs.get(r.nextInt(objs.size()));
                out = Files.readAllBytes(other);
                what = "swap with " + repo.relativize(other);
            }
            case 4 -> {
                out = b.clone();
                if (out.length >= 4) {
                    int at = r.nextBoolean() ? out.length - 12 + r.nextInt(4) : r.nextInt(out.length - 3);
                    at = Math.max(0, Math.min(at, out.length - 4));
                    out[at] = out[at + 1] = out[at + 2] = out[at + 3] = (byte) 0xff;
                }
                what = "huge length";
            }
            default -> {
                Files.delete(victim);
                return "delete " + name;
            }
        }
        Files.delete(victim);
        Files.write(victim, out);
        return what + " in " + name;
    }

    @Test
    void thousandMutations_everyFailureTyped_nothingOutsideTarget() throws IOException {
        Path template = template();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (long seed = 0; seed < MUTATIONS; seed++) {
            Path run = tmp.resolve("run");
            if (Files.exists(run)) {
                try (Stream<Path> s = Files.walk(run)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Path repo = run.resolve("repo");
            copy(template, repo);
            String what = mutate(repo, seed);
            Path sandbox = Files.createDirectories(run.resolve("sandbox"));
            Path target = sandbox.resolve("target");
            long s = seed;
            String outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> exercise(repo, target),
                    () -> "mutation " + s + " (" + what + ") hung");
            outcomes.merge(outcome, 1, Integer::sum);
            try (Stream<Path> left = Files.list(sandbox)) {
                List<String> names = left.map(p -> p.getFileName().toString()).toList();
                assertThat(names).as("mutation %d (%s) wrote outside the target", seed, what)
                        .isSubsetOf(List.of("target"));
            }
        }
        System.out.println("fuzz outcomes over " + MUTATIONS + " mutations: " + outcomes);
        assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(MUTATIONS);
    }

    /** Opens, lists, restores and checks; returns "ok", "check found damage", or the typed error's class. */
    private static String exercise(Path repo, Path target) {
        try (Repository r = TestRepos.fast(repo).retries(1, 0).open()) {
            List<Snapshot> snaps = new ArrayList<>(r.snapshots());
            int i = 0;
            for (Snapshot s : snaps) {
                r.restore(s).owners(false).to(target.resolve("s" + i++));
                r.list(s, "", true);
            }
            return r.check().readData(true).run().ok() ? "ok" : "check found damage";
        } catch (BackupException e) {
            return e.getClass().getSimpleName();
        } catch (Throwable t) {
            fail("untyped failure " + t, t);
            return "unreachable";
        }
    }
}
