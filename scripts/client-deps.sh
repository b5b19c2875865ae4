#!/usr/bin/env bash
# Installs the system packages the desktop client's cgo build needs (X11/GL headers),
# plus Xvfb and ImageMagick for `make screenshot`. Installs only what is missing.
# Usage: scripts/client-deps.sh [--no-screenshot]
set -euo pipefail

packages=(libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev pkg-config)
if [[ "${1:-}" != "--no-screenshot" ]]; then
	packages+=(xvfb xauth imagemagick)
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "client-deps: this script knows Debian/Ubuntu (apt-get) only." >&2
	echo "client-deps: install the X11/GL development headers yourself: ${packages[*]}" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "client-deps: all present (${packages[*]})"
	exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "client-deps: missing ${missing[*]}; run as root or install sudo." >&2
		exit 1
	fi
fi

echo "client-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
