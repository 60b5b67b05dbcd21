package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ConfigurationException;
import dev.cairn.ForgetResult;
import dev.cairn.Repository;
import dev.cairn.snapshot.RetentionDecision;
import dev.cairn.snapshot.RetentionPolicy;
import dev.cairn.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code cairn forget}: removes snapshots, by id or by a retention policy. */
@Command(name = "forget",
        description = {"Remove snapshots, by id or by a retention policy.", "",
                "Their data stays in the repository until it is pruned.", "",
                "With --keep-* options, snapshots are grouped (--group-by, default host,source) and, in each group, a "
                        + "snapshot is kept when any rule keeps it (restic's `forget` semantics): --keep-last N keeps "
                        + "the N newest; --keep-hourly/-daily/-weekly/-monthly/-yearly N keep the newest snapshot of "
                        + "each of the N newest hours/days/ISO weeks/months/years that have one (local time zone); "
                        + "--keep-within 30d keeps those taken within 30 days of the group's newest snapshot "
                        + "(units y, m, w, d, h: 1y6m, 2w, 36h); --keep-tag T keeps those tagged T. --dry-run shows, "
                        + "per group, what goes and which rules keep each survivor.", "",
                "  cairn forget 1a2b3c4d",
                "  cairn forget --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --dry-run",
                "  cairn forget --keep-within 30d --keep-tag prod --group-by host", ""})
final class ForgetCommand extends RepoCommand {
    @Parameters(arity = "0..*", paramLabel = "SNAPSHOT",
            description = "Snapshot id, unique id prefix, or latest (not together with --keep-* options).")
    List<String> snapshots = new ArrayList<>();

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest snapshots.")
    Integer keepLast;

    @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest snapshot of each of the N newest hours.")
    Integer keepHourly;

    @Option(names = "--keep-daily", paramLabel = "N", description = "Keep the newest snapshot of each of the N newest days.")
    Integer keepDaily;

    @Option(names = "--keep-weekly", paramLabel = "N", description = "Keep the newest snapshot of each of the N newest ISO weeks.")
    Integer keepWeekly;

    @Option(names = "--keep-monthly", paramLabel = "N", description = "Keep the newest snapshot of each of the N newest months.")
    Integer keepMonthly;

    @Option(names = "--keep-yearly", paramLabel = "N", description = "Keep the newest snapshot of each of the N newest years.")
    Integer keepYearly;

    @Option(names = "--keep-within", paramLabel = "DURATION",
            description = "Keep snapshots taken within DURATION (e.g. 30d, 1y6m, 2w, 36h) of the group's newest.")
    String keepWithin;

    @Option(names = "--keep-tag", paramLabel = "TAG", description = "Keep snapshots tagged TAG; repeatable.")
    List<String> keepTags = new ArrayList<>();

    @Option(names = "--group-by", paramLabel = "KEYS",
            description = "Group by these of host, source, tags (comma-separated; '' for one group). Default: host,source.")
    String groupBy;

    @Option(names = {"-n", "--dry-run"}, description = "Show what would be removed; remove nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print JSON: with ids, an array of the removed snapshots' ids; with a "
            + "policy, an object with every snapshot's decision.")
    boolean json;

    private boolean hasPolicy() {
        return keepLast != null || keepHourly != null || keepDaily != null || keepWeekly != null || keepMonthly != null
                || keepYearly != null || keepWithin != null || !keepTags.isEmpty();
    }

    @Override
    public Integer call() {
        if (hasPolicy() && !snapshots.isEmpty()) {
            throw new ConfigurationException("Give either snapshot ids or --keep-* options, not both (ids: "
                    + String.join(" ", snapshots) + ").");
        }
        if (groupBy != null && !hasPolicy()) {
            throw new ConfigurationException("--group-by needs at least one --keep-* option.");
        }
        if (!hasPolicy() && snapshots.isEmpty()) {
            // As restic: an empty policy removes nothing.
            warn("no snapshot ids and no --keep-* option were given: no snapshots will be removed. "
                    + "See `cairn forget --help`.");
            if (json) {
                Json.print(out(), Json.array());
            }
            return Main.OK;
        }
        RetentionPolicy policy = hasPolicy() ? usage(this::policy) : null;
        try (Repository repo = open()) {
            if (policy != null) {
                print(repo.forget(policy, dryRun), policy);
                return Main.OK;
            }
            // Resolve every argument first: a typo removes nothing.
            Map<String, Snapshot> byId = new LinkedHashMap<>();
            for (String s : snapshots) {
                Snapshot snap = repo.snapshot(s);
                byId.putIfAbsent(snap.id(), snap);
            }
            ArrayNode removed = Json.array();
            for (Snapshot s : byId.values()) {
                if (!dryRun) {
                    repo.forget(s.id());
                }
                removed.add(s.id());
                if (!json) {
                    say((dryRun ? "Would remove snapshot " : "Removed snapshot ") + s.shortId() + ".");
                }
            }
            if (json) {
                Json.print(out(), removed);
            }
        }
        return Main.OK;
    }

