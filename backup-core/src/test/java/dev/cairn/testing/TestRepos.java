package dev.cairn.testing;

import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.backend.Backend;

import java.nio.file.Path;

/** Repositories for tests: cheap key derivation, small packs. */
public final class TestRepos {
    private TestRepos() {
    }

    public static Secret password() {
        return Secret.of("correct horse battery staple".toCharArray());
    }

    public static Repository.Builder fast(Path dir) {
        return Repository.at(dir).password(password()).kdf(8 * 1024, 1, 1);
    }

    public static Repository.Builder fast(Backend backend) {
        return Repository.at(backend).password(password()).kdf(8 * 1024, 1, 1);
    }
}
