#!/bin/sh
# Compiles argon2_fill.c into <out>/linux/<arch>/libcairn-kdf.so (<arch> as Java's os.arch names it)
# with the JNI headers of <java.home>. Where there is no C compiler or no jni.h it says so and builds
# nothing: Argon2Kdf then fills memory in Java (same keys, slower). Run by the build (pom.xml).
set -eu
out=$1
java_home=$2
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "[cairn native] $1: the key derivation stays in Java"; exit 0; }
[ "$(uname -s)" = Linux ] || skip "not Linux"
case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=aarch64 ;;
    *) skip "no build for $(uname -m)" ;;
esac
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc; set CC or install gcc)"
inc=$java_home/include
[ -f "$inc/jni.h" ] || skip "no $inc/jni.h (a JDK, not a JRE, runs Maven?)"
mkdir -p "$out/linux/$arch"
# Hardened as distributions build shared libraries; -fvisibility=hidden exports only the JNI functions.
"$cc" -O2 -std=gnu11 -fPIC -shared -fvisibility=hidden -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
    -Wall -Wextra -Werror -I"$inc" -I"$inc/linux" -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now \
    -o "$out/linux/$arch/libcairn-kdf.so" "$here/argon2_fill.c"
echo "[cairn native] built $out/linux/$arch/libcairn-kdf.so"
