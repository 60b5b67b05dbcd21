package dev.cairn.cli;

import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cairn dump}: writes one file of a snapshot to stdout. */
@Command(name = "dump",
        description = "Write one file of a snapshot to stdout, byte for byte.")
final class DumpCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, unique id prefix, or latest.")
    String snapshot;

    @Parameters(index = "1", paramLabel = "PATH", description = "The file's path in the snapshot, as ls shows it.")
    String path;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            Snapshot s = repo.snapshot(snapshot);
            repo.dump(s, path, out());
            out().flush();
            checkOut();
        }
        return Main.OK;
    }
}
