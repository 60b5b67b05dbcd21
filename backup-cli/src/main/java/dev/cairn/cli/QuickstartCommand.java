package dev.cairn.cli;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.snapshot.SnapshotSummary;
import dev.cairn.source.fs.FileSystemSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * {@code cairn quickstart}: the embedded default for a first run. Creates (once) a local
 * repository under {@code ./cairn-quickstart/} with a random password kept in a 0600 file beside
 * it, backs up a directory, and lists the snapshots. No servers, no configuration.
 */
@Command(name = "quickstart",
        description = {"Try cairn: back up a directory into a new local repository.", "",
                "The repository is ./cairn-quickstart/repo (created on first use); its random password is generated "
                        + "into ./cairn-quickstart/password (mode 0600). Then the snapshots are listed.", ""})
final class QuickstartCommand extends RepoCommand {
    @Parameters(paramLabel = "DIR", arity = "0..1", description = "Directory to back up (default: the current one).")
    Path dir = Path.of(".");

    @Option(names = "--home", paramLabel = "DIR", description = "Where the repository and password live "
            + "(default: ./cairn-quickstart).")
    Path home = Path.of("cairn-quickstart");

    @Override
    public Integer call() throws IOException {
        Path repoDir = home.resolve("repo");
        Path passwordFile = home.resolve("password");
        boolean fresh = !Files.exists(repoDir.resolve("config"));
        if (fresh && !Files.exists(passwordFile)) {
            Files.createDirectories(home);
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            Files.write(passwordFile, (Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n")
                    .getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        }
        Secret password = Secret.fromFile(passwordFile);
        Repository.Builder b = Env.kdf(Repository.at(repoDir), env()).password(password);
        try (Repository repo = fresh ? b.init() : b.open()) {
            if (fresh) {
                say("Created repository " + repo.location() + " (password in " + passwordFile + ").");
            }
            FileSystemSource source = usage(() -> FileSystemSource.builder().path(dir)
                    .exclude(home.toAbsolutePath().normalize().getFileName().toString()).build());
            BackupResult r = repo.backup(source).run();
            SnapshotSummary m = r.snapshot().summary();
            say("Backed up " + dir.toAbsolutePath().normalize() + ": snapshot " + r.snapshot().shortId() + ", "
                    + m.files() + " files, " + Format.bytes(m.bytesTotal()) + " total, " + Format.bytes(m.bytesRead())
                    + " read, " + Format.bytes(m.bytesAdded()) + " new, " + Format.millis(m.durationMillis()) + ".");
            r.warnings().forEach(w -> out().println("warning: " + Format.printable(w)));
            out().println();
            SnapshotsCommand.printTable(out(), repo.snapshots());
        } finally {
            password.clear();
        }
        say("");
        say("Next: export CAIRN_REPOSITORY=" + repoDir.toAbsolutePath().normalize() + " CAIRN_PASSWORD_FILE="
                + passwordFile.toAbsolutePath().normalize() + "; then try `cairn ls latest` or "
                + "`cairn restore latest --target /tmp/restored`.");
        return Main.OK;
    }
}