    private RetentionPolicy policy() {
        RetentionPolicy.Builder b = RetentionPolicy.builder();
        if (keepLast != null) {
            b.keepLast(keepLast);
        }
        if (keepHourly != null) {
            b.keepHourly(keepHourly);
        }
        if (keepDaily != null) {
            b.keepDaily(keepDaily);
        }
        if (keepWeekly != null) {
            b.keepWeekly(keepWeekly);
        }
        if (keepMonthly != null) {
            b.keepMonthly(keepMonthly);
        }
        if (keepYearly != null) {
            b.keepYearly(keepYearly);
        }
        if (keepWithin != null) {
            b.keepWithin(keepWithin);
        }
        b.keepTags(keepTags.toArray(String[]::new));
        if (groupBy != null) {
            b.groupBy(groupBy.isBlank() ? new String[0] : groupBy.split(","));
        }
        return b.build();
    }

    private void print(ForgetResult r, RetentionPolicy policy) {
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("dryRun", r.dryRun());
            n.put("policy", policy.toString());
            ArrayNode groupKeys = n.putArray("groupBy");
            policy.groupBy().forEach(groupKeys::add);
            ArrayNode a = n.putArray("decisions");
            for (RetentionDecision d : r.decisions()) {
                ObjectNode o = a.addObject();
                o.put("id", d.snapshot().id());
                o.put("shortId", d.snapshot().shortId());
                o.put("time", d.snapshot().time().toString());
                o.put("group", d.group());
                o.put("keep", d.keep());
                ArrayNode reasons = o.putArray("reasons");
                d.reasons().forEach(reasons::add);
                o.set("snapshot", Json.snapshot(d.snapshot()));
            }
            n.put("kept", r.kept().size());
            n.put("removed", r.removed().size());
            Json.print(out(), n);
            return;
        }
        say("Applying policy: " + policy + (r.dryRun() ? " (dry run)" : "") + ".");
        Map<String, List<RetentionDecision>> groups = new TreeMap<>();
        r.decisions().forEach(d -> groups.computeIfAbsent(d.group(), k -> new ArrayList<>()).add(d));
        for (Map.Entry<String, List<RetentionDecision>> g : groups.entrySet()) {
            List<RetentionDecision> keep = g.getValue().stream().filter(RetentionDecision::keep).toList();
            List<RetentionDecision> remove = g.getValue().stream().filter(d -> !d.keep()).toList();
            say("");
            say(g.getKey().isEmpty() ? "All snapshots:" : "Group " + Format.printable(g.getKey()) + ":");
            say("keep " + count(keep.size()) + ":");
            table(keep, true);
            if (!remove.isEmpty()) {
                say((r.dryRun() ? "would remove " : "remove ") + count(remove.size()) + ":");
                table(remove, false);
            }
        }
        say("");
        say((r.dryRun() ? "Would remove " : "Removed ") + count(r.removed().size()) + ", kept "
                + r.kept().size() + "." + (r.dryRun() || r.removed().isEmpty() ? ""
                : " Their data stays until `cairn prune`."));
    }

    private static String count(int n) {
        return n + (n == 1 ? " snapshot" : " snapshots");
    }

    private void table(List<RetentionDecision> ds, boolean reasons) {
        if (quiet()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(reasons ? new String[] {"ID", "TIME", "HOST", "TAGS", "REASONS"}
                : new String[] {"ID", "TIME", "HOST", "TAGS"});
        for (RetentionDecision d : ds) {
            Snapshot s = d.snapshot();
            String[] row = {s.shortId(), Format.time(s.time()), Format.printable(s.host()),
                    Format.printable(String.join(",", s.tags())), String.join(", ", d.reasons())};
            rows.add(reasons ? row : java.util.Arrays.copyOf(row, 4));
        }
        List<String> lines = Format.table(rows);
        out().println(lines.get(0));
        out().println("-".repeat(lines.stream().mapToInt(String::length).max().orElse(0)));
        lines.subList(1, lines.size()).forEach(out()::println);
    }
}
