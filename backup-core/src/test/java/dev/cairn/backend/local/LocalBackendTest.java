package dev.cairn.backend.local;

import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendContractTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void names_cannotEscapeTheRoot() {
        assertThatThrownBy(() -> backend.put("../evil", new byte[1], 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.get("/etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }
}
