#!/usr/bin/env bash
# Cairn beside restic on a tree of many small files, with each tool's default memory settings:
# what the in-memory bookkeeping per file and per blob costs when the bytes are few.
#
#   bench/many-files.sh [FILES]
#
# Makes once, under $BENCH_DATA/many (default /var/tmp/cairn-bench/many), FILES (default 500,000)
# files of 15-215 bytes in directories of 2,500, each with its own content (a blob per file). Then,
# for each tool, one run per step from an empty repository, page cache warm (the tree is read
# once before): initial backup, unchanged re-backup, restore (compared with diff -r),
# check --read-data, and prune (with nothing to remove: the mark over every blob and the plan,
# which are what take memory). Prints seconds and peak RSS (/usr/bin/time) per step. Installs
# restic when missing (Debian package).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
files=${1:-500000}
data=${BENCH_DATA:-/var/tmp/cairn-bench}/many
work=${BENCH_WORK:-/var/tmp/cairn-bench-many}
command -v restic >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq restic >/dev/null; }
[ -f "$here/backup-cli/target/cairn.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
cairn="$here/backup-cli/target/cairn"

if [ ! -f "$data/.complete-$files" ]; then
  rm -rf "$data" && mkdir -p "$data"
  python3 - "$data" "$files" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"d{i // 2500:04}")
    if i % 2500 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i % 2500:05}.txt"), "w") as f:
        f.write(f"file {i // 2500} {i % 2500} " + "x" * (i % 200) + "\n")
EOF
  touch "$data/.complete-$files"
fi
tar -cf - -C "$data" . | cat > /dev/null # warm the page cache

rm -rf "$work" && mkdir -p "$work"
head -c 24 /dev/urandom | base64 > "$work/password"; chmod 600 "$work/password"
export CAIRN_PASSWORD_FILE="$work/password" RESTIC_PASSWORD_FILE="$work/password"
export CAIRN_REPOSITORY="$work/cairn" RESTIC_REPOSITORY="$work/restic"
step() { # tool step command...
  local tool=$1 what=$2; shift 2
  if /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2> "$work/err"; then
    read -r s kb < "$work/t"
    printf '%-7s %-9s %8.2f s %8d MiB\n' "$tool" "$what" "$s" $((kb / 1024))
  else
    printf '%-7s %-9s FAILED: %s\n' "$tool" "$what" "$(head -c 300 "$work/err" | tr '\n' ' ')"
  fi
}
echo "$files files under $data"
"$cairn" init -q
restic init -q > /dev/null
step cairn backup "$cairn" backup -q "$data"
step cairn rebackup "$cairn" backup -q "$data"
step cairn restore "$cairn" restore -q latest --target "$work/cairn-restore"
if diff -r "$data" "$work/cairn-restore/$(basename "$data")" > /dev/null; then echo "cairn   restore   identical (diff -r)"; else echo "cairn   restore   DIFFERS"; fi
step cairn check "$cairn" check -q --read-data
step cairn prune "$cairn" prune -q
rm -rf "$work/cairn-restore"
step restic backup restic backup -q --compression auto "$data"
step restic rebackup restic backup -q --compression auto "$data"
step restic restore restic restore -q latest --target "$work/restic-restore"
step restic check restic check -q --read-data
step restic prune restic prune -q
rm -rf "$work"
