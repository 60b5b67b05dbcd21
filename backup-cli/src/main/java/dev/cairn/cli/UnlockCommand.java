package dev.cairn.cli;

import dev.cairn.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn unlock}: removes stale locks, or all. */
@Command(name = "unlock",
        description = "Remove stale locks (of dead processes on this host, or not refreshed for 30 minutes).")
final class UnlockCommand extends RepoCommand {
    @Option(names = "--remove-all", description = "Remove every lock, even of running processes.")
    boolean all;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            int n = repo.unlock(all);
            say("Removed " + n + (n == 1 ? " lock." : " locks."));
        }
        return Main.OK;
    }
}
