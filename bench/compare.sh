#!/usr/bin/env bash
# Cairn beside restic and borg on the same corpora, same machine, as users run them (CLI, fresh
# process per step, empty repository and dropped page cache per run, alternating tools).
#
#   bench/compare.sh [--reps N] [--corpora "src dump random"]
#
# Corpora (made once under $BENCH_DATA, default /var/tmp/cairn-bench):
#   src    the Debian linux-source package extracted (~1.3 GB, ~80,000 files)
#   dump   two SQL dumps of a sysbench database in the local MariaDB (~800 MB each), the second
#          after a fixed-seed write workload (bench/mysql-corpus.sh makes them)
#   random 1 GiB of incompressible data
# Steps: initial backup, unchanged re-backup, (dump: second dump's backup, bytes added; each tool
#        reads the dump file on its standard input: cairn --stdin with the stream chunker set,
#        restic --stdin, borg create -),
#        restore, check --read-data. Prints one table of medians: seconds, MB/s, peak RSS, repo
#        size, and the ratio tool/cairn. Needs root (drops caches) and Debian packages restic,
#        borgbackup, linux-source-6.1, sysbench (installed when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
reps=3
corpora="src dump random"
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2;;
    --corpora) corpora=$2; shift 2;;
    *) echo "usage: $0 [--reps N] [--corpora \"src dump random\"]" >&2; exit 2;;
  esac
