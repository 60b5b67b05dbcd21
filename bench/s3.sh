#!/usr/bin/env bash
# Cairn and restic against one S3 server (S3Proxy, standalone, filesystem store under $BENCH_WORK),
# beside both on a local directory: backup and restore of the same corpus, as users run them
# (CLI, a fresh process per step, an empty repository per run, tools alternating).
#
#   bench/s3.sh [--reps N] [DIR]
#
# Corpora: DIR (default /usr/share), plus the 1 GiB random file $BENCH_DATA/random/r.bin
# (BENCH_DATA default /var/tmp/cairn-bench; bench/compare.sh makes it) when it exists.
# Prints one table of medians over N repetitions (default 3): seconds, MB/s (corpus bytes from
# du -sb / seconds), peak RSS of the tool's process (max over the repetitions), and S3/local.
# The first repetition's restores are compared with the corpus (diff -r --no-dereference).
# Needs restic (0.14+), curl, python3 and a Maven repository with backup-s3's test dependencies
# (S3Proxy 4.1.0 runs from them). The page cache is warmed once, never dropped; S3Proxy shares
# the machine's cores with the tool under test.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
reps=3
src=/usr/share
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2;;
    -*) echo "usage: $0 [--reps N] [DIR]" >&2; exit 2;;
    *) src=$1; shift;;
  esac
done
corpora=("$(cd "$src" && pwd)")
random=${BENCH_DATA:-/var/tmp/cairn-bench}/random/r.bin
[ -f "$random" ] && corpora+=("$random")
work=${BENCH_WORK:-/var/tmp/cairn-bench-s3}
for c in restic curl python3 /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "$0: needs $c" >&2; exit 2; }
done
jar="$here/backup-cli/target/cairn.jar"
[ -f "$jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
cairn="$here/backup-cli/target/cairn"

rm -rf "$work"; mkdir -p "$work/store"
umask 077

# ---- S3Proxy from backup-s3's test class path (offline first)
cp_file="$work/s3proxy.classpath"
build_cp() {
  (cd "$here" && mvn -B -q "$@" -pl backup-core,backup-s3 -am dependency:build-classpath \
     -Dmdep.includeScope=test -Dmdep.excludeGroupIds=dev.cairn,org.testcontainers,org.junit.jupiter,org.junit.platform,org.assertj \
     -Dmdep.outputFile="$cp_file" >/dev/null)
}
build_cp -o || build_cp
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
# Throwaway keys for this run only: in a mode-600 file for the server, in the environment for the clients.
key="bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
cat > "$work/s3proxy.conf" <<EOF
s3proxy.endpoint=$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$key
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/store
EOF
# S3Proxy's Main sends System.out/err to its logger: slf4j-simple must write to a file, not stderr.
java -Xmx1g -Dorg.slf4j.simpleLogger.logFile="$work/s3proxy.log" -cp "$(cat "$cp_file")" \
  org.gaul.s3proxy.Main --properties "$work/s3proxy.conf" > "$work/s3proxy.out" 2>&1 &
s3pid=$!
cleanup() { kill "$s3pid" 2>/dev/null || true; wait "$s3pid" 2>/dev/null || true; rm -rf "$work/store" "$work/repo" "$work/restore" "$work/s3proxy.conf" "$work/password"; }
trap cleanup EXIT
for i in $(seq 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/" || true)
  [ "$code" != 000 ] && break
  kill -0 "$s3pid" 2>/dev/null || { echo "S3Proxy exited:" >&2; cat "$work/s3proxy.out" >&2; exit 1; }
  sleep 0.2
done
[ "$code" != 000 ] || { echo "S3Proxy did not answer on $endpoint" >&2; exit 1; }
echo "S3Proxy 4.1.0 on $endpoint (filesystem store in $work/store), pid $s3pid"
export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=us-east-1 AWS_ENDPOINT_URL=$endpoint
head -c 24 /dev/urandom | base64 > "$work/password"
export CAIRN_PASSWORD_FILE="$work/password" RESTIC_PASSWORD_FILE="$work/password"
# Both tools keep their local cache of a remote repository (on by default for both) here, emptied per run.
export CAIRN_CACHE_DIR="$work/cache/cairn" RESTIC_CACHE_DIR="$work/cache/restic"
unset CAIRN_REPOSITORY RESTIC_REPOSITORY

# ---- one measured step: label, command...; appends "label secs rss_kb" to $work/results
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/out" 2> "$work/err" \
    || { echo "FAILED: $label" >&2; cat "$work/err" >&2; exit 1; }
  read -r s kb < "$work/t"
  echo "$label $s $kb" >> "$work/results"
}
: > "$work/results"; : > "$work/sizes"

run() { # corpus-index corpus tool backend rep
  local ci=$1 corpus=$2 tool=$3 backend=$4 rep=$5 bucket="b-$3-$4-$1-$5" label="$1 $3 $4"
  local repo restored
  rm -rf "$work/repo" "$work/restore" "$work/cache"
  case $tool-$backend in
    cairn-local) repo="$work/repo"; "$cairn" init -q --repo "$repo";;
    cairn-s3) repo="s3://$bucket/repo"; "$cairn" init -q --repo "$repo?createBucket=true";;
    restic-local) repo="$work/repo"; restic -q -r "$repo" init --repository-version 2 >/dev/null;;
    restic-s3) repo="s3:$endpoint/$bucket"; restic -q -r "$repo" init --repository-version 2 >/dev/null;;
  esac
  if [ "$tool" = cairn ]; then
    measure "$label backup" "$cairn" backup -q --repo "$repo" "$corpus"
    measure "$label rebackup" "$cairn" backup -q --repo "$repo" "$corpus"
    measure "$label restore" "$cairn" restore -q --repo "$repo" latest --target "$work/restore"
    restored="$work/restore/$(basename "$corpus")"
  else
    measure "$label backup" restic -q -r "$repo" backup --compression auto "$corpus"
    measure "$label rebackup" restic -q -r "$repo" backup --compression auto "$corpus"
    measure "$label restore" restic -q -r "$repo" restore latest --target "$work/restore"
    restored="$work/restore$corpus"
  fi
  if [ "$backend" = s3 ]; then
    echo "$label $(du -sb "$work/store/$bucket" | cut -f1)" >> "$work/sizes"
  else
    echo "$label $(du -sb "$work/repo" | cut -f1)" >> "$work/sizes"
  fi
  if [ "$rep" = 1 ]; then
    diff -rq --no-dereference "$corpus" "$restored" > "$work/diff" 2>&1 \
      || { echo "RESTORE DIFFERS: $label" >&2; head "$work/diff" >&2; exit 1; }
  fi
  rm -rf "$work/repo" "$work/restore" "$work/store/$bucket" "$work/cache"
}

