package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ConfigurationException;
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
                "--read-data-oldest SIZE reads the packs verified least recently (never verified first) up to SIZE "
                        + "bytes; every read-data check records the packs it found intact in a verification ledger in "
                        + "the repository, so a scheduled `check --read-data-oldest` covers the whole repository over "
                        + "successive runs.", "",
                "  cairn check",
                "  cairn check --read-data-subset 10%%",
                "  cairn check --read-data-oldest 2G", ""})
final class CheckCommand extends RepoCommand {
    @Option(names = "--read-data", description = "Download every pack and verify every blob.")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "n/t|x%|SIZE",
            description = "Read only a subset of the packs: the n-th of t parts, a random x%%, or a byte budget "
                    + "such as 500M or 2G.")
    String subset;

    @Option(names = "--read-data-oldest", paramLabel = "SIZE",
            description = "Read the least recently verified packs (per the repository's verification ledger; never "
                    + "verified first) up to SIZE bytes, such as 500M or 2G (at least one pack).")
    String oldest;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            return perform(this, repo, readData, subset, oldest, json);
        }
    }

    /**
     * Checks and prints the report; returns 0, or 14 when damage is found. {@code oldest} (a size
     * such as {@code 2G}, or null) asks for a ledger-driven read of the least recently verified packs.
     */
    static int perform(RepoCommand c, Repository repo, boolean readData, String subset, String oldest, boolean json) {
        if (subset != null && oldest != null) {
            throw new ConfigurationException("--read-data-subset and --read-data-oldest are mutually exclusive.");
        }
        Repository.CheckCommand cmd = repo.check().readData(readData);
        if (subset != null) {
            usage(() -> cmd.subset(subset));
        }
        if (oldest != null) {
            usage(() -> cmd.oldestFirst(size("--read-data-oldest", oldest)));
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

    /** A byte size: digits with an optional K, M, G or T suffix (binary units), e.g. 500M, 2G. */
    static long size(String option, String text) {
        String t = text == null ? "" : text.strip().toUpperCase(java.util.Locale.ROOT);
        if (!t.matches("\\d{1,15}[KMGT]?B?") || t.equals("B")) {
            throw new IllegalArgumentException(option + " must be a size such as 500M or 2G: " + text);
        }
        t = t.endsWith("B") ? t.substring(0, t.length() - 1) : t;
        char u = t.charAt(t.length() - 1);
        int shift = switch (u) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
        if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(option + " must be a positive size such as 500M or 2G: " + text);
        }
        return n << shift;
    }
}
