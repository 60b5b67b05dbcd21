package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.Adapters;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.verify.DrillReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/**
 * {@code cairn drill}: restores a snapshot into a scratch target, verifies it against the facts
 * recorded at backup time, measures restore time (RTO) and data age (RPO), cleans up, and stores
 * the report in the repository. The drill comes from the adapter of the snapshot's source kind.
 */
@Command(name = "drill",
        description = {"Prove a snapshot restorable (exit 17 when the drill fails).", "",
                "Restores into a scratch target, verifies against what the backup recorded, measures restore time "
                        + "(RTO) and data age (RPO), cleans up, and records the report in the repository.", "",
                "  cairn drill latest",
                "  cairn drill latest --scratch /var/tmp/drills", ""})
final class DrillCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, unique id prefix, or latest.")
    String snapshot;

    @Option(names = "--scratch", paramLabel = "DIR|URI",
            description = "Scratch target: a directory for file snapshots (default: the temp directory), a server "
                    + "URI for database snapshots.")
    String scratch;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            return perform(this, repo, repo.snapshot(snapshot), scratch, env(), json);
        }
    }

    /** Drills one snapshot, records and prints the report; returns 0, or 17 when it failed. For drill and run. */
    static int perform(RepoCommand c, Repository repo, Snapshot s, String scratch, Map<String, String> env,
                       boolean json) {
        return report(c, repo.recordDrill(Adapters.drill(s.sourceKind(), scratch, env).run(repo, s)), json);
    }

    /** Prints a recorded drill report; returns 0, or 17 when the drill failed. */
    static int report(RepoCommand c, DrillReport report, boolean json) {
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("id", report.id());
            n.put("snapshot", report.snapshotId());
            n.put("sourceKind", report.sourceKind());
            n.put("target", report.target());
            n.put("time", report.time().toString());
            n.put("passed", report.passed());
            n.put("restoreMillis", report.restoreTime().toMillis());
            n.put("dataAgeMillis", report.dataAge().toMillis());
            ArrayNode ch = n.putArray("checks");
            report.checks().forEach(ch::add);
            ArrayNode f = n.putArray("failures");
            report.failures().forEach(f::add);
            Json.print(c.out(), n);
        } else {
            c.say("Drill of snapshot " + report.snapshotId().substring(0, 8) + " (" + report.sourceKind() + "): "
                    + (report.passed() ? "PASSED" : "FAILED"));
            c.say("Restore time (RTO): " + Format.millis(report.restoreTime().toMillis()) + ", data age (RPO): "
                    + Format.millis(report.dataAge().toMillis()));
            report.checks().forEach(x -> c.say("  ok: " + Format.printable(x)));
            report.failures().forEach(x -> c.out().println("  FAILED: " + Format.printable(x)));
        }
        if (!report.passed()) {
            c.err().println("cairn: drill of snapshot " + report.snapshotId().substring(0, 8) + " failed: "
                    + Format.printable(report.failures().get(0)));
            return ErrorCode.DRILL_FAILED.exitCode();
        }
        return Main.OK;
    }
}