i=0
for corpus in "${corpora[@]}"; do
  echo "corpus $i: $corpus, $(du -sb "$corpus" | cut -f1) bytes, $(find "$corpus" | wc -l) entries"
  find "$corpus" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true # warm the page cache once
  i=$((i + 1))
done
for rep in $(seq 1 "$reps"); do
  i=0
  for corpus in "${corpora[@]}"; do
    for tb in "cairn local" "cairn s3" "restic local" "restic s3"; do
      # shellcheck disable=SC2086 # two words: tool backend
      run "$i" "$corpus" $tb "$rep"
    done
    i=$((i + 1))
  done
  echo "repetition $rep done" >&2
done

python3 - "$work" "${corpora[@]}" <<'PY'
import collections, statistics, subprocess, sys
work, corpora = sys.argv[1], sys.argv[2:]
runs = collections.defaultdict(list)
for line in open(f"{work}/results"):
    ci, tool, backend, step, s, kb = line.split()
    runs[(int(ci), step, tool, backend)].append((float(s), int(kb)))
sizes = collections.defaultdict(list)
for line in open(f"{work}/sizes"):
    ci, tool, backend, v = line.split()
    sizes[(int(ci), tool, backend)].append(int(v))
def med(key):
    return statistics.median(x[0] for x in runs[key])
n = max(len(v) for v in runs.values())
print(f"medians of {n} runs; corpus MB = du -sb / 1e6; peak RSS = max over runs of the tool's process")
print(f"{'corpus':44} {'step':8} {'tool':7} {'backend':8} {'median s':>9} {'MB/s':>7} {'peak RSS MiB':>13} "
      f"{'s3/local':>9} {'repo MB':>8}")
for ci, corpus in enumerate(corpora):
    mb = int(subprocess.check_output(["du", "-sb", corpus]).split()[0]) / 1e6
    name = f"{corpus} ({mb:.0f} MB)"
    for step in ("backup", "rebackup", "restore"):
        for tool in ("cairn", "restic"):
            for backend in ("local", "s3"):
                key = (ci, step, tool, backend)
                if key not in runs:
                    continue
                s = med(key)
                rss = max(x[1] for x in runs[key]) / 1024
                ratio = f"{s / med((ci, step, tool, 'local')):9.2f}" if backend == "s3" else f"{'':9}"
                size = statistics.median(sizes[(ci, tool, backend)]) / 1e6
                print(f"{name:44} {step:8} {tool:7} {backend:8} {s:9.2f} {mb / s:7.1f} {rss:13.0f} {ratio} "
                      f"{size:8.0f}")
PY
