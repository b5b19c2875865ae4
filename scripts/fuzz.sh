#!/usr/bin/env bash
# Runs every fuzz target of the repository's modules for FUZZTIME each (make fuzz).
#
# Go 1.26's fuzzing coordinator can fail a target with a bare "context deadline exceeded"
# when -fuzztime runs out while a worker is busy (golang/go#75804, fixed in Go 1.27): nothing
# was found and no failing input is written. Such a run is repeated once; any other failure,
# and that one twice, fails with the end of go test's output.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # pkg target
	(cd "$1" && "$GO" test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" . >"$log" 2>&1)
}

deadline_only() {
	grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"
}

for pkg in $("$GO" list -f '{{if .TestGoFiles}}{{.Dir}}{{end}}' ./server/... ./graph/... ./client/...); do
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$pkg"/*_test.go 2>/dev/null | sed 's/^func //'); do
		echo "fuzz $target ($pkg, $FUZZTIME)"
		if run "$pkg" "$target"; then
			continue
		fi
		if deadline_only; then
			echo "fuzz $target: the coordinator's deadline race (golang/go#75804), nothing found; once more"
			if run "$pkg" "$target"; then
				continue
			fi
		fi
		tail -40 "$log"
		echo "fuzz $target failed: cd $pkg && $GO test -run '^\$' -fuzz '^$target\$'"
		exit 1
	done
done
