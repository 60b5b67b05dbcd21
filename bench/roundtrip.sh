#!/usr/bin/env bash
# Round trip of a large real tree through the cairn CLI: backup, unchanged re-backup, restore,
# tar export; compares bytes (diff -r) and metadata (find listing of path, mode, ns mtime, link
# target) of the original, the restore and GNU tar's extraction. Prints seconds and peak RSS.
#
#   bench/roundtrip.sh [SOURCE_DIR]        (default /usr/share; WORK=/tmp/cairn-roundtrip)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "${1:-/usr/share}" && pwd)
work=${WORK:-/tmp/cairn-roundtrip}
jar="$here/backup-cli/target/cairn.jar"
[ -f "$jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
# The launcher script, as a user runs it (it sets the default heap cap).
rm -rf "$work"; mkdir -p "$work"
umask 077
head -c 32 /dev/urandom | base64 > "$work/password"
export CAIRN_REPOSITORY="$work/repo" CAIRN_PASSWORD_FILE="$work/password"
cairn=("$here/backup-cli/target/cairn")
timed() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.$label" "$@"
  read -r secs kb < "$work/time.$label"
  printf '%-22s %8.1f s  peak RSS %6d MiB\n' "$label" "$secs" $((kb / 1024)) >&2
}
listing() { (cd "$1" && find . -printf '%p %m %T@ %l\n' | LC_ALL=C sort); }

files=$(find "$src" -xdev | wc -l); bytes=$(du -sb "$src" | cut -f1)
echo "source: $src, $files entries, $bytes bytes"
timed init "${cairn[@]}" init >/dev/null
timed backup "${cairn[@]}" backup --json "$src" > "$work/backup1.json"
timed backup-unchanged "${cairn[@]}" backup --json "$src" > "$work/backup2.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for n in ("backup1", "backup2"):
    d = json.load(open(f"{w}/{n}.json"))
    s = d.get("summary", d)
    print(f"{n}: files {s.get('files')} bytesRead {s.get('bytesRead')} dataBlobsAdded {s.get('dataBlobsAdded')} "
          f"bytesAdded {s.get('bytesAdded')} bytesStored {s.get('bytesStored')}")
PY
du -sb "$work/repo" | awk '{printf "repository size: %d bytes\n", $1}'
timed restore "${cairn[@]}" restore latest --target "$work/restore"
name=$(basename "$src")
diff -r --no-dereference "$src" "$work/restore/$name" && echo "diff -r: identical"
if diff <(listing "$src") <(listing "$work/restore/$name") > "$work/listing.diff"; then
  echo "metadata listing: identical"
else
  echo "metadata listing: DIFFERENT (see $work/listing.diff)"; head "$work/listing.diff"; exit 1
fi
timed export-tar "${cairn[@]}" export-tar latest --output "$work/snap.tar"
mkdir -p "$work/untar"
tar --xattrs --xattrs-include='user.*' -xpf "$work/snap.tar" -C "$work/untar"
diff -r --no-dereference "$src" "$work/untar/$name" && echo "tar: diff -r identical"
if diff <(listing "$src") <(listing "$work/untar/$name") > "$work/tar-listing.diff"; then
  echo "tar: metadata listing identical"
else
  echo "tar: metadata listing DIFFERENT (see $work/tar-listing.diff)"; head "$work/tar-listing.diff"; exit 1
fi
