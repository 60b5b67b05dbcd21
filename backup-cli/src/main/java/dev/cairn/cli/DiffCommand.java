package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * {@code cairn diff A B}: the paths added, removed and modified between two snapshots, from their
 * listings. An entry is modified when its type, size, mtime, mode or symlink target differs; a
 * file rewritten with the same size and mtime is not detected (listings carry no content ids).
 */
@Command(name = "diff",
        description = {"Show the paths added, removed and modified between two snapshots.", "",
                "Lines start with + (added), - (removed) or M (modified: the type, size, mtime, permissions or "
                        + "symlink target differ; content rewritten with the same size and mtime is not detected).",
                "",
                "  cairn diff 1a2b3c4d latest",
                "  cairn diff --json 1a2b3c4d 5e6f7a8b", ""})
final class DiffCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "A", description = "The older snapshot: id, unique id prefix, or latest.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "The newer snapshot: id, unique id prefix, or latest.")
    String b;

    @Option(names = "--json", description = "Print one JSON object: added, removed and modified entries, and counts.")
    boolean json;

    /** One modified path: the fields that differ, and both entries. */
    record Change(String path, List<String> fields, SnapshotEntry before, SnapshotEntry after) {
    }

    @Override
    public Integer call() {
        Snapshot sa;
        Snapshot sb;
        Map<String, SnapshotEntry> ea;
        Map<String, SnapshotEntry> eb;
        try (Repository repo = open()) {
            sa = repo.snapshot(a);
            sb = repo.snapshot(b);
            ea = byPath(repo.list(sa, "", true));
            eb = byPath(repo.list(sb, "", true));
        }
        List<SnapshotEntry> added = new ArrayList<>();
        List<SnapshotEntry> removed = new ArrayList<>();
        List<Change> modified = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>(ea.keySet());
        all.addAll(eb.keySet());
        for (String p : all) {
            SnapshotEntry x = ea.get(p);
            SnapshotEntry y = eb.get(p);
            if (x == null) {
                added.add(y);
            } else if (y == null) {
                removed.add(x);
            } else {
                List<String> f = differences(x, y);
                if (!f.isEmpty()) {
                    modified.add(new Change(p, f, x, y));
                }
            }
        }
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("a", sa.id());
            n.put("b", sb.id());
            ArrayNode ad = n.putArray("added");
            added.forEach(e -> ad.add(Json.entry(e)));
            ArrayNode rm = n.putArray("removed");
            removed.forEach(e -> rm.add(Json.entry(e)));
            ArrayNode md = n.putArray("modified");
            for (Change c : modified) {
                ObjectNode o = md.addObject();
                o.put("path", "/" + c.path());
                ArrayNode f = o.putArray("changed");
                c.fields().forEach(f::add);
                o.set("before", Json.entry(c.before()));
                o.set("after", Json.entry(c.after()));
            }
            ObjectNode counts = n.putObject("counts");
            counts.put("added", added.size());
            counts.put("removed", removed.size());
            counts.put("modified", modified.size());
            counts.put("bytesAdded", sizes(added));
            counts.put("bytesRemoved", sizes(removed));
            Json.print(out(), n);
            return Main.OK;
        }
        // Sorted by path, one line each, so that scripts and humans can read it alike.
        TreeSet<String> lines = new TreeSet<>((l1, l2) -> l1.substring(2).compareTo(l2.substring(2)));
        added.forEach(e -> lines.add("+ /" + Format.printable(e.path()) + suffix(e)));
        removed.forEach(e -> lines.add("- /" + Format.printable(e.path()) + suffix(e)));
        for (Change c : modified) {
            lines.add("M /" + Format.printable(c.path()) + suffix(c.after()) + "  (" + describe(c) + ")");
        }
        lines.forEach(out()::println);
        say((lines.isEmpty() ? "" : "\n") + "Snapshot " + sa.shortId() + " -> " + sb.shortId() + ": " + added.size()
                + " added (" + Format.bytes(sizes(added)) + "), " + removed.size() + " removed ("
                + Format.bytes(sizes(removed)) + "), " + modified.size() + " modified.");
        return Main.OK;
    }

    private static Map<String, SnapshotEntry> byPath(List<SnapshotEntry> entries) {
        Map<String, SnapshotEntry> m = new LinkedHashMap<>();
        entries.forEach(e -> m.put(e.path(), e));
        return m;
    }

    static List<String> differences(SnapshotEntry x, SnapshotEntry y) {
        List<String> f = new ArrayList<>();
        if (!x.type().equals(y.type())) {
            f.add("type");
        }
        if (x.size() != y.size()) {
            f.add("size");
        }
        // A directory's mtime changes with any change of its entries, which are listed themselves.
        if (!x.mtime().equals(y.mtime()) && !(x.type().equals("dir") && y.type().equals("dir"))) {
            f.add("mtime");
        }
        if (x.mode() != y.mode()) {
            f.add("mode");
        }
        if (!Objects.equals(x.target(), y.target())) {
            f.add("target");
        }
        return f;
    }

    private static String describe(Change c) {
        List<String> parts = new ArrayList<>();
        SnapshotEntry x = c.before();
        SnapshotEntry y = c.after();
        for (String f : c.fields()) {
            parts.add(switch (f) {
                case "type" -> "type " + x.type() + " -> " + y.type();
                case "size" -> "size " + x.size() + " -> " + y.size();
                case "mtime" -> "mtime " + Format.time(x.mtime()) + " -> " + Format.time(y.mtime());
                case "mode" -> "mode " + Format.mode(x.type(), x.mode()) + " -> " + Format.mode(y.type(), y.mode());
                default -> "target " + Format.printable(x.target()) + " -> " + Format.printable(y.target());
            });
        }
        return String.join(", ", parts);
    }

    private static String suffix(SnapshotEntry e) {
        return e.type().equals("dir") ? "/" : "";
    }

    private static long sizes(List<SnapshotEntry> entries) {
        return entries.stream().filter(e -> e.type().equals("file")).mapToLong(SnapshotEntry::size).sum();
    }
}
