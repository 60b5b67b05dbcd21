package dev.cairn.cli;

import dev.cairn.Repository;
import dev.cairn.verify.RepairReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn repair index|snapshots}. */
@Command(name = "repair", description = "Repair a damaged repository.",
        subcommands = {RepairCommand.Index.class, RepairCommand.Snapshots.class})
final class RepairCommand extends RepoCommand {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "Missing subcommand: repair index or repair snapshots");
    }

    static void print(RepoCommand c, RepairReport r) {
        r.changed().forEach(x -> c.say(Format.printable(x)));
        r.lost().forEach(x -> c.out().println("lost: " + Format.printable(x)));
        c.say(r.lost().isEmpty() ? "Nothing was lost." : r.lost().size() + " item(s) could not be saved.");
    }

    /** {@code cairn repair index}. */
    @Command(name = "index", description = {"Rebuild the index from the pack headers.", "",
            "For index files that were deleted or damaged. Writes the new index before removing the old one.", ""})
    static final class Index extends RepoCommand {
        @Override
        public Integer call() {
            try (Repository repo = open()) {
                print(this, repo.repairIndex());
            }
            return Main.OK;
        }
    }

    /** {@code cairn repair snapshots}. */
    @Command(name = "snapshots", description = {"Rewrite snapshots whose data is partly gone.", "",
            "Only the damaged files are dropped (listed as lost). Rewritten snapshots are tagged 'repaired'.", ""})
    static final class Snapshots extends RepoCommand {
        @Option(names = "--read-data", description = "Also download every pack to find damaged blobs (otherwise "
                + "only missing data is dropped).")
        boolean readData;

        @Override
        public Integer call() {
            try (Repository repo = open()) {
                print(this, repo.repairSnapshots(readData));
            }
            return Main.OK;
        }
    }
}
