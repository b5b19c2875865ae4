#!/usr/bin/env bash
# `make demo`: a Vermerk with demo purposes, lists and made-up people (the data
# `make screenshot` photographs), to see the product working within a minute. The data lives
# in .vermerk-demo (never in the real registry's .vermerk) and is seeded on the first start
# only; delete .vermerk-demo to start over. Stops with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
data=${VERMERK_DEMO_DIR:-.vermerk-demo}
addr=${VERMERK_ADDR:-127.0.0.1:8081}
url="http://$addr"

$GO build -o bin/vermerk ./server/cmd/vermerk
$GO build -o bin/vermerk-screenshot ./client/cmd/vermerk-screenshot

mkdir -p "$data"
# The embedded PostgreSQL runs as the postgres user when we are root: it must reach the folder.
chmod 755 "$data"
data=$(cd "$data" && pwd)
server_pid=
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting the server on $url (data in $data)"
VERMERK_DATA_DIR="$data" VERMERK_ADDR="$addr" DATABASE_URL= VERMERK_ADMIN_TOKEN= bin/vermerk serve 2>"$data/server.log" >/dev/null &
server_pid=$!
for _ in $(seq 1 180); do
	curl -fsS "$url/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { echo "demo: the server exited; its log:" >&2; tail -n 30 "$data/server.log" >&2; exit 1; }
	sleep 0.5
done
curl -fsS "$url/readyz" >/dev/null || { echo "demo: the server was not ready after 90 s (log: $data/server.log)" >&2; exit 1; }
token=$(cat "$data/admin-token")

if [[ ! -f $data/seeded ]]; then
	echo "demo: seeding purposes, lists and made-up people"
	# Fyne reads its language from the locale; a bare "C" only earns a parse error in the log.
	LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 VERMERK_SERVER_URL="$url" VERMERK_TOKEN="$token" bin/vermerk-screenshot -seed -csv "$data/adressen.csv" >/dev/null
	date -u +%FT%TZ >"$data/seeded"
fi

cat <<TEXT

Vermerk demo is running on $url (GraphiQL: $url/).
  Admin token:     $token
  Desktop app:     make client DEMO=1          (in a second terminal)
  A sample import: $data/adressen.csv
  CLI beside it:   VERMERK_DATA_DIR=$data bin/vermerk token list
  Server log:      $data/server.log
Ctrl-C stops the demo; delete $data to start over.

TEXT
wait "$server_pid"
