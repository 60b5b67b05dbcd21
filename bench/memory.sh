#!/usr/bin/env bash
# Peak RSS of the cairn CLI (default launcher settings) on a 1 GB and a 4 GB source: memory must
# not grow with the data. Each size: 1 MiB to 256 MiB files of incompressible data in nested
# directories (made once under $BENCH_DATA/mem-1g and mem-4g), then init, backup, unchanged
# re-backup, restore, check --read-data, each a fresh process timed by /usr/bin/time, the whole
# sequence repeated (--reps, default 3: one run's peak varies by ~10 % with the moment the heap
# grows; measured 173-193 MiB for the same 1 GB backup). Prints one table: median seconds and the
# highest peak RSS per step and size, and the 4 GB / 1 GB ratio of those peaks.
#
#   bench/memory.sh [--reps N]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
reps=3
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2;;
    *) echo "usage: $0 [--reps N]" >&2; exit 2;;
  esac
done
data=${BENCH_DATA:-/var/tmp/cairn-bench}
work=${BENCH_WORK:-/var/tmp/cairn-bench-work}/memory
mkdir -p "$data" "$work"
[ -f "$here/backup-cli/target/cairn.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
cairn="$here/backup-cli/target/cairn"

make_corpus() { # dir GB
  local dir=$1 gb=$2 total=0 i=0 size
  [ -d "$dir" ] && return 0
  mkdir -p "$dir.tmp"
  while [ $total -lt $((gb * 1000 * 1000 * 1000)) ]; do
    size=$(( (1 << (20 + i % 9)) ))            # 1 MiB .. 256 MiB
    mkdir -p "$dir.tmp/d$((i % 7))/e$((i % 3))"
    head -c "$size" /dev/urandom > "$dir.tmp/d$((i % 7))/e$((i % 3))/f$i.bin"
    total=$((total + size)); i=$((i + 1))
  done
  mv "$dir.tmp" "$dir"
}
make_corpus "$data/mem-1g" 1
make_corpus "$data/mem-4g" 4

export CAIRN_PASSWORD_FILE="$work/password"
head -c 24 /dev/urandom | base64 > "$work/password"; chmod 600 "$work/password"
: > "$work/results"
measure() { # size step command...
  local size=$1 step=$2; shift 2
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r s kb < "$work/t"
  echo "$size $step $s $kb" >> "$work/results"
}
for rep in $(seq 1 "$reps"); do
  for size in 1g 4g; do
    export CAIRN_REPOSITORY="$work/repo-$size"
    rm -rf "$CAIRN_REPOSITORY" "$work/restore"
    "$cairn" init -q
    measure $size backup "$cairn" backup -q "$data/mem-$size"
    measure $size rebackup "$cairn" backup -q "$data/mem-$size"
    measure $size restore "$cairn" restore -q latest --target "$work/restore"
    measure $size check "$cairn" check -q --read-data
    rm -rf "$CAIRN_REPOSITORY" "$work/restore"
  done
done
python3 - "$work/results" <<'PY'
import collections, statistics, sys
r = collections.defaultdict(list)
for line in open(sys.argv[1]):
    size, step, s, kb = line.split()
    r[(size, step)].append((float(s), int(kb) / 1024))
def summary(runs):
    return statistics.median(x[0] for x in runs), max(x[1] for x in runs)
print(f"{'step':9} {'1 GB s':>7} {'1 GB RSS MiB':>13} {'4 GB s':>7} {'4 GB RSS MiB':>13} {'RSS 4G/1G':>10}")
for step in ("backup", "rebackup", "restore", "check"):
    a, b = summary(r[("1g", step)]), summary(r[("4g", step)])
    print(f"{step:9} {a[0]:7.2f} {a[1]:13.0f} {b[0]:7.2f} {b[1]:13.0f} {b[1] / a[1]:10.2f}")
PY
