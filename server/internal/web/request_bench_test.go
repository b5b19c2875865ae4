package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/vermerk/vermerk/server/internal/apptest"
	"github.com/vermerk/vermerk/server/internal/config"
)

// The request path of a small query, the server's handler alone (no TCP, no client): its time
// and allocations per request, for comparing changes to the HTTP, gqlgen and service layers
// (`go test -run - -bench Request ./server/internal/web/`). The database round trip is part of
// the time; cpu-ns/op is this process's CPU per request (handler and pgx, not PostgreSQL).
func BenchmarkRequestContact(b *testing.B) {
	s := apptest.Start(b)
	var c struct {
		CreateContact struct{ Contact struct{ ID string } }
	}
	s.MustAdmin(b, &c, `mutation { createContact(input: {givenName: "Erika", familyName: "Mustermann", emails: ["max.muster@example.com"]}) { contact { id } } }`, nil)
	benchRequest(b, s, `query Contact($id: ID!) { contact(id: $id) { id givenName familyName emails } }`,
		map[string]any{"id": c.CreateContact.Contact.ID}, `"Mustermann"`)
}

func BenchmarkRequestScreen(b *testing.B) {
	s := apptest.Start(b, func(c *config.Config) { c.ScreenRate = 1e9 })
	benchRequest(b, s, `query Screen($e: String!) { screen(candidate: {emails: [$e]}) { blocked matches { field entry { id } } } }`,
		map[string]any{"e": "max.muster@example.com"}, `"blocked":false`)
}

// BenchmarkRequestTypename is the same path without a resolver or the database: the HTTP
// layers, gqlgen's transport, limits and interceptors, the answer and the log line.
func BenchmarkRequestTypename(b *testing.B) {
	s := apptest.Start(b)
	benchRequest(b, s, `query Probe { __typename }`, nil, `"Query"`)
}

func benchRequest(b *testing.B, s *apptest.Server, query string, vars map[string]any, want string) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	h := s.HTTP.Config.Handler
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apptest.AdminToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do(); rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(want)) {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		do()
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time this process has used (the handler's and pgx's, not PostgreSQL's).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
