#!/usr/bin/env bash
# Installs the given Debian/Ubuntu packages when they are missing (apt-get, as root or with
# sudo). Elsewhere it says what to install and fails.
# Usage: scripts/ensure-packages.sh WHY PACKAGE...
set -euo pipefail
why=$1; shift
packages=("$@")

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "vermerk: $why needs: ${packages[*]}" >&2
	echo "vermerk: this is not Debian/Ubuntu; install the equivalent packages with your package manager." >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "vermerk: $why needs ${missing[*]}; run as root or install sudo, or: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi
echo "vermerk: installing ${missing[*]} ($why)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
