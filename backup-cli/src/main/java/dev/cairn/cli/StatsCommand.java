package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.BackendException;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendProvider;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * {@code cairn stats}: sizes and ratios of a repository, from public API only. How each figure is
 * computed is in the command's help and in the README; in short: snapshot figures are sums of the
 * snapshots' summaries, storage figures come from listing the backend, blobs from the in-memory
 * index.
 */
@Command(name = "stats",
        description = {"Show the repository's sizes, dedup and compression ratios, blobs and packs.", "",
                "  snapshots          how many there are",
                "  files              each snapshot's file count, summed",
                "  bytes referenced   each snapshot's size, summed",
                "  bytes added        plaintext of the new blobs the snapshots added (unique)",
                "  bytes stored       the same blobs, compressed and encrypted",
                "  repository size    every object on the backend",
                "  packs, pack bytes  pack files on the backend, and their total size",
                "  blobs              blobs in the repository's index",
                "  dedup ratio        bytes referenced / bytes added",
                "  compression ratio  bytes added / bytes stored",
                "  total ratio        bytes referenced / pack bytes",
                "",
                "Bytes added and stored come from the summaries of the snapshots that still exist: data added by "
                        + "forgotten snapshots (kept until pruned) or by interrupted backups is in the pack bytes, "
                        + "not in them.", ""})
final class StatsCommand extends RepoCommand {
    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Target t = target();
        List<Snapshot> snapshots;
        int blobs;
        String location;
        try (Repository repo = open(Repository.at(t.location()), t)) {
            snapshots = repo.snapshots();
            blobs = repo.indexedBlobs();
            location = repo.location();
        }
        long files = 0;
        long referenced = 0;
        long added = 0;
        long stored = 0;
        for (Snapshot s : snapshots) {
            SnapshotSummary m = s.summary();
            files += m.files();
            referenced += m.bytesTotal();
            added += m.bytesAdded();
            stored += m.bytesStored();
        }
        long size = 0;
        long packs = 0;
        long packBytes = 0;
        try (Backend backend = backend(t.location())) {
            for (ObjectInfo o : backend.list("")) {
                size += o.size();
                if (o.name().startsWith("data/")) {
                    packs++;
                    packBytes += o.size();
                }
            }
        } catch (IOException e) {
            throw new BackendException("Cannot list " + location + ": " + e.getMessage(), true, e);
        }
        double dedup = ratio(referenced, added);
        double compression = ratio(added, stored);
        double total = ratio(referenced, packBytes);
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("repository", location);
            n.put("snapshots", snapshots.size());
            n.put("files", files);
            n.put("bytesReferenced", referenced);
            n.put("bytesAdded", added);
            n.put("bytesStored", stored);
            n.put("repositorySize", size);
            n.put("packs", packs);
            n.put("packBytes", packBytes);
            n.put("blobs", blobs);
            putRatio(n, "dedupRatio", dedup);
            putRatio(n, "compressionRatio", compression);
            putRatio(n, "totalRatio", total);
            Json.print(out(), n);
            return Main.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Repository:", Format.printable(location)});
        rows.add(new String[] {"Snapshots:", Long.toString(snapshots.size())});
        rows.add(new String[] {"Files:", files + " (across all snapshots)"});
        rows.add(new String[] {"Bytes referenced:", Format.bytes(referenced)});
        rows.add(new String[] {"Bytes added:", Format.bytes(added) + " (unique, before compression)"});
        rows.add(new String[] {"Bytes stored:", Format.bytes(stored) + " (compressed and encrypted)"});
        rows.add(new String[] {"Repository size:", Format.bytes(size)});
        rows.add(new String[] {"Packs:", packs + " (" + Format.bytes(packBytes) + ")"});
        rows.add(new String[] {"Blobs:", Long.toString(blobs)});
        rows.add(new String[] {"Dedup ratio:", ratioText(dedup)});
        rows.add(new String[] {"Compression ratio:", ratioText(compression)});
        rows.add(new String[] {"Total ratio:", ratioText(total)});
        Format.table(rows).forEach(out()::println);
        return Main.OK;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    private static void putRatio(ObjectNode n, String name, double r) {
        if (Double.isNaN(r)) {
            n.putNull(name);
        } else {
            n.put(name, Math.round(r * 1000) / 1000.0);
        }
    }

    private static String ratioText(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r);
    }

    /**
     * The repository's backend, for listing its objects: as {@code Repository.at(String)} picks it
     * (that choice is not public in the core).
     */
    static Backend backend(String location) {
        int sep = location.indexOf("://");
        if (sep < 0) {
            return new LocalBackend(Path.of(location.startsWith("file:") ? location.substring(5) : location));
        }
        String scheme = location.substring(0, sep).toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            return new LocalBackend(Path.of(URI.create(location)));
        }
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.scheme().equals(scheme)) {
                return p.open(URI.create(location));
            }
        }
        throw new ConfigurationException("No backend for scheme '" + scheme + "'.");
    }
}
