package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code cairn ls}: lists a snapshot's entries. */
@Command(name = "ls",
        description = {"List the entries of a snapshot.", "",
                "Columns: mode, user, group, size, mtime, path.", "",
                "  cairn ls latest",
                "  cairn ls latest www/assets -r", ""})
final class LsCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, unique id prefix, or latest.")
    String snapshot;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH",
            description = "List this path and, for a directory, its entries (default: the snapshot's top level).")
    String path = "";

    @Option(names = {"-r", "--recursive"}, description = "List subdirectories too.")
    boolean recursive;

    @Option(names = "--json", description = "Print a JSON array of entries.")
    boolean json;

    @Override
    public Integer call() {
        List<SnapshotEntry> entries;
        try (Repository repo = open()) {
            Snapshot s = repo.snapshot(snapshot);
            entries = repo.list(s, path, recursive);
        }
        if (json) {
            ArrayNode a = Json.array();
            entries.forEach(e -> a.add(Json.entry(e)));
            Json.print(out(), a);
            return Main.OK;
        }
        List<String[]> rows = new ArrayList<>(entries.size());
        for (SnapshotEntry e : entries) {
            String name = "/" + Format.printable(e.path())
                    + (e.type().equals("symlink") ? " -> " + Format.printable(e.target()) : "");
            String user = e.user().isEmpty() ? Integer.toString(e.uid()) : Format.printable(e.user());
            String group = e.group().isEmpty() ? Integer.toString(e.gid()) : Format.printable(e.group());
            rows.add(new String[] {Format.mode(e.type(), e.mode()), user, group, Long.toString(e.size()),
                    Format.time(e.mtime()), name});
        }
        Format.table(rows, false, false, false, true).forEach(out()::println);
        return Main.OK;
    }
}