done
data=${BENCH_DATA:-/var/tmp/cairn-bench}
work=${BENCH_WORK:-/var/tmp/cairn-bench-work}
mkdir -p "$data" "$work"
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need restic restic
need borg borgbackup
[ -f "$here/backup-cli/target/cairn.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
cairn="$here/backup-cli/target/cairn"

# ---- corpora
if [[ " $corpora " == *" src "* ]] && [ ! -d "$data/src" ]; then
  [ -f /usr/src/linux-source-6.1.tar.xz ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.1 >/dev/null; }
  mkdir -p "$data/src" && tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$data/src"
fi
if [[ " $corpora " == *" random "* ]] && [ ! -f "$data/random/r.bin" ]; then
  mkdir -p "$data/random" && head -c $((1024 * 1024 * 1024)) /dev/urandom > "$data/random/r.bin"
fi
if [[ " $corpora " == *" dump "* ]] && [ ! -f "$data/dump/dump2.sql" ]; then
  "$here/bench/mysql-corpus.sh" "$data/dump"
fi

# ---- one measured run: label, command...; appends "label secs rss_kb" to $work/results
measure() {
  local label=$1; shift
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2> "$work/err" || { echo "FAILED: $label: $*" >&2; cat "$work/err" >&2; return 1; }
  read -r s kb < "$work/t"
  echo "$label $s $kb" >> "$work/results"
}
size() { du -sb "$1" | cut -f1; }

export CAIRN_PASSWORD_FILE="$work/password" RESTIC_PASSWORD_FILE="$work/password" BORG_PASSCOMMAND="cat $work/password"
head -c 24 /dev/urandom | base64 > "$work/password"; chmod 600 "$work/password"
: > "$work/results"; : > "$work/sizes"

run_tool() { # tool corpus rep
  local tool=$1 corpus=$2 rep=$3 repo="$work/repo-$1" src="$data/$2" restore="$work/restore-$1"
  rm -rf "$repo" "$restore"
  local srcs=("$src"); local first=("$src") second=()
  if [ "$corpus" = dump ]; then first=("$src/dump1.sql"); second=("$src/dump2.sql"); fi
  case $tool in
    cairn)
      export CAIRN_REPOSITORY="$repo"; "$cairn" init -q
      if [ "$corpus" = dump ]; then
        # The dump on standard input, as restic's --stdin: the stream chunker set.
        measure "$corpus $tool backup" sh -c "'$cairn' backup -q --chunking stream --stdin --stdin-filename dump.sql < '${first[0]}'"
        measure "$corpus $tool rebackup" sh -c "'$cairn' backup -q --chunking stream --stdin --stdin-filename dump.sql < '${first[0]}'"
      else
        measure "$corpus $tool backup" "$cairn" backup -q "${first[@]}"
        measure "$corpus $tool rebackup" "$cairn" backup -q "${first[@]}"
      fi
      local before; before=$(size "$repo")
      if [ ${#second[@]} -gt 0 ]; then
        measure "$corpus $tool backup2" sh -c "'$cairn' backup -q --chunking stream --stdin --stdin-filename dump.sql < '${second[0]}'"
        echo "$corpus $tool added $(( $(size "$repo") - before ))" >> "$work/sizes"
      fi
      measure "$corpus $tool restore" "$cairn" restore -q latest --target "$restore"
      measure "$corpus $tool check" "$cairn" check -q --read-data;;
    restic)
      export RESTIC_REPOSITORY="$repo"; restic init -q --repository-version 2 >/dev/null
      if [ "$corpus" = dump ]; then
        measure "$corpus $tool backup" sh -c "restic backup -q --compression auto --stdin --stdin-filename dump.sql < '${first[0]}'"
        measure "$corpus $tool rebackup" sh -c "restic backup -q --compression auto --stdin --stdin-filename dump.sql < '${first[0]}'"
      else
        measure "$corpus $tool backup" restic backup -q --compression auto "${first[@]}"
        measure "$corpus $tool rebackup" restic backup -q --compression auto "${first[@]}"
      fi
      local before; before=$(size "$repo")
      if [ ${#second[@]} -gt 0 ]; then
        measure "$corpus $tool backup2" sh -c "restic backup -q --compression auto --stdin --stdin-filename dump.sql < '${second[0]}'"
        echo "$corpus $tool added $(( $(size "$repo") - before ))" >> "$work/sizes"
      fi
      measure "$corpus $tool restore" restic restore -q latest --target "$restore"
      measure "$corpus $tool check" restic check -q --read-data;;
    borg)
      export BORG_REPO="$repo"; borg init -e repokey-blake2 >/dev/null 2>&1
      if [ "$corpus" = dump ]; then
        measure "$corpus $tool backup" sh -c "borg create --compression zstd,3 '::a-$rep' - < '${first[0]}'"
        measure "$corpus $tool rebackup" sh -c "borg create --compression zstd,3 '::b-$rep' - < '${first[0]}'"
      else
        measure "$corpus $tool backup" borg create --compression zstd,3 "::a-$rep" "${first[@]}"
        measure "$corpus $tool rebackup" borg create --compression zstd,3 "::b-$rep" "${first[@]}"
      fi
      local before; before=$(size "$repo")
      if [ ${#second[@]} -gt 0 ]; then
        measure "$corpus $tool backup2" sh -c "borg create --compression zstd,3 '::c-$rep' - < '${second[0]}'"
        echo "$corpus $tool added $(( $(size "$repo") - before ))" >> "$work/sizes"
      fi
      mkdir -p "$restore"
      measure "$corpus $tool restore" sh -c "cd '$restore' && borg extract '::b-$rep'"
      measure "$corpus $tool check" borg check --verify-data;;
  esac
  echo "$corpus $tool repo $(size "$repo")" >> "$work/sizes"
  rm -rf "$repo" "$restore"
}

for corpus in $corpora; do
  for rep in $(seq 1 "$reps"); do
    for tool in cairn restic borg; do
      run_tool "$tool" "$corpus" "$rep"
    done
  done
done

python3 - "$work" "$data" <<'PY'
import collections, os, statistics, subprocess, sys
work, data = sys.argv[1], sys.argv[2]
runs = collections.defaultdict(list)
for line in open(f"{work}/results"):
    corpus, tool, step, s, kb = line.split()
    runs[(corpus, step, tool)].append((float(s), int(kb)))
sizes = collections.defaultdict(list)
for line in open(f"{work}/sizes"):
    corpus, tool, what, v = line.split()
    sizes[(corpus, tool, what)].append(int(v))
def corpus_bytes(c):
    return int(subprocess.check_output(["du", "-sb", os.path.join(data, c)]).split()[0])
print(f"{'corpus':7} {'step':9} {'tool':7} {'median s':>9} {'MB/s':>8} {'peak RSS MiB':>13} {'tool/cairn':>10}")
for corpus in sorted({k[0] for k in runs}):
    mb = corpus_bytes(corpus) / 1e6
    if corpus == "dump":
        mb /= 2
    for step in ("backup", "rebackup", "backup2", "restore", "check"):
        base = runs.get((corpus, step, "cairn"))
        for tool in ("cairn", "restic", "borg"):
            r = runs.get((corpus, step, tool))
            if not r:
                continue
            s = statistics.median(x[0] for x in r)
            rss = max(x[1] for x in r) / 1024
            ratio = s / statistics.median(x[0] for x in base) if base else float("nan")
            print(f"{corpus:7} {step:9} {tool:7} {s:9.2f} {mb / s:8.1f} {rss:13.0f} {ratio:10.2f}")
print()
for (corpus, tool, what), v in sorted(sizes.items()):
    print(f"{corpus:7} {tool:7} {what:6} {statistics.median(v) / 1e6:10.1f} MB")
PY
