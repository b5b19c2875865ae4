#!/usr/bin/env bash
# Installs what `make dist` needs beyond the desktop client's own build: the mingw-w64 C
# cross-compiler (cgo for the Windows build of the desktop app, and windres for its icon),
# ImageMagick (the icon's .ico) and `file` (the check of the Windows binary); only what is missing.
exec "$(dirname "$0")/ensure-packages.sh" "the cross-compiled desktop app (make dist)" \
	gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 imagemagick file
