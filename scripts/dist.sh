#!/usr/bin/env bash
# `make dist`: the desktop app for Windows amd64 (cgo with mingw-w64, icon and version resource
# from FyneApp.toml) and Linux amd64, the server for Linux amd64 and arm64, all into dist/.
# The Windows cgo build of Fyne takes several minutes on two cores the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
out=${DIST_DIR:-dist}
app=client/cmd/vermerk-desktop
mkdir -p "$out"

# FyneApp.toml's Details: Name, ID, Version, Build (one "Key = value" per line).
detail() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*$/\1/p" "$app/FyneApp.toml" | head -n1; }
name=$(detail Name) id=$(detail ID) version=$(detail Version) build=$(detail Build)
[[ -n $name && -n $version ]] || { echo "dist: $app/FyneApp.toml lacks Name or Version" >&2; exit 1; }
echo "dist: $name $version (build $build, $id)"

echo "dist: server for linux/amd64 and linux/arm64 (static, no cgo)"
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch $GO build -ldflags "-s -w" -o "$out/vermerk-linux-$arch" ./server/cmd/vermerk
done

echo "dist: desktop app for linux/amd64"
CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $GO build -ldflags "-s -w" -o "$out/vermerk-desktop-linux-amd64" "./$app"

echo "dist: desktop app for windows/amd64 (cgo with x86_64-w64-mingw32-gcc)"
# The icon and version resource go in as a .syso beside main.go, which only windows/amd64
# builds link; it is removed again on every exit.
tmp=$(mktemp -d -t vermerk-dist.XXXXXX)
syso="$app/rsrc_windows_amd64.syso"
trap 'rm -rf "$tmp" "$syso"' EXIT
convert "$app/Icon.png" -define icon:auto-resize=256,64,48,32,16 "$tmp/icon.ico"
IFS=. read -r major minor patch <<<"$version"
cat >"$tmp/app.rc" <<RC
1 ICON "icon.ico"
1 VERSIONINFO
FILEVERSION ${major:-0},${minor:-0},${patch:-0},${build:-0}
PRODUCTVERSION ${major:-0},${minor:-0},${patch:-0},${build:-0}
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040704B0"
    BEGIN
      VALUE "ProductName", "$name"
      VALUE "FileDescription", "$name"
      VALUE "InternalName", "$id"
      VALUE "OriginalFilename", "vermerk-desktop.exe"
      VALUE "FileVersion", "$version"
      VALUE "ProductVersion", "$version"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x0407, 0x04B0
  END
END
RC
(cd "$tmp" && x86_64-w64-mingw32-windres -O coff -o resource.syso app.rc)
cp "$tmp/resource.syso" "$syso"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	$GO build -ldflags "-s -w -H=windowsgui" -o "$out/vermerk-desktop-windows-amd64.exe" "./$app"

scripts/dist-check.sh "$out"
ls -l "$out"
