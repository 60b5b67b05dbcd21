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

/**
 * {@code cairn drill}: restores a snapshot into a scratch target, verifies it against the facts
 * recorded at backup time, measures restore time (RTO) and data age (RPO), cleans up, and stores
 * the report in the repository. The drill comes from the adapter of the snapshot's source kind.
 */
@Command(name = "drill",
        description = {"Prove a snapshot restorable: restore into a scratch target, verify, time it, clean up, "
                + "and record the result in the repository. Exit 17 when the drill fails.", "",
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
        DrillReport report;
        try (Repository repo = open()) {
            Snapshot s = repo.snapshot(snapshot);
            report = repo.recordDrill(Adapters.drill(s.sourceKind(), scratch, env()).run(repo, s));
        }
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
            ArrayNode c = n.putArray("checks");
            report.checks().forEach(c::add);
            ArrayNode f = n.putArray("failures");
            report.failures().forEach(f::add);
            Json.print(out(), n);
        } else {
            say("Drill of snapshot " + report.snapshotId().substring(0, 8) + " (" + report.sourceKind() + "): "
                    + (report.passed() ? "PASSED" : "FAILED"));
            say("Restore time (RTO): " + Format.millis(report.restoreTime().toMillis()) + ", data age (RPO): "
                    + Format.millis(report.dataAge().toMillis()));
            report.checks().forEach(c -> say("  ok: " + Format.printable(c)));
            report.failures().forEach(f -> out().println("  FAILED: " + Format.printable(f)));
        }
        if (!report.passed()) {
            err().println("cairn: drill of snapshot " + report.snapshotId().substring(0, 8) + " failed: "
                    + Format.printable(report.failures().get(0)));
            return ErrorCode.DRILL_FAILED.exitCode();
        }
        return Main.OK;
    }
}
