#!/usr/bin/env bash
# The Windows build under Wine: a throwaway server with demo data, then
# dist/vermerk-desktop-windows-amd64.exe under Wine in Xvfb, photographed into
# docs/screenshot-windows.png. Needs `make dist` first and Debian's wine (apt-get install wine64).
#
# Go's runtime needs ProcessPrng from Windows 10's bcryptprimitives.dll, which Debian 12's
# Wine 8.0 does not have; a small stand-in (scripts/wine/bcryptprimitives.c, built here with
# mingw) goes into the throwaway Wine prefix's system32. Windows itself has the real one.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=dist/vermerk-desktop-windows-amd64.exe
out=${SCREENSHOT_DIR:-docs}/screenshot-windows.png
[[ -s $exe ]] || { echo "wine-screenshot: $exe is missing: run make dist" >&2; exit 1; }
for tool in wine xvfb-run import x86_64-w64-mingw32-gcc; do
	command -v "$tool" >/dev/null || { echo "wine-screenshot: $tool is missing (apt-get install wine64 xvfb imagemagick gcc-mingw-w64-x86-64)" >&2; exit 1; }
done
go build -o bin/vermerk ./server/cmd/vermerk
go build -o bin/vermerk-screenshot ./client/cmd/vermerk-screenshot

tmp=$(mktemp -d -t vermerk-wine.XXXXXX)
chmod 755 "$tmp"
server_pid=
cleanup() {
	[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port" token="wine-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
mkdir -m 755 "$tmp/data"
VERMERK_DATA_DIR="$tmp/data" VERMERK_ADDR="127.0.0.1:$port" VERMERK_ADMIN_TOKEN="$token" DATABASE_URL= \
	bin/vermerk serve >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 180); do curl -fsS "$url/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 VERMERK_SERVER_URL="$url" VERMERK_TOKEN="$token" bin/vermerk-screenshot -seed >/dev/null

export WINEPREFIX="$tmp/wine" WINEARCH=win64 WINEDEBUG=-all
echo "wine-screenshot: creating a Wine prefix"
xvfb-run -a wine wineboot --init >/dev/null 2>&1 || true
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	scripts/wine/bcryptprimitives.c -ladvapi32
mkdir -p "$(dirname "$out")"
echo "wine-screenshot: running $exe under Wine"
# Wine hands the Unix environment to the program: server, token and a German locale.
LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 VERMERK_SERVER_URL="$url" VERMERK_TOKEN="$token" \
	xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
		wine '$exe' & pid=\$!
		sleep \${WINE_SETTLE:-40}
		# Wine places the undecorated 1100×720 window at (4, 23).
		import -window root -crop 1100x720+4+23 +repage '$out'
		kill \$pid; wait" >"$tmp/wine.log" 2>&1 || { tail -n 20 "$tmp/wine.log" >&2; exit 1; }
echo "wine-screenshot: $out"
