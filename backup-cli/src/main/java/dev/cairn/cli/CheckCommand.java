package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.verify.CheckReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn check}: verifies the repository's structure and, with --read-data, its data. */
@Command(name = "check",
        description = {"Check the repository's integrity (exit 14 when damage is found).", "",
                "Reads the index, the pack list, the pack headers and every snapshot's trees; with --read-data (or a "
                        + "subset) also downloads the packs and verifies every blob.", "",
                "  cairn check",
                "  cairn check --read-data-subset 10%%", ""})
final class CheckCommand extends RepoCommand {
    @Option(names = "--read-data", description = "Download every pack and verify every blob.")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "n/t|x%|SIZE",
            description = "Read only a subset of the packs: the n-th of t parts, a random x%%, or a byte budget "
                    + "such as 500M or 2G.")
    String subset;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            return perform(this, repo, readData, subset, json);
        }
    }

    /** Checks and prints the report; returns 0, or 14 when damage is found. For {@code check} and {@code run}. */
    static int perform(RepoCommand c, Repository repo, boolean readData, String subset, boolean json) {
        Repository.CheckCommand cmd = repo.check().readData(readData);
        if (subset != null) {
            usage(() -> cmd.subset(subset));
        }
        return report(c, cmd.run(), json);
    }

    /** Prints a check report; returns 0, or 14 when damage was found. */
    static int report(RepoCommand c, CheckReport r, boolean json) {
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("ok", r.ok());
            n.put("snapshots", r.snapshots());
            n.put("trees", r.trees());
            n.put("blobs", r.blobs());
            n.put("packs", r.packs());
            n.put("packsRead", r.packsRead());
            n.put("bytesRead", r.bytesRead());
            ArrayNode e = n.putArray("errors");
            r.errors().forEach(e::add);
            ArrayNode w = n.putArray("warnings");
            r.warnings().forEach(w::add);
            ArrayNode d = n.putArray("damagedPacks");
            for (CheckReport.DamagedPack p : r.damagedPacks()) {
                ObjectNode o = d.addObject();
                o.put("pack", p.pack());
                o.put("problem", p.problem());
                ArrayNode s = o.putArray("snapshots");
                p.snapshots().forEach(s::add);
                ArrayNode f = o.putArray("files");
                p.files().forEach(f::add);
            }
            Json.print(c.out(), n);
        } else {
            c.say("Checked " + r.snapshots() + " snapshots, " + r.trees() + " trees, " + r.blobs() + " blobs, "
                    + r.packs() + " packs" + (r.packsRead() > 0 ? "; read " + r.packsRead() + " packs ("
                    + Format.bytes(r.bytesRead()) + ")" : "") + ".");
            r.warnings().forEach(x -> c.out().println("warning: " + Format.printable(x)));
            r.errors().forEach(x -> c.out().println("error: " + Format.printable(x)));
            c.say(r.ok() ? "No errors were found." : r.errors().size() + " error(s) found.");
        }
        if (!r.ok()) {
            String first = r.errors().isEmpty() ? "pack " + r.damagedPacks().get(0).pack() + ": "
                    + r.damagedPacks().get(0).problem() : r.errors().get(0);
            int more = r.errors().size() + r.damagedPacks().size() - 1;
            c.err().println("cairn: the repository is damaged: " + Format.printable(first)
                    + (more > 0 ? " (and " + more + " more)" : "") + ". See `cairn repair --help`.");
            return ErrorCode.INTEGRITY.exitCode();
        }
        return Main.OK;
    }
}
