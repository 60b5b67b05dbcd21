#!/usr/bin/env bash
# Nightly deduplication of MySQL dumps: how many bytes does the second of two nightly backups add?
#
#   bench/mysql-dedup.sh
#   (env: WORK=/tmp/cairn-dedup-mysql  TABLES=8  ROWS=500000  EVENTS=1000  SIZES="16 32 64 128"
#         KEEP=1 keeps the sysbench database, REBUILD=1 rebuilds target/cairn.jar)
#
# 1. sysbench oltp_read_write prepare: TABLES x ROWS rows (8 x 500000 is a ~800 MB dump) in database
#    cairn_bench_sbtest on 127.0.0.1:3306 (root, no password).
# 2. cairn backup mysql://root@127.0.0.1:3306/cairn_bench_sbtest   (the real MySqlSource path,
#    repository defaults: stream chunking min 16K / avg 64K / max 256K)
# 3. sysbench oltp_write_only --rand-seed=42 --events=EVENTS --threads=1 (a fixed write workload)
# 4. the same backup again; both dumps are then taken out of the repository (cairn dump), so every
#    setting below sees exactly the bytes MySqlSource produced.
# 5. For each avg size in SIZES (KiB): a repository whose stream set is avg/4, avg, avg*4 backs up
#    dump 1 then dump 2 (StreamSource with the stream set, through the public API).
# 6. restic (the distribution's package): backup --stdin of dump 1, then dump 2.
# Prints, per setting, the bytes the second backup added (plaintext of new chunks, and the growth
# of the repository on disk) as a percentage of the dump's size, and the repository sizes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/cairn-dedup-mysql}
tables=${TABLES:-8}
rows=${ROWS:-500000}
events=${EVENTS:-1000}
sizes=${SIZES:-16 32 64 128}
db=cairn_bench_sbtest
jar="$here/backup-cli/target/cairn.jar"

command -v sysbench >/dev/null || apt-get install -y sysbench
command -v restic >/dev/null || apt-get install -y restic
if [ ! -f "$jar" ] || [ "${REBUILD:-0}" = 1 ]; then
  # clean: the shaded jar replaces the main artifact, and re-shading it keeps stale adapter classes.
  (cd "$here" && mvn -B -q install -DskipTests -pl backup-mysql -am && mvn -B -q clean package -DskipTests -pl backup-cli)
fi
rm -rf "$work"; mkdir -p "$work"
umask 077
mysql=(mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot)
sb=(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=3306 --mysql-user=root --mysql-db="$db"
    --tables="$tables" --table-size="$rows")
secs() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.1f", b - a }'; }

echo "== prepare: $tables tables x $rows rows"
"${mysql[@]}" -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
t=$(secs); "${sb[@]}" oltp_read_write prepare > "$work/prepare.log"; echo "prepared in $(took "$t") s"

export CAIRN_REPOSITORY="$work/repo-cairn-default" CAIRN_PASSWORD=bench-only
cairn=(java -jar "$jar")
"${cairn[@]}" init > /dev/null
t=$(secs); "${cairn[@]}" backup --json "mysql://root@127.0.0.1:3306/$db" > "$work/backup1.json"
echo "MySqlSource backup 1: $(took "$t") s"
t=$(secs); "${sb[@]}" --rand-seed=42 --events="$events" --threads=1 --time=0 oltp_write_only run > "$work/workload.log"
echo "workload: $events events in $(took "$t") s"
t=$(secs); "${cairn[@]}" backup --json "mysql://root@127.0.0.1:3306/$db" > "$work/backup2.json"
echo "MySqlSource backup 2: $(took "$t") s"
snap() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"])' "$1"; }
s1=$(snap "$work/backup1.json"); s2=$(snap "$work/backup2.json")
"${cairn[@]}" dump "$s1" "$db.sql" > "$work/dump1.sql"
"${cairn[@]}" dump "$s2" "$db.sql" > "$work/dump2.sql"
d1=$(stat -c %s "$work/dump1.sql"); d2=$(stat -c %s "$work/dump2.sql")
echo "dumps: $d1 and $d2 bytes"
python3 - "$work" "$d2" <<'PY'
import json, sys, os
w, d2 = sys.argv[1], int(sys.argv[2])
def summ(n):
    d = json.load(open(f"{w}/{n}.json"))
    return d.get("summary", d)
