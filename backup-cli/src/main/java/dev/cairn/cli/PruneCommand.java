package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ConfigurationException;
import dev.cairn.PruneResult;
import dev.cairn.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Locale;

/** {@code cairn prune}: removes data no snapshot uses and repacks partly used packs. */
@Command(name = "prune",
        description = {"Remove data that no snapshot uses any more (after `cairn forget`).", "",
                "Packs nothing uses are deleted; packs used less than --repack-below have their live blobs copied "
                        + "into new packs first. The new index is written before anything is deleted. While other "
                        + "locks exist (even stale ones), unused packs are only dropped from the index and deleted "
                        + "by a later prune, after the grace period; packs no index names (a running or crashed "
                        + "backup's) are also kept for the grace period.", "",
                "  cairn prune --dry-run",
                "  cairn prune --repack-below 0.3 --grace 48h --wait-lock 10m", ""})
final class PruneCommand extends RepoCommand {
    @Option(names = "--dry-run", description = "Report what would be done; change nothing.")
    boolean dryRun;

    @Option(names = "--repack-below", paramLabel = "FRACTION", defaultValue = "0.5",
            description = "Repack packs whose used fraction of bytes is below this, 0..1 (default: ${DEFAULT-VALUE}).")
    double repackBelow;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "24h",
            description = "Keep packs no index names for this long (default: ${DEFAULT-VALUE}); e.g. 90m, 24h, 7d.")
    String grace;

    @Option(names = "--wait-lock", paramLabel = "DURATION", defaultValue = "0",
            description = "Wait this long for running backups to release their locks (default: fail at once).")
    String waitLock;

    @Option(names = "--unindexed-without-grace",
            description = "Delete packs no index names even within the grace period, when no other lock exists "
                    + "(after a crash, when nothing else can write to the repository).")
    boolean unindexedWithoutGrace;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Duration g = duration("--grace", grace);
        Duration w = duration("--wait-lock", waitLock);
        try (Repository repo = open()) {
            Repository.PruneCommand cmd = usage(() -> repo.prune().repackBelow(repackBelow).gracePeriod(g)
                    .waitForLock(w).dryRun(dryRun).unindexedWithoutGrace(unindexedWithoutGrace));
            PruneResult r = cmd.run();
            if (json) {
                ObjectNode n = Json.MAPPER.createObjectNode();
                n.put("dryRun", r.dryRun());
                n.put("packsDeleted", r.packsDeleted());
                n.put("packsRepacked", r.packsRepacked());
                n.put("packsKept", r.packsKept());
                n.put("packsTooYoung", r.packsTooYoung());
                n.put("bytesFreed", r.bytesFreed());
                n.put("bytesRepacked", r.bytesRepacked());
                n.put("blobsRemoved", r.blobsRemoved());
                ArrayNode m = n.putArray("messages");
                r.messages().forEach(m::add);
                Json.print(out(), n);
            } else {
                r.messages().forEach(x -> say(Format.printable(x)));
                say((r.dryRun() ? "Would delete " : "Deleted ") + r.packsDeleted() + " pack(s), "
                        + (r.dryRun() ? "would repack " : "repacked ") + r.packsRepacked() + " ("
                        + Format.bytes(r.bytesRepacked()) + " copied), kept " + r.packsKept() + "; "
                        + Format.bytes(r.bytesFreed()) + (r.dryRun() ? " would be freed." : " freed.")
                        + (r.packsTooYoung() > 0 ? " " + r.packsTooYoung() + " pack(s) wait for the grace period."
                        : ""));
            }
            checkOut();
        }
        return Main.OK;
    }

    /** {@code 0}, {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, or ISO-8601 ({@code PT24H}). */
    static Duration duration(String option, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.equals("0")) {
                return Duration.ZERO;
            }
            if (t.matches("\\d{1,9}[smhd]")) {
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                return switch (t.charAt(t.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
        } catch (java.time.format.DateTimeParseException e) {
            // reported below
        }
        throw new ConfigurationException(option + " must be a duration such as 90s, 30m, 24h or 7d: " + text);
    }
}
