# Vermerk — the README's commands. `make run` and `make test` install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO    ?= go
BIN   := bin
# fuzz time per target inside `make test` (a short run; longer: make fuzz FUZZTIME=5m)
FUZZTIME ?= 5s

.PHONY: run test generate check-generated graphiql-assets bench screenshot web-screenshot client build deps server-deps test-deps client-deps fuzz vet clean dist dist-check dist-deps demo

## run: start the server on an embedded PostgreSQL (GraphiQL on http://127.0.0.1:8080/)
run: server-deps
	$(GO) run ./server/cmd/vermerk serve

## build: the server binary and the desktop app into ./bin
build: server-deps client-deps
	$(GO) build -o $(BIN)/vermerk ./server/cmd/vermerk
	$(GO) build -o $(BIN)/vermerk-desktop ./client/cmd/vermerk-desktop

## test: every test of every module against a throwaway PostgreSQL, with the race detector,
## short fuzz runs, the graphql-http audit, and a build of the desktop app
test: test-deps
	$(GO) vet ./graph/... ./server/... ./client/...
	VERMERK_REQUIRE_NODE=1 VERMERK_REQUIRE_PGBOUNCER=1 $(GO) test -race -count=1 -timeout 30m ./graph/... ./server/... ./client/...
	$(MAKE) --no-print-directory fuzz
	$(GO) build -o /dev/null ./client/cmd/vermerk-desktop

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## generate: regenerate gqlgen (graph/) and genqlient (client/) code from schema.graphql, and
##           the client's list of server reason codes from graph/apperr/reasons.go
generate:
	cd graph && $(GO) tool gqlgen generate
	cd graph && $(GO) generate ./apperr
	cd client && $(GO) tool genqlient

## check-generated: fail when `make generate` changes anything (CI)
check-generated: generate
	@git diff --exit-code --stat -- graph client || { echo "generated code is stale: run make generate and commit"; exit 1; }

## graphiql-assets: fetch GraphiQL, React and ReactDOM (the pinned versions) from the npm
##                  registry into server/internal/web/graphiql/assets and check them against
##                  its SHA256SUMS; the files are committed, the binary embeds them
graphiql-assets:
	@command -v npm >/dev/null || scripts/ensure-packages.sh "fetching GraphiQL's files" nodejs npm
	server/internal/web/graphiql/fetch.sh

## bench: the performance figures as ratios against baselines of the same run (BENCH_SCALE=small
##        for a quick run, BENCH_SCALE=large to grow to 10,000,000 contacts and print how each figure
##        grows; BENCH_ONLY=screen,import for some groups: contact, recipients, screen, signup, import,
##        fanout, retention)
bench: server-deps
	$(GO) run ./server/cmd/vermerk-bench

## client: start the desktop app (against `make run`'s server by default) with the ADMIN
##         token of that server's data directory; staff enter their own token in the settings
##         (DEMO=1: against `make demo`'s server)
DEMO_ADDR ?= 127.0.0.1:8081
client: client-deps
	@if [ "$(DEMO)" = 1 ]; then data=.vermerk-demo; url=http://$(DEMO_ADDR); else data=$${VERMERK_DATA_DIR:-.vermerk}; url=http://127.0.0.1:8080; fi; \
	VERMERK_SERVER_URL=$${VERMERK_SERVER_URL:-$$url} \
	VERMERK_TOKEN=$${VERMERK_TOKEN:-$$(cat $$data/admin-token 2>/dev/null)} \
	$(GO) run ./client/cmd/vermerk-desktop

## demo: a server with demo purposes, lists and made-up people (data in .vermerk-demo, apart
##       from the real registry's .vermerk); then, in a second terminal: make client DEMO=1
demo: server-deps client-deps
	VERMERK_ADDR=$(DEMO_ADDR) scripts/demo.sh

## dist: the desktop app for Windows amd64 and Linux amd64, the server for Linux amd64 and
##       arm64, into dist/ (the first Windows build takes minutes); checked by dist-check
dist: server-deps client-deps dist-deps
	scripts/dist.sh

## dist-check: the Windows build in dist/ is a PE32+ GUI executable, the Linux builds ELF
dist-check:
	scripts/dist-check.sh

## screenshot: demo server + the app under Xvfb; PNGs of the main screens into docs/
screenshot: server-deps client-deps
	scripts/screenshot.sh

## web-screenshot: demo server + headless Chromium; the confirm and unsubscribe pages into docs/
web-screenshot: server-deps
	@command -v chromium >/dev/null && command -v convert >/dev/null || scripts/ensure-packages.sh "the web page screenshots" chromium imagemagick
	scripts/web-screenshot.sh

deps: server-deps test-deps client-deps
server-deps:
	@scripts/server-deps.sh
test-deps: server-deps client-deps
	@command -v node >/dev/null && command -v npm >/dev/null || scripts/ensure-packages.sh "the graphql-http audit test" nodejs npm
	@command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || scripts/ensure-packages.sh "the PgBouncer test" pgbouncer
client-deps:
	@scripts/client-deps.sh
dist-deps: client-deps
	@scripts/dist-deps.sh

clean:
	rm -rf $(BIN) dist
