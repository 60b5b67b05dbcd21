package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.Adapters;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.restore.RestoreTarget;
import dev.cairn.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code cairn restore}: restores a snapshot, or parts of it, into a directory. */
@Command(name = "restore",
        description = {"Restore a snapshot (or some of its paths) into a directory or a target URI.", "",
                "  cairn restore latest --target /tmp/restored",
                "  cairn restore 1a2b3c4d --target /srv/www-old --include www/index.html", ""})
final class RestoreCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot id, unique id prefix, or latest.")
    String snapshot;

    @Option(names = {"-t", "--target"}, required = true, paramLabel = "DIR|URI",
            description = "Directory to restore into (created if missing), or a target URI an adapter serves, "
                    + "e.g. mysql://db2:3306/shop_restored.")
    String target;

    @Option(names = "--overwrite", description = "Allow replacing a non-empty database or existing keys "
            + "(URI targets).")
    boolean overwrite;

    @Option(names = {"-i", "--include"}, paramLabel = "PATH", arity = "1..*",
            description = "Restore only this path of the snapshot (and what is below it); repeatable.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--json", description = "Print the outcome as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        try (Repository repo = open()) {
            Snapshot s = repo.snapshot(snapshot);
            if (Adapters.isUri(target)) {
                RestoreTarget t = Adapters.restoreTarget(target, env());
                RestoreResult r = t.restore(repo, s, includes, overwrite);
                if (json) {
                    Json.print(out(), json(s, t.descriptor(), r));
                    return Main.OK;
                }
                say("Restored snapshot " + s.shortId() + " to " + t.descriptor() + ": " + r.files() + " entries, "
                        + Format.bytes(r.bytes()) + " in " + Format.millis(r.duration().toMillis()) + ".");
                r.warnings().forEach(w -> out().println("warning: " + Format.printable(w)));
                return Main.OK;
            }
            Repository.RestoreCommand cmd = repo.restore(s);
            for (String inc : includes) {
                usage(() -> cmd.include(inc));
            }
            // Totals for the bar's ETA are known for a whole snapshot, not for --include.
            Progress progress = includes.isEmpty()
                    ? Progress.start(root(), "restored", () -> s.summary().files(), () -> s.summary().bytesTotal())
                    : Progress.start(root(), "restored");
            RestoreResult r;
            try {
                r = cmd.listener(progress.listener()).to(Path.of(target));
            } finally {
                progress.stop();
            }
            if (json) {
                Json.print(out(), json(s, target, r));
                return Main.OK;
            }
            say("Restored snapshot " + s.shortId() + " to " + target + ": " + r.files() + " files, " + r.dirs()
                    + " dirs, " + Format.bytes(r.bytes()) + " in " + Format.millis(r.duration().toMillis()) + ".");
            r.warnings().forEach(w -> out().println("warning: " + Format.printable(w)));
        }
        return Main.OK;
    }

    private static ObjectNode json(Snapshot s, String target, RestoreResult r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("snapshot", s.id());
        n.put("shortId", s.shortId());
        n.put("target", target);
        n.put("files", r.files());
        n.put("dirs", r.dirs());
        n.put("bytes", r.bytes());
        n.put("durationMillis", r.duration().toMillis());
        ArrayNode w = n.putArray("warnings");
        r.warnings().forEach(w::add);
        return n;
    }
}
