package dev.cairn.mongo;

import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.IntegrityException;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a snapshot in mongodump's layout holds: databases (top-level directories) and, in each,
 * collections and views ({@code <base>.bson} and {@code <base>.metadata.json}), narrowed to the
 * paths given. Reads only listings and the small metadata files. Immutable.
 */
final class SnapshotPlan {
    /** Metadata files are small; a larger one is not ours. */
    private static final int MAX_METADATA = 16 * 1024 * 1024;

    /** One collection or view: where its files are and what its metadata says. */
    record Coll(String db, String base, String bsonPath, DumpLayout.Metadata meta) {
        String name() {
            return meta.collectionName();
        }

        boolean isView() {
            return meta.isView();
        }
    }

    record Db(String name, List<Coll> collections) {
    }

    final List<Db> databases;
    /** Entries skipped (system collections), as warnings. */
    final List<String> skipped;

    private SnapshotPlan(List<Db> databases, List<String> skipped) {
        this.databases = List.copyOf(databases);
        this.skipped = List.copyOf(skipped);
    }

    /**
     * @param includes paths of the snapshot to restore ({@code db}, {@code db/collection},
     *                 {@code db/collection.bson}); empty for all
     * @throws ConfigurationException if the snapshot has no database directories, or an include matches nothing
     */
    static SnapshotPlan read(Repository repo, Snapshot snapshot, List<String> includes) {
        List<Db> dbs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> matched = new LinkedHashSet<>();
        List<String> inc = includes == null ? List.of() : includes.stream()
                .map(p -> p.replaceAll("^/+|/+$", "")).filter(p -> !p.isEmpty()).toList();
        for (SnapshotEntry top : repo.list(snapshot, "", false)) {
            if (!top.type().equals("dir")) {
                continue; // mongodump's oplog.bson, prelude.json
            }
            String db = top.path();
            Map<String, String[]> files = new TreeMap<>(); // base -> {bson path, metadata path}
            for (SnapshotEntry e : repo.list(snapshot, db, false)) {
                if (!e.type().equals("file") || !e.path().startsWith(db + "/")) {
                    continue;
                }
                String name = e.path().substring(db.length() + 1);
                if (name.endsWith(DumpLayout.METADATA)) {
                    files.computeIfAbsent(base(name, DumpLayout.METADATA), k -> new String[2])[1] = e.path();
                } else if (name.endsWith(DumpLayout.BSON)) {
                    files.computeIfAbsent(base(name, DumpLayout.BSON), k -> new String[2])[0] = e.path();
                }
            }
            List<Coll> colls = new ArrayList<>();
            for (Map.Entry<String, String[]> f : files.entrySet()) {
                String base = f.getKey();
                String include = matching(inc, db, base, f.getValue(), DumpLayout.collectionName(base));
                if (!inc.isEmpty() && include == null) {
                    continue;
                }
                DumpLayout.Metadata meta = f.getValue()[1] == null
                        ? DumpLayout.parseMetadata("{}", base) : metadata(repo, snapshot, f.getValue()[1], base);
                if (include != null) {
                    matched.add(include);
                }
                if (meta.collectionName().startsWith("system.") && !meta.collectionName().equals("system.js")) {
                    skipped.add(db + "/" + base + ": system collections are not restored");
                    continue;
                }
                colls.add(new Coll(db, base, meta.isView() ? null : f.getValue()[0], meta));
            }
            if (inc.isEmpty() || inc.contains(db)) {
                matched.add(db);
            }
            if (!colls.isEmpty() || inc.contains(db)) {
                dbs.add(new Db(db, colls));
            }
        }
        for (String i : inc) {
            if (!matched.contains(i)) {
                throw new ConfigurationException("Path " + i + " is not a database or collection of snapshot "
                        + snapshot.shortId() + ". List it with `cairn ls " + snapshot.shortId() + "`.");
            }
        }
        if (dbs.isEmpty()) {
            throw new ConfigurationException("Snapshot " + snapshot.shortId() + " (" + snapshot.sourceKind() + ", "
                    + snapshot.source() + ") holds no MongoDB databases (directories with <collection>.bson and "
                    + "<collection>.metadata.json): nothing to restore.");
        }
        return new SnapshotPlan(dbs, skipped);
    }

    private static String base(String file, String suffix) {
        return file.substring(0, file.length() - suffix.length());
    }

    /** The include that selects this collection, or null. */
    private static String matching(List<String> inc, String db, String base, String[] paths, String name) {
        for (String i : inc) {
            if (i.equals(db) || i.equals(db + "/" + base) || i.equals(db + "/" + name)
                    || (paths[0] != null && i.equals(paths[0])) || (paths[1] != null && i.equals(paths[1]))) {
                return i;
            }
        }
        return null;
    }

    private static DumpLayout.Metadata metadata(Repository repo, Snapshot snapshot, String path, String base) {
        try (InputStream in = repo.openFile(snapshot, path)) {
            byte[] b = in.readNBytes(MAX_METADATA + 1);
            if (b.length > MAX_METADATA) {
                throw new IntegrityException(path + " in snapshot " + snapshot.shortId() + " is larger than "
                        + MAX_METADATA + " bytes: not collection metadata.");
            }
            return DumpLayout.parseMetadata(new String(b, StandardCharsets.UTF_8), base);
        } catch (IllegalArgumentException e) {
            throw new IntegrityException(path + " in snapshot " + snapshot.shortId() + " is not collection metadata: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackupException(ErrorCode.FAILED, "Cannot read " + path + " of snapshot " + snapshot.shortId()
                    + ": " + e.getMessage(), e);
        }
    }
}
