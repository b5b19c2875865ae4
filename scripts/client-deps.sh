#!/usr/bin/env bash
# Installs the C compiler and X11/GL headers the desktop client's cgo build (Fyne) needs (the
# compiler also serves `go test -race`), plus Xvfb and ImageMagick for `make screenshot`; only
# what is missing.
exec "$(dirname "$0")/ensure-packages.sh" "the desktop client's cgo build (Fyne), the race detector and screenshots" \
	gcc libc6-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev pkg-config xvfb xauth imagemagick
