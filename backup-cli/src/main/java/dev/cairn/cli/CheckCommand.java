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
        description = {"Check the repository: index, packs, pack headers and every snapshot's trees; with "
                + "--read-data also download and verify every blob. Exit 14 when damage is found.", "",
                "  cairn check",
                "  cairn check --read-data-subset 10%", ""})
final class CheckCommand extends RepoCommand {
    @Option(names = "--read-data", description = "Download every pack and verify every blob.")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "n/t|x%|SIZE",
            description = "Read only a subset of the packs: the n-th of t parts, a random x%, or a byte budget "
                    + "such as 500M or 2G.")
    String subset;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        CheckReport r;
        try (Repository repo = open()) {
            Repository.CheckCommand c = repo.check().readData(readData);
            if (subset != null) {
                usage(() -> c.subset(subset));
            }
            r = c.run();
        }
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
            Json.print(out(), n);
        } else {
            say("Checked " + r.snapshots() + " snapshots, " + r.trees() + " trees, " + r.blobs() + " blobs, "
                    + r.packs() + " packs" + (r.packsRead() > 0 ? "; read " + r.packsRead() + " packs ("
                    + Format.bytes(r.bytesRead()) + ")" : "") + ".");
            r.warnings().forEach(x -> out().println("warning: " + Format.printable(x)));
            r.errors().forEach(x -> out().println("error: " + Format.printable(x)));
            say(r.ok() ? "No errors were found." : r.errors().size() + " error(s) found.");
        }
        if (!r.ok()) {
            err().println("cairn: the repository is damaged: " + Format.printable(r.errors().get(0))
                    + (r.errors().size() > 1 ? " (and " + (r.errors().size() - 1) + " more)" : "")
                    + ". See `cairn repair --help`.");
            return ErrorCode.INTEGRITY.exitCode();
        }
        return Main.OK;
    }
}
