package dev.cairn.testing;

import dev.cairn.BackupListener;
import dev.cairn.Repository;
import dev.cairn.Secret;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A backup in a process of its own, for crash and concurrency tests: {@code BackupMain <repo> <src>}.
 * Creates the repository if missing (small chunks and packs, an index file after every pack),
 * prints {@code progress} after each chunk read and {@code done <snapshot>} at the end.
 */
public final class BackupMain {
    private BackupMain() {
    }

    public static void main(String[] args) {
        Path repoDir = Path.of(args[0]);
        Path src = Path.of(args[1]);
        Repository.Builder b = Repository.at(repoDir).password(Secret.fromEnv("CAIRN_TEST_PASSWORD"))
                .kdf(8 * 1024, 1, 1).chunkSizes(16 * 1024, 64 * 1024, 256 * 1024).packSize(1 << 20)
                .indexInterval(Duration.ZERO);
        try (Repository repo = openOrInit(b, repoDir)) {
            var r = repo.backup(src).listener(new BackupListener() {
                @Override
                public void bytesProcessed(long total) {
                    System.out.println("progress " + total);
                    System.out.flush();
                }
            }).run();
            System.out.println("done " + r.snapshot().id());
        }
    }

    private static Repository openOrInit(Repository.Builder b, Path repoDir) {
        if (Files.exists(repoDir.resolve("config"))) {
            return b.open();
        }
        try {
            return b.init();
        } catch (dev.cairn.BackupException e) {
            return b.open(); // another process created it first
        }
    }
}
