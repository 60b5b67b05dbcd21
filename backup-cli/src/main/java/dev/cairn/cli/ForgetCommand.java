package dev.cairn.cli;

import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import com.fasterxml.jackson.databind.node.ArrayNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code cairn forget}: removes snapshots. */
@Command(name = "forget",
        description = {"Remove snapshots.", "",
                "Their data stays in the repository until it is pruned.", ""})
final class ForgetCommand extends RepoCommand {
    @Parameters(arity = "1..*", paramLabel = "SNAPSHOT", description = "Snapshot id, unique id prefix, or latest.")
    List<String> snapshots;

    @Option(names = "--json", description = "Print a JSON array of the removed snapshots' ids.")
    boolean json;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            // Resolve every argument first: a typo removes nothing.
            Map<String, Snapshot> byId = new LinkedHashMap<>();
            for (String s : snapshots) {
                Snapshot snap = repo.snapshot(s);
                byId.putIfAbsent(snap.id(), snap);
            }
            ArrayNode removed = Json.array();
            for (Snapshot s : byId.values()) {
                repo.forget(s.id());
                removed.add(s.id());
                if (!json) {
                    say("Removed snapshot " + s.shortId() + ".");
                }
            }
            if (json) {
                Json.print(out(), removed);
            }
        }
        return Main.OK;
    }
}
