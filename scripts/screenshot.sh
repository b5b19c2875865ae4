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
$GO build -o bin/vermerk-screenshot ./client/cmd/vermerk-screenshot
name=screenshot
source scripts/throwaway-server.sh
# The webhook picture delivers to a receiver inside vermerk-screenshot, on 127.0.0.1.
start_throwaway_server VERMERK_WEBHOOK_ALLOW_PRIVATE=true

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
