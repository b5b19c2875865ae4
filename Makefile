# Vermerk — the README's commands. `make run` and `make test` install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO    ?= go
BIN   := bin
# fuzz time per target inside `make test` (a short run; longer: make fuzz FUZZTIME=5m)
FUZZTIME ?= 5s

.PHONY: run test generate check-generated bench screenshot client build deps server-deps test-deps client-deps fuzz vet clean

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
	VERMERK_REQUIRE_NODE=1 $(GO) test -race -count=1 -timeout 30m ./graph/... ./server/... ./client/...
	$(MAKE) --no-print-directory fuzz
	$(GO) build -o /dev/null ./client/cmd/vermerk-desktop

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@set -e; for pkg in $$($(GO) list -f '{{if .TestGoFiles}}{{.Dir}}{{end}}' ./server/... ./graph/... ./client/...); do \
		for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$pkg/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "fuzz $$target ($$pkg, $(FUZZTIME))"; \
			(cd $$pkg && $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) . >/dev/null) || \
				{ echo "fuzz $$target failed: cd $$pkg && $(GO) test -run '^$$' -fuzz '^$$target$$'"; exit 1; }; \
		done; \
	done

## generate: regenerate gqlgen (graph/) and genqlient (client/) code from schema.graphql, and
##           the client's list of server reason codes from graph/apperr/reasons.go
generate:
	cd graph && $(GO) tool gqlgen generate
	cd graph && $(GO) generate ./apperr
	cd client && $(GO) tool genqlient

## check-generated: fail when `make generate` changes anything (CI)
check-generated: generate
	@git diff --exit-code --stat -- graph client || { echo "generated code is stale: run make generate and commit"; exit 1; }

## bench: the performance figures against their baselines (BENCH_SCALE=small for a quick run,
##        BENCH_ONLY=screen,import for some groups: contact, recipients, screen, signup, import, fanout, retention)
bench: server-deps
	$(GO) run ./server/cmd/vermerk-bench
	@if [ "$(BENCH_SCALE)" != "small" ] && [ -z "$(BENCH_ONLY)" ]; then \
		echo "recipients at 1,000,000 contacts: the query plan must read only indexes (EXPLAIN)"; \
		VERMERK_BIG_TESTS=1 $(GO) test -count=1 -timeout 20m -run '^TestRecipientsPlanAtAMillionContacts$$' -v ./server/internal/consent/ \
			| grep -E '^(--- |ok|FAIL|PASS)|per request|lacks|plan has|generated' ; \
	fi

## client: start the desktop app (against `make run`'s server by default)
client: client-deps
	VERMERK_SERVER_URL=$${VERMERK_SERVER_URL:-http://127.0.0.1:8080} \
	VERMERK_TOKEN=$${VERMERK_TOKEN:-$$(cat .vermerk/admin-token 2>/dev/null)} \
	$(GO) run ./client/cmd/vermerk-desktop

## screenshot: demo server + the app under Xvfb; PNGs of the main screens into docs/
screenshot: server-deps client-deps
	scripts/screenshot.sh

deps: server-deps test-deps client-deps
server-deps:
	@scripts/server-deps.sh
test-deps: server-deps client-deps
	@command -v node >/dev/null && command -v npm >/dev/null || scripts/ensure-packages.sh "the graphql-http audit test" nodejs npm
client-deps:
	@scripts/client-deps.sh

clean:
	rm -rf $(BIN)
