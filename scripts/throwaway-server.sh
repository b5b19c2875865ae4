# Sourced by the screenshot scripts: a throwaway Vermerk server on a free port of 127.0.0.1,
# on its own embedded PostgreSQL in a temporary directory. The caller sets `name` (for
# messages) and `GO`; afterwards $data, $url, $token and $server_pid are set, and the server
# and its data are removed on every exit, also on failure (the server's log is shown then).
# Extra environment for the server: the arguments of start_throwaway_server (VAR=value ...).

$GO build -o bin/vermerk ./server/cmd/vermerk

data=$(mktemp -d -t "vermerk-$name.XXXXXX")
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
		echo "$name: failed; the server's log:" >&2
		tail -n 40 "$data/server.log" >&2 || true
	fi
	rm -rf "$data"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
token="$name-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
url="http://127.0.0.1:$port"

# start_throwaway_server [VAR=value ...]: starts the server and waits until it is ready.
start_throwaway_server() {
	echo "$name: starting the server on $url (data in $data)"
	env "$@" VERMERK_DATA_DIR="$data/vermerk" VERMERK_ADDR="127.0.0.1:$port" VERMERK_ADMIN_TOKEN="$token" DATABASE_URL= \
		bin/vermerk serve >"$data/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 180); do
		curl -fsS "$url/readyz" >/dev/null 2>&1 && return 0
		kill -0 "$server_pid" 2>/dev/null || { echo "$name: the server exited" >&2; exit 1; }
		sleep 0.5
	done
	echo "$name: the server was not ready after 90 s" >&2
	exit 1
}
