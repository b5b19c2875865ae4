package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// httpSpecStatus aligns gqlgen's answer to a request that failed before execution (parse,
// validation, variable coercion: gqlgen says 422) with the GraphQL over HTTP spec: 400 without
// a data entry for application/graphql-response+json, 200 for legacy application/json.
func httpSpecStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		sw := &specWriter{ResponseWriter: w, modern: acceptsGraphQLResponse(r.Header.Get("Accept"))}
		next.ServeHTTP(sw, r)
		sw.finish()
	})
}

type specWriter struct {
	http.ResponseWriter
	status int
	modern bool // the client accepts application/graphql-response+json
	held   bool
	body   bytes.Buffer
}

func (w *specWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if code == http.StatusUnprocessableEntity || w.modern && code >= 400 && code < 500 {
		w.held = true // rewrite at finish
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *specWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.held {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *specWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.held {
		f.Flush()
	}
}

func (w *specWriter) finish() {
	if !w.held {
		return
	}
	body := w.body.Bytes()
	status := http.StatusOK
	if w.modern {
		status = http.StatusBadRequest
		w.Header().Set("Content-Type", "application/graphql-response+json")
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			if d, ok := m["data"]; ok && string(d) == "null" {
				delete(m, "data")
				body, _ = json.Marshal(m)
			}
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.ResponseWriter.WriteHeader(status)
	_, _ = w.ResponseWriter.Write(body)
}

// acceptsGraphQLResponse: the client lists application/graphql-response+json before (or
// without) application/json.
func acceptsGraphQLResponse(accept string) bool {
	modern := strings.Index(accept, "application/graphql-response+json")
	legacy := strings.Index(accept, "application/json")
	return modern >= 0 && (legacy < 0 || modern < legacy)
}
