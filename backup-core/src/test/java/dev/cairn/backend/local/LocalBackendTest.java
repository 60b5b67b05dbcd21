package dev.cairn.backend.local;

import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendContractTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalBackendTest extends BackendContractTest {
    @TempDir
    Path dir;

    @Override
    protected Backend newBackend() {
        return new LocalBackend(dir.resolve("repo"));
    }

    @Test
    void put_leavesNoTemporaryFiles() throws IOException {
        backend.put("data/aa/x", new byte[100], 0, 100);
        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .containsExactly("x");
        }
    }

    /**
     * A staged pack goes to a file as it is written (no more than one I/O slice of it held in
     * memory, never the whole pack), and is gone if not committed.
     */
    @Test
    void staged_isWrittenAsItGoes_andLeavesNoTemporaryFiles() throws IOException {
        try (Backend.Staged s = backend.stage("data/", 16 << 20)) {
            for (int i = 0; i < 10; i++) {
                s.write(new byte[100_000], 0, 100_000);
            }
            try (Stream<Path> files = Files.walk(dir)) {
                assertThat(files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum())
                        .isGreaterThanOrEqualTo(1_000_000 - dev.cairn.internal.util.Bytes.IO_SLICE);
            }
            s.commit("data/bb/y");
        }
        try (Backend.Staged s = backend.stage("data/", 16 << 20)) {
            s.write(new byte[10], 0, 10);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())).containsExactly("y");
        }
    }

    /**
     * The temporaries a killed process left (a staged pack, a put's file) go once not modified
     * since the given instant; a write in progress, objects and other hidden files stay.
     */
    @Test
    void removeStaleTemporaries_onlyOldTemporaryFiles() throws IOException {
        backend.put("data/aa/x", new byte[10], 0, 10);
        Path repo = dir.resolve("repo");
        Path staged = Files.write(repo.resolve("data/.staged.1234.cairn-tmp"), new byte[100]);
        Path put = Files.write(repo.resolve("data/aa/.x2.5678.cairn-tmp"), new byte[100]);
        Path other = Files.write(repo.resolve("data/.keep"), new byte[1]);
        java.nio.file.attribute.FileTime twoDaysAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofDays(2)));
        for (Path p : List.of(staged, put, other)) {
            Files.setLastModifiedTime(p, twoDaysAgo);
        }
        try (Backend.Staged inProgress = backend.stage("data/", 1 << 20)) {
            inProgress.write(new byte[10], 0, 10);
            int removed = backend.removeStaleTemporaries(java.time.Instant.now().minus(java.time.Duration.ofDays(1)));
            assertThat(removed).isEqualTo(2);
            try (Stream<Path> s = Files.walk(repo)) {
                assertThat(s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                        .contains("x", ".keep").doesNotContain(".staged.1234.cairn-tmp", ".x2.5678.cairn-tmp")
                        .anyMatch(n -> n.startsWith(".staged.") && n.endsWith(".cairn-tmp"));
            }
            inProgress.commit("data/cc/z");
        }
        assertThat(backend.get("data/cc/z")).hasSize(10);
    }

    @Test
    void names_cannotEscapeTheRoot() {
        assertThatThrownBy(() -> backend.put("../evil", new byte[1], 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.get("/etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }
}
