package graph

import (
	"encoding/json"
	"net/http"

	"github.com/vermerk/vermerk/graph/apperr"
)

// WriteHTTPError answers a request refused before GraphQL execution (authentication, body
// limits) with a GraphQL-shaped error body and extensions.code.
func WriteHTTPError(w http.ResponseWriter, status int, e *apperr.Error) {
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{
		"message": e.Message, "extensions": map[string]any{"code": string(e.Code)}}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
