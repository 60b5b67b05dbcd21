package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code cairn snapshots}: lists snapshots, oldest first. */
@Command(name = "snapshots", description = "List the snapshots, oldest first.")
final class SnapshotsCommand extends RepoCommand {
    @Option(names = "--json", description = "Print a JSON array of snapshot objects.")
    boolean json;

    @Override
    public Integer call() {
        List<Snapshot> all;
        try (Repository repo = open()) {
            all = repo.snapshots();
        }
        if (json) {
            ArrayNode a = Json.array();
            all.forEach(s -> a.add(Json.snapshot(s)));
            Json.print(out(), a);
            return Main.OK;
        }
        printTable(out(), all);
        return Main.OK;
    }

    /** The human snapshot table, as {@code cairn snapshots} prints it. */
    static void printTable(java.io.PrintStream out, List<Snapshot> all) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "TIME", "HOST", "TAGS", "PATHS", "FILES", "SIZE"});
        for (Snapshot s : all) {
            List<String> paths = s.paths().isEmpty() ? List.of("") : s.paths();
            rows.add(new String[] {s.shortId(), Format.time(s.time()), Format.printable(s.host()),
                    Format.printable(String.join(",", s.tags())), Format.printable(paths.get(0)),
                    Long.toString(s.summary().files()), Format.bytes(s.summary().bytesTotal())});
            for (String p : paths.subList(1, paths.size())) {
                rows.add(new String[] {"", "", "", "", Format.printable(p), "", ""});
            }
        }
        List<String> lines = Format.table(rows, false, false, false, false, false, true, true);
        out.println(lines.get(0));
        out.println("-".repeat(lines.stream().mapToInt(String::length).max().orElse(0)));
        lines.subList(1, lines.size()).forEach(out::println);
        out.println(all.size() + (all.size() == 1 ? " snapshot" : " snapshots"));
    }
}
