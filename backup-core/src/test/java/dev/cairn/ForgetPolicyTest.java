package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.snapshot.RetentionDecision;
import dev.cairn.snapshot.RetentionPolicy;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code Repository.forget(policy, dryRun)} (issue 9, "Retention"). */
class ForgetPolicyTest {
    @TempDir
    Path tmp;

    private Repository repoWithSnapshots() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a\n");
        Repository repo = TestRepos.fast(tmp.resolve("repo")).host("tester").init();
        for (String t : List.of("2025-11-01T10:00:00Z", "2025-11-02T10:00:00Z", "2025-11-02T12:00:00Z",
                "2025-11-03T10:00:00Z")) {
            repo.backup(src).time(Instant.parse(t)).run();
        }
        repo.backup(src).host("other").time(Instant.parse("2025-10-01T10:00:00Z")).run();
        return repo;
    }

    private static List<String> times(List<Snapshot> l) {
        return l.stream().map(s -> s.host() + " " + s.time()).toList();
    }

    @Test
    void forget_dryRun_decidesButDeletesNothing_thenRealRunDeletesLosers() throws IOException {
        try (Repository repo = repoWithSnapshots()) {
            RetentionPolicy p = RetentionPolicy.builder().zone(ZoneOffset.UTC).keepDaily(2).build();
            ForgetResult dry = repo.forget(p, true);
            assertThat(dry.dryRun()).isTrue();
            assertThat(dry.decisions()).hasSize(5);
            assertThat(dry.decisions()).extracting(d -> d.snapshot().time())
                    .as("oldest first").isSorted();
            assertThat(times(dry.removed().stream().map(RetentionDecision::snapshot).toList()))
                    .containsExactly("tester 2025-11-01T10:00:00Z", "tester 2025-11-02T10:00:00Z");
            assertThat(repo.snapshots()).hasSize(5);

            ForgetResult real = repo.forget(p, false);
            assertThat(real.dryRun()).isFalse();
            assertThat(real.kept()).extracting(RetentionDecision::reasons)
                    .containsOnly(List.of("daily snapshot"));
            assertThat(times(repo.snapshots())).containsExactly("other 2025-10-01T10:00:00Z",
                    "tester 2025-11-02T12:00:00Z", "tester 2025-11-03T10:00:00Z");
            assertThat(real.kept()).extracting(RetentionDecision::group)
                    .contains("host=other source=fs:" + tmp.resolve("src"));
        }
    }

    @Test
    void forget_emptyPolicy_deletesNothing() throws IOException {
        try (Repository repo = repoWithSnapshots()) {
            ForgetResult r = repo.forget(RetentionPolicy.builder().build(), false);
            assertThat(r.removed()).isEmpty();
            assertThat(repo.snapshots()).hasSize(5);
        }
    }

    @Test
    void forget_lockedExclusively_throws_dryRunToo() throws IOException {
        try (Repository repo = repoWithSnapshots()) {
            Map<String, Object> in = repo.internals();
            var locks = new dev.cairn.internal.repo.Locks((Backend) in.get("backend"), (Crypto) in.get("crypto"),
                    Clock.systemUTC(), "otherhost");
            RetentionPolicy p = RetentionPolicy.builder().keepLast(1).build();
            try (var held = locks.acquire(true, "prune")) {
                assertThatThrownBy(() -> repo.forget(p, false)).isInstanceOf(RepositoryLockedException.class)
                        .hasMessageContaining("otherhost").hasMessageContaining("forget snapshots");
                assertThatThrownBy(() -> repo.forget(p, true)).isInstanceOf(RepositoryLockedException.class);
            }
            try (var shared = locks.acquire(false, "back up")) {
                assertThatThrownBy(() -> repo.forget(p, false)).as("a backup is running")
                        .isInstanceOf(RepositoryLockedException.class);
                assertThat(repo.forget(p, true).removed()).as("a dry run may run beside a backup").hasSize(3);
            }
            assertThat(repo.snapshots()).hasSize(5);
        }
    }
}
