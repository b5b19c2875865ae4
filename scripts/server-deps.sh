#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, postgres) are on this machine: the embedded
# database and the tests start their own private cluster from them.
set -euo pipefail
have_pg() {
	command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
	if command -v pg_config >/dev/null 2>&1; then
		local bin; bin=$(pg_config --bindir)
		[[ -x $bin/initdb && -x $bin/postgres ]] && return 0
	fi
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
if have_pg; then exit 0; fi
# contrib is part of the server package on Debian/Ubuntu; pg_trgm comes with it.
exec "$(dirname "$0")/ensure-packages.sh" "the embedded PostgreSQL" postgresql
