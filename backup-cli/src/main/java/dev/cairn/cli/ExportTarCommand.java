package dev.cairn.cli;

import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code cairn export-tar}: writes a snapshot as a tar stream. */
@Command(name = "export-tar",
        description = "Write a whole snapshot as a POSIX tar archive, to stdout or --output.")
final class ExportTarCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, unique id prefix, or latest.")
    String snapshot;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the archive here (default: stdout).")
    Path output;

    @Override
    public Integer call() {
        if (output == null && root().interactive) {
            throw new ConfigurationException("Refusing to write a tar archive to a terminal: redirect stdout or pass"
                    + " --output FILE.");
        }
        try (Repository repo = open()) {
            Snapshot s = repo.snapshot(snapshot);
            if (output == null) {
                repo.exportTar(s, out());
                out().flush();
                checkOut();
            } else {
                toFile(repo, s);
                say("Wrote snapshot " + s.shortId() + " to " + output + ".");
            }
        }
        return Main.OK;
    }

    /** Writes the archive to the file; on failure, removes the incomplete file. */
    private void toFile(Repository repo, Snapshot s) {
        boolean done = false;
        try {
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(output), 1 << 16)) {
                repo.exportTar(s, o);
            }
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + output + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // The failure that got us here is the one to report.
                }
            }
        }
    }
}
