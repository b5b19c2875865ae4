#!/usr/bin/env bash
# `make screenshot`: a throwaway server with demo data, then the desktop app under Xvfb;
# saves docs/screenshot-{contacts,form,consents,proof,grant,import,admin,duplicates,erasure,requests,setup,tokens,webhooks,importjobs}.png. The server and its
# temporary data directory are removed on every exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
out=${SCREENSHOT_DIR:-docs}

for tool in xvfb-run import; do
	command -v "$tool" >/dev/null || { echo "screenshot: $tool is missing; run scripts/client-deps.sh" >&2; exit 1; }
done

echo "screenshot: building bin/vermerk and bin/vermerk-screenshot"
$GO build -o bin/vermerk ./server/cmd/vermerk
$GO build -o bin/vermerk-screenshot ./client/cmd/vermerk-screenshot

data=$(mktemp -d -t vermerk-screenshot.XXXXXX)
# The embedded PostgreSQL runs as an unprivileged user when we are root: it must reach its
# directory inside this one.
chmod 755 "$data"
server_pid=
cleanup() {
	local rc=$?
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ $rc -ne 0 && -f $data/server.log ]]; then
		echo "screenshot: failed; the server's log:" >&2
		tail -n 40 "$data/server.log" >&2 || true
	fi
	rm -rf "$data"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
token="screenshot-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
url="http://127.0.0.1:$port"

echo "screenshot: starting the server on $url (data in $data)"
# The webhook picture delivers to a receiver inside vermerk-screenshot, on 127.0.0.1.
VERMERK_DATA_DIR="$data/vermerk" VERMERK_ADDR="127.0.0.1:$port" VERMERK_ADMIN_TOKEN="$token" DATABASE_URL= VERMERK_WEBHOOK_ALLOW_PRIVATE=true \
	bin/vermerk serve >"$data/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 180); do
	if curl -fsS "$url/readyz" >/dev/null 2>&1; then
		break
	fi
	kill -0 "$server_pid" 2>/dev/null || { echo "screenshot: the server exited" >&2; exit 1; }
	sleep 0.5
done
curl -fsS "$url/readyz" >/dev/null || { echo "screenshot: the server was not ready after 90 s" >&2; exit 1; }

export VERMERK_SERVER_URL="$url" VERMERK_TOKEN="$token" VERMERK_LANG="${VERMERK_LANG:-de}"
echo "screenshot: seeding demo data"
# Fyne reads its language from the locale; a bare "C" only earns a parse error in the log.
locale=de_DE.UTF-8
[[ $VERMERK_LANG == en* ]] && locale=en_US.UTF-8
email=$(LANG=$locale LC_ALL=$locale bin/vermerk-screenshot -seed -csv "$data/adressen.csv")

mkdir -p "$out"
echo "screenshot: capturing under Xvfb (erased e-mail: $email)"
xvfb-run -a -s "-screen 0 1280x800x24" \
	env LANG=$locale LC_ALL=$locale bin/vermerk-screenshot -dir "$out" -email "$email" -csv "$data/adressen.csv"

for s in contacts form consents proof grant import admin duplicates erasure requests setup tokens webhooks importjobs; do
	[[ -s $out/screenshot-$s.png ]] || { echo "screenshot: $out/screenshot-$s.png is missing" >&2; exit 1; }
done
echo "screenshot: done"
