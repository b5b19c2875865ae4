package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postTransport is gqlgen's POST transport (transport.POST: the same requests, statuses,
// content types and answers, byte for byte) with less work per request, which is most of
// what a small query costs: the body is read into a buffer of its announced length (not
// grown from 512 bytes), the common Content-Type and Accept headers are recognised without
// parsing, and an answer without errors or extensions is written as {"data":…} straight
// from the executor's bytes, with its Content-Length, instead of through encoding/json's
// reflection and re-compaction of the same bytes.
//
// A mutation with an Idempotency-Key header is carried out once (idempotent.go).
type postTransport struct {
	keyed keyedRequests
}

var _ graphql.Transport = postTransport{}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

func (postTransport) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	ct := r.Header.Get("Content-Type")
	if ct == mediaJSON {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	return err == nil && mediaType == mediaJSON
}

// responseContentType is gqlgen's choice of the answer's type from the Accept header
// (application/json unless the client prefers application/graphql-response+json or names
// neither).
func responseContentType(accept string) string {
	switch accept {
	case "", mediaJSON, "*/*", "application/*":
		return mediaJSON
	case mediaGraphQLResponse:
		return mediaGraphQLResponse
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header()["Content-Type"] = []string{contentType}
	start := graphql.Now()

	body, err := readBody(r)
	if err != nil {
		gqlErr := gqlerror.Errorf("could not read request body: %+v", err)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		// Not the body, as gqlgen's own transport has it: it holds the request's variables, a contact.
		gqlErr := gqlerror.Errorf("json request body could not be decoded: %v", err)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	if key := mutationKey(r, rc); key != "" {
		t.keyed.once(ctx, w, exec, rc, key, rc.Variables)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// readBody reads the request body; one of a known length into a buffer of that length.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if n := r.ContentLength; n > 0 && n <= 1<<20 {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err // net/http's body says io.ErrUnexpectedEOF for a short body, as to io.ReadAll
		}
		return b, nil
	}
	return io.ReadAll(r.Body)
}

// writeResponse writes resp as json.Marshal would (gqlgen's writeJson): a response with data
// alone is {"data":…} with the data compacted already by the executor and HTML-escaped here
// as encoding/json escapes it; any other response goes through encoding/json.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	writeBody(w, responseBytes(resp))
}

// writeBody writes an answer's bytes with their Content-Length.
func writeBody(w http.ResponseWriter, b []byte) {
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(b))}
	_, _ = w.Write(b)
}

// responseBytes is resp as writeResponse writes it.
func responseBytes(resp *graphql.Response) []byte {
	var b []byte
	if dataOnly(resp) {
		b = make([]byte, 0, len(resp.Data)+len(`{"data":}`)+16)
		b = append(b, `{"data":`...)
		b = appendHTMLEscaped(b, resp.Data)
		b = append(b, '}')
	} else {
		var err error
		if b, err = json.Marshal(resp); err != nil {
			var data []byte
			if resp != nil {
				data = resp.Data
			}
			panic(fmt.Errorf("unable to marshal %s: %w", string(data), err))
		}
	}
	return b
}

// dataOnly: resp is encoded as {"data":…} (no member with omitempty has a value).
func dataOnly(resp *graphql.Response) bool {
	return resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.Label == "" &&
		len(resp.Path) == 0 && resp.HasNext == nil && len(resp.Data) > 0 && json.Valid(resp.Data)
}

// appendHTMLEscaped appends compact JSON src with <, >, & and U+2028/U+2029 escaped, as
// encoding/json writes a json.RawMessage (they occur only inside strings).
func appendHTMLEscaped(dst, src []byte) []byte {
	start := 0
	for i := 0; i < len(src); {
		c := src[i]
		if c == '<' || c == '>' || c == '&' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\u00`...)
			dst = append(dst, hexDigits[c>>4], hexDigits[c&0xF])
			i++
			start = i
			continue
		}
		if c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
			if r, size := utf8.DecodeRune(src[i:]); r == '\u2028' || r == '\u2029' {
				dst = append(dst, src[start:i]...)
				dst = append(dst, `\u202`...)
				dst = append(dst, hexDigits[r&0xF])
				i += size
				start = i
				continue
			}
		}
		i++
	}
	return append(dst, src[start:]...)
}

const hexDigits = "0123456789abcdef"
