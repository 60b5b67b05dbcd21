package dev.cairn.examples;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.Secret;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.source.fs.FileSystemSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Embedding Cairn in an application: back up a directory into a local repository, list the
 * snapshots, restore the latest one and check that the files came back.
 *
 * <p>Usage: {@code EmbeddingExample <source-dir> <repository-dir> <restore-dir>}. The password
 * comes from the file named by {@code CAIRN_PASSWORD_FILE} (never from code or arguments).
 */
public final class EmbeddingExample {
    private EmbeddingExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: EmbeddingExample <source-dir> <repository-dir> <restore-dir>");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        Path repoDir = Path.of(args[1]);
        Path restoreDir = Path.of(args[2]);
        String passwordFile = System.getenv("CAIRN_PASSWORD_FILE");
        if (passwordFile == null) {
            System.err.println("set CAIRN_PASSWORD_FILE to a file holding the repository password");
            System.exit(2);
        }
        Secret password = Secret.fromFile(Path.of(passwordFile));

        Repository.Builder builder = Repository.at(repoDir).password(password);
        try (Repository repo = Files.exists(repoDir.resolve("config")) ? builder.open() : builder.init()) {
            BackupResult result = repo.backup(FileSystemSource.builder()
                            .path(source)
                            .exclude("*.tmp")
                            .build())
                    .tags("example")
                    .run();
            System.out.printf("snapshot %s: %d files, %d bytes read, %d bytes added%n",
                    result.snapshot().shortId(), result.snapshot().summary().files(),
                    result.snapshot().summary().bytesRead(), result.snapshot().summary().bytesAdded());

            for (Snapshot s : repo.snapshots()) {
                System.out.printf("%s  %s  %s  %s%n", s.shortId(), s.time(), s.host(), String.join(" ", s.paths()));
            }

            RestoreResult restored = repo.restore(repo.snapshot("latest")).to(restoreDir);
            System.out.printf("restored %d files (%d bytes) in %d ms%n", restored.files(), restored.bytes(),
                    restored.duration().toMillis());
        }
    }
}
