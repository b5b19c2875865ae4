#!/usr/bin/env bash
# `make dist-check` (also run by `make dist` and CI): the builds in dist/ are what they claim —
# the Windows desktop app a PE32+ GUI executable for x86-64 (checked byte by byte: "MZ", the
# "PE\0\0" signature at e_lfanew, machine 0x8664, subsystem 2 = Windows GUI), the Linux builds
# ELF executables for their architecture.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${DIST_DIR:-dist}}
fail() { echo "dist-check: $*" >&2; exit 1; }

exe="$out/vermerk-desktop-windows-amd64.exe"
[[ -s $exe ]] || fail "$exe is missing: run make dist"
u16() { od -An -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
[[ $(head -c 2 "$exe") == MZ ]] || fail "$exe does not start with MZ"
pe=$(u32 "$exe" 60)
[[ $(od -An -c -j "$pe" -N 4 "$exe" | tr -d ' ') == 'PE\0\0' ]] || fail "$exe: no PE signature at offset $pe"
[[ $(u16 "$exe" $((pe + 4))) == 34404 ]] || fail "$exe: machine is not x86-64 (0x8664)"
optional=$((pe + 24))
[[ $(u16 "$exe" "$optional") == 523 ]] || fail "$exe: not PE32+ (optional header magic 0x20b)"
[[ $(u16 "$exe" $((optional + 68))) == 2 ]] || fail "$exe: subsystem is not Windows GUI (2)"
if command -v file >/dev/null; then
	desc=$(file -b "$exe")
	[[ $desc == *"PE32+ executable"*"x86-64"*"MS Windows"* ]] || fail "$exe: file(1) says: $desc"
fi
echo "dist-check: $exe is a PE32+ GUI executable for x86-64 ($(du -h "$exe" | cut -f1))"

elf() {
	local bin=$1 machine=$2 want=$3
	[[ -s $bin ]] || fail "$bin is missing: run make dist"
	[[ $(head -c 4 "$bin" | tail -c 3) == ELF ]] || fail "$bin is not an ELF file"
	[[ $(u16 "$bin" 18) == "$machine" ]] || fail "$bin is not built for $want"
	echo "dist-check: $bin is an ELF executable for $want"
}
elf "$out/vermerk-desktop-linux-amd64" 62 x86-64
elf "$out/vermerk-linux-amd64" 62 x86-64
elf "$out/vermerk-linux-arm64" 183 aarch64