s = summ("backup2")
size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(f"{w}/repo-cairn-default") for f in fs)
print(f"MySqlSource end to end (64K): second backup added {s['bytesAdded']} bytes plaintext "
      f"({100 * s['bytesAdded'] / d2:.2f} % of the dump), {s['bytesStored']} stored; repository {size} bytes")
PY

cat > "$work/DedupBench.java" <<'JAVA'
import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.source.StreamSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Backs up two dumps with the stream set at each avg size given (KiB); prints what the second added. */
public class DedupBench {
    public static void main(String[] a) throws Exception {
        Path d1 = Path.of(a[0]), d2 = Path.of(a[1]), work = Path.of(a[2]);
        long size2 = Files.size(d2);
        System.out.printf("%-18s %14s %9s %14s %9s %8s %14s %14s %8s %8s%n", "setting", "added(plain)", "% dump",
                "repo growth", "% dump", "chunks+", "repo after 1", "repo after 2", "1st s", "2nd s");
        for (int i = 3; i < a.length; i++) {
            int avg = Integer.parseInt(a[i]) * 1024;
            Path dir = work.resolve("repo-cairn-" + a[i] + "k");
            try (Repository r = Repository.at(dir).password(Secret.of("bench-only".toCharArray())).kdf(8192, 1, 1)
                    .chunkSizes("stream", avg / 4, avg, avg * 4).init()) {
                BackupResult first = r.backup(StreamSource.of("db.sql", () -> Files.newInputStream(d1))
                        .withChunking("stream")).run();
                long after1 = du(dir);
                BackupResult b = r.backup(StreamSource.of("db.sql", () -> Files.newInputStream(d2))
                        .withChunking("stream")).run();
                long after2 = du(dir);
                var s = b.snapshot().summary();
                System.out.printf("%-18s %14d %8.2f%% %14d %8.2f%% %8d %14d %14d %8.1f %8.1f%n",
                        "cairn " + avg / 4096 + "K/" + a[i] + "K/" + avg / 256 + "K", s.bytesAdded(),
                        100.0 * s.bytesAdded() / size2, after2 - after1, 100.0 * (after2 - after1) / size2,
                        s.dataBlobsAdded(), after1, after2, first.snapshot().summary().durationMillis() / 1000.0,
                        s.durationMillis() / 1000.0);
            }
        }
    }

    static long du(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
JAVA
echo "== Cairn stream chunking, same two dumps"
# shellcheck disable=SC2086
java -cp "$jar" "$work/DedupBench.java" "$work/dump1.sql" "$work/dump2.sql" "$work" $sizes

echo "== restic $(restic version | cut -d' ' -f2), same two dumps"
export RESTIC_REPOSITORY="$work/repo-restic" RESTIC_PASSWORD=bench-only
restic init -q
restic backup -q --json --stdin --stdin-filename db.sql < "$work/dump1.sql" | tail -1 > "$work/restic1.json"
r1=$(du -sb "$RESTIC_REPOSITORY" | cut -f1)
restic backup -q --json --stdin --stdin-filename db.sql < "$work/dump2.sql" | tail -1 > "$work/restic2.json"
r2=$(du -sb "$RESTIC_REPOSITORY" | cut -f1)
python3 - "$work" "$d2" "$r1" "$r2" <<'PY'
import json, sys
w, d2, r1, r2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = json.load(open(f"{w}/restic2.json"))
added = s.get("data_added", 0)
print(f"{'restic (1M avg)':<18} {added:14d} {100 * added / d2:8.2f}% {r2 - r1:14d} {100 * (r2 - r1) / d2:8.2f}% "
      f"{s.get('data_blobs', 0):8d} {r1:14d} {r2:14d}")
PY
[ "${KEEP:-0}" = 1 ] || "${mysql[@]}" -e "DROP DATABASE $db"
