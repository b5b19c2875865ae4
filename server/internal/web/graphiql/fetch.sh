#!/usr/bin/env bash
# Fetches the GraphiQL page's third-party files from the npm registry into assets/: the pinned
# versions only, each tarball checked against its pinned npm integrity (sha512) and every file
# taken from it against SHA256SUMS. The files are committed; run this to check them or, after
# changing a version below, with --write-sums to write the new list (then review and commit).
# Usage: server/internal/web/graphiql/fetch.sh [--write-sums]
set -euo pipefail
cd "$(dirname "$0")"

# package version integrity (npm view PACKAGE@VERSION dist.integrity) files (path in the tarball)
packages=(
	"graphiql 4.1.2 sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg== graphiql.min.js graphiql.min.css LICENSE"
	"react 18.2.0 sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ== umd/react.production.min.js LICENSE"
	"react-dom 18.2.0 sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g== umd/react-dom.production.min.js LICENSE"
)

write_sums=false
[[ ${1:-} == --write-sums ]] && write_sums=true

command -v npm >/dev/null || { echo "fetch.sh: needs npm (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" assets.new' EXIT

rm -rf assets.new
mkdir assets.new
for line in "${packages[@]}"; do
	read -r name version integrity files <<<"$line"
	tgz=$(npm pack --silent --pack-destination "$tmp" "$name@$version")
	got=$(node -e 'const c = require("crypto"), fs = require("fs");
console.log("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tgz")
	if [[ $got != "$integrity" ]]; then
		echo "fetch.sh: $name@$version: tarball integrity $got, pinned $integrity" >&2
		exit 1
	fi
	mkdir -p "$tmp/$name" "assets.new/$name-$version"
	tar -xzf "$tmp/$tgz" -C "$tmp/$name"
	for f in $files; do
		cp "$tmp/$name/package/$f" "assets.new/$name-$version/$(basename "$f")"
	done
done

if $write_sums; then
	(cd assets.new && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum) >SHA256SUMS
	echo "fetch.sh: wrote SHA256SUMS; review it and commit it with assets/"
elif ! (cd assets.new && sha256sum --quiet -c ../SHA256SUMS) ||
	[[ $(cd assets.new && find . -type f | wc -l) -ne $(wc -l <SHA256SUMS) ]]; then
	echo "fetch.sh: the fetched files do not match SHA256SUMS" >&2
	exit 1
fi
rm -rf assets
mv assets.new assets
echo "fetch.sh: assets/ holds the pinned files"
