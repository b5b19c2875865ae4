#!/usr/bin/env bash
# Installs the X11/GL headers the desktop client's cgo build (Fyne) needs, plus Xvfb and
# ImageMagick for `make screenshot`; only what is missing.
exec "$(dirname "$0")/ensure-packages.sh" "the desktop client's cgo build (Fyne) and its screenshots" \
	libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev pkg-config xvfb xauth imagemagick
