package dev.cairn.cli;

import dev.cairn.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn unlock}: removes stale locks, or all. */
@Command(name = "unlock",
        description = {"Remove stale locks.", "",
                "A lock is stale when its process on this host is gone, or it was not refreshed for 30 minutes.", ""})
final class UnlockCommand extends RepoCommand {
    @Option(names = "--remove-all", description = "Remove every lock, even of running processes.")
    boolean all;

    @Option(names = "--json", description = "Print one JSON object: removed (the number of locks).")
    boolean json;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            int n = repo.unlock(all);
            if (json) {
                Json.print(out(), Json.MAPPER.createObjectNode().put("removed", n));
                return Main.OK;
            }
            say("Removed " + n + (n == 1 ? " lock." : " locks."));
        }
        return Main.OK;
    }
}
