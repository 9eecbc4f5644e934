#!/usr/bin/env bash
# Builds regvault-verify as one self-contained file that an auditor can copy to an offline Debian or
# Ubuntu machine with nothing else installed: the Swift runtime (standard library, Foundation, Dispatch)
# and libarchive with every compressor it was built with are linked in statically; only libc, libm,
# libstdc++ and libgcc_s (all in a minimal Debian base system) are left as shared libraries.
#
#   tools/build-verifier.sh [OUT]     (default OUT: .build-verifier/regvault-verify)
#
# Safe to run any number of times: it reinstalls nothing, rebuilds only what changed, and rewrites
# the same files. Everything it makes stays under .build-verifier (git ignores .build-*).
set -euo pipefail
out="$(realpath -m "${1:-$(dirname "$0")/../.build-verifier/regvault-verify}")"  # OUT is taken from where you are
cd "$(dirname "$0")/.."
scratch=.build-verifier

# The static archives (.a) of libarchive and of the libraries it uses: libarchive-dev has no
# dependencies on the others' -dev packages, so each is named here (nettle-dev for libnettle.a,
# libacl1-dev for libacl.a; libicu-dev because libxml2's static link needs ICU).
debian_packages=(libarchive-dev nettle-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev
                 libxml2-dev libicu-dev pkg-config binutils)
INSTALL_LABEL=build-verifier tools/install-debian-packages.sh "${debian_packages[@]}"

# How libarchive is linked statically. The CArchive and CZlib module maps make the compiler ask for
# `-larchive` and `-lz`, which the linker would resolve to the shared libarchive.so and libz.so.
# Instead, a folder searched before the system's holds:
#   libarchive.a: a linker script (ld reads a file it does not recognise as an archive as a script)
#     whose GROUP names the system's libarchive.a and the .a of every library that
#     `pkg-config --static` lists for it and for libxml2; a GROUP is searched repeatedly until no
#     symbol is left unresolved, so the order of the archives and where `-larchive` lands on the
#     command line do not matter. Only the members that the verifier uses are pulled in (it reads
#     tar with gzip, xz and zstd; the xar reader, and with it libxml2 and ICU, are never linked).
#   libz.a: the system's static zlib, for the verifier's own gzip checks.
#   pkgconfig/libarchive.pc: what SwiftPM reads for CArchive (PKG_CONFIG_PATH puts it before the
#     system's); its -L is the first on the link line, ahead of the system's -L/usr/lib/..., so the
#     linker finds the two files above before libarchive.so and libz.so.
# glibc's libraries (-lm and the like) are left out of the group: they stay shared.
static_libs="$PWD/$scratch/static-libs"
mkdir -p "$static_libs/pkgconfig"
libdir="$(pkg-config --variable=libdir libarchive)"
group=()
for flag in $(pkg-config --static --libs-only-l libarchive libxml-2.0); do
  name="${flag#-l}"
  case "$name" in c|m|dl|pthread|rt) continue ;; esac
  archive="$libdir/lib$name.a"
  [ -f "$archive" ] || { echo "build-verifier: $archive is missing (which -dev package ships it?)" >&2; exit 1; }
  [[ " ${group[*]} " == *" $archive "* ]] || group+=("$archive")
done
printf '/* written by tools/build-verifier.sh: libarchive and its libraries, static */\nGROUP ( %s )\n' "${group[*]}" \
  > "$static_libs/libarchive.a"
ln -sfn "$libdir/libz.a" "$static_libs/libz.a"
cat > "$static_libs/pkgconfig/libarchive.pc" <<PC
Name: libarchive
Description: libarchive and its libraries, static (written by tools/build-verifier.sh)
Version: $(pkg-config --modversion libarchive)
Cflags: -I$(pkg-config --variable=includedir libarchive)
Libs: -L$static_libs -larchive
PC

# --static-swift-stdlib: links libswiftCore, Foundation (with its own copy of ICU's data), Dispatch and
#   the other Swift runtime libraries from the toolchain's lib/swift_static instead of their .so files.
# --product regvault-verify: only the verifier and what it depends on (not the server's packages).
# --scratch-path: a build folder of its own, apart from .build and its debug builds.
started=$(date +%s)
PKG_CONFIG_PATH="$static_libs/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  swift build -c release --product regvault-verify --static-swift-stdlib --scratch-path "$scratch"
built="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/regvault-verify"
build_seconds=$(( $(date +%s) - started ))

# The shipped copy has no symbol table (a third smaller); the unstripped binary stays in the build
# folder for debugging. Swift's metadata lives in sections of its own, so nothing at run time needs it.
mkdir -p "$(dirname "$out")"
strip -o "$out.tmp" "$built"
mv -f "$out.tmp" "$out"

# Only libraries of a minimal Debian system may remain: the kernel's vDSO, the dynamic loader and
# glibc's libraries (libc6), libstdc++6 and libgcc-s1 (which apt itself needs, so every Debian has them).
echo "== $out"
ls -l "$out" | awk '{printf "size: %d bytes (%.1f MiB)\n", $5, $5 / 1048576}'
echo "shared libraries (ldd):"
ldd "$out" | sed 's/^/  /'
unexpected=$(ldd "$out" | awk '{print $1}' \
  | grep -Ev '^(linux-vdso\.so\.1|/?.*ld-linux.*\.so\.[0-9]+|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$' || true)
if [ -n "$unexpected" ]; then
  echo "build-verifier: the binary needs libraries that a minimal Debian system lacks: $unexpected" >&2
  exit 1
fi

# Start-up time: the mean wall time of 20 runs of --help.
runs=20
begin=$(date +%s%N)
for _ in $(seq "$runs"); do "$out" --help >/dev/null; done
end=$(date +%s%N)
awk -v ns=$(( (end - begin) / runs )) -v runs=$runs 'BEGIN { printf "start-up (--help, mean of %d runs): %.1f ms\n", runs, ns / 1e6 }'
echo "build: ${build_seconds} s"
