package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/idempotency"
	"github.com/vermerk/vermerk/graph/viewer"
)

const (
	// maxFormPart bounds the operations and map parts of a multipart request.
	maxFormPart = 1 << 20
	// maxUploadFiles bounds the files of one multipart request (Vermerk's uploads take one).
	maxUploadFiles = 4
)

// multipartUpload is the GraphQL multipart request transport (startImport, previewImport).
// It runs after httpAuth, so no byte of an anonymous body is read; it takes one of the
// token's upload slots before reading, bounds the operations and map parts at 1 MiB, accepts
// only operations that declare an Upload variable, and spools each file into SpoolDir (inside
// VERMERK_DATA_DIR), removing it on every path once the operation has answered.
//
// A mutation with an Idempotency-Key header is carried out once, as over JSON POST
// (idempotent.go): each file's SHA-256 is taken while it is spooled, and the request's digest
// covers the files' names and contents besides its operation, query and variables.
type multipartUpload struct {
	maxSize  int64
	spoolDir string
	slots    *uploadSlots
	keyed    keyedRequests
}

func (multipartUpload) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "multipart/form-data"
}

// uploadError refuses an upload; the connection closes after the answer, so that the server
// does not read the rest of a body it will not use (net/http would, to reuse the connection).
func uploadError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Connection", "close")
	WriteHTTPError(w, status, &apperr.Error{Code: apperr.BadUserInput, Message: fmt.Sprintf(format, args...)})
}

func (m multipartUpload) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	v := viewer.From(r.Context())
	if v == nil { // httpAuth lets no anonymous multipart request through; a backstop
		w.Header().Set("Connection", "close")
		writeUnauthenticated(w, errUnauthenticated)
		return
	}
	release, ok := m.slots.take(v.TokenID)
	if !ok {
		w.Header().Set("Retry-After", "10")
		w.Header().Set("Connection", "close")
		WriteHTTPError(w, http.StatusTooManyRequests, &apperr.Error{Code: "RATE_LIMITED", Message: fmt.Sprintf(
			"this token is already sending %d uploads, the limit (VERMERK_UPLOADS_PER_TOKEN); wait until one is done", m.slots.max)})
		return
	}
	defer release()
	if r.ContentLength > m.maxSize+2*maxFormPart {
		uploadError(w, http.StatusRequestEntityTooLarge, "upload too large: %d bytes, the limit is %d bytes (VERMERK_MAX_UPLOAD_BYTES)", r.ContentLength, m.maxSize)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, m.maxSize+2*maxFormPart)
	mr, err := r.MultipartReader()
	if err != nil {
		uploadError(w, http.StatusBadRequest, "not a multipart request: %v", err)
		return
	}

	var params graphql.RawParams
	if err := readFormPart(mr, "operations", &params); err != nil {
		uploadError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if err := takesUpload(params.Query, params.OperationName); err != nil {
		uploadError(w, http.StatusBadRequest, "%v", err)
		return
	}
	files := map[string][]string{}
	if err := readFormPart(mr, "map", &files); err != nil {
		uploadError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if len(files) > maxUploadFiles {
		uploadError(w, http.StatusBadRequest, "the map names %d files; at most %d are accepted", len(files), maxUploadFiles)
		return
	}

	hashFiles := r.Header.Get(idempotency.Header) != "" // for the key's digest
	var spooled []*os.File
	defer func() {
		for _, f := range spooled {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeReadError(w, err)
			return
		}
		key := part.FormName()
		paths := files[key]
		if len(paths) == 0 {
			uploadError(w, http.StatusBadRequest, "the part %q is not named in the map", key)
			return
		}
		delete(files, key)
		var sum hash.Hash
		if hashFiles {
			sum = sha256.New()
		}
		f, size, err := m.spool(part, sum)
		if f != nil {
			spooled = append(spooled, f)
		}
		if err != nil {
			writeReadError(w, err)
			return
		}
		file := SpooledFile{SectionReader: io.NewSectionReader(f, 0, size), path: f.Name()}
		if sum != nil {
			file.sha256 = sum.Sum(nil)
		}
		for _, path := range paths {
			up := graphql.Upload{File: file, Size: size, Filename: part.FileName(),
				ContentType: part.Header.Get("Content-Type")}
			if err := params.AddUpload(up, key, path); err != nil {
				uploadError(w, http.StatusBadRequest, "%s", err.Message)
				return
			}
		}
	}
	for key := range files {
		uploadError(w, http.StatusBadRequest, "the map names the part %q, but the request has no such part", key)
		return
	}

	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, gerr := exec.CreateOperationContext(r.Context(), &params)
	w.Header().Set("Content-Type", "application/json")
	if gerr != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(r.Context(), rc), gerr)
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(resp)
		return
	}
	if key := mutationKey(r, rc); key != "" {
		m.keyed.once(r.Context(), w, exec, rc, key, uploadsByContent(rc.Variables).(map[string]any))
		return
	}
	responses, ctx := exec.DispatchOperation(r.Context(), rc)
	writeResponse(w, responses(ctx))
}

// uploadsByContent is v with each upload standing for what tells one file from another: its
// name, size and the SHA-256 of its bytes (so that an Idempotency-Key sent again with another
// file is refused); the spooled copy's path, another for every request, is left out.
func uploadsByContent(v any) any {
	switch v := v.(type) {
	case graphql.Upload:
		var sum []byte
		if f, ok := v.File.(SpooledFile); ok {
			sum = f.sha256
		}
		return map[string]any{"fileName": v.Filename, "size": v.Size, "sha256": hex.EncodeToString(sum)}
	case *graphql.Upload:
		if v != nil {
			return uploadsByContent(*v)
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = uploadsByContent(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = uploadsByContent(e)
		}
		return out
	}
	return v
}

// readFormPart decodes the next part, which must be called name and hold at most 1 MiB of JSON.
func readFormPart(mr *multipart.Reader, name string, into any) error {
	part, err := mr.NextPart()
	if err != nil || part.FormName() != name {
		return fmt.Errorf("the multipart request must have the part %q here (GraphQL multipart request spec: operations, map, then the files)", name)
	}
	b, err := io.ReadAll(io.LimitReader(part, maxFormPart+1))
	if err != nil {
		return fmt.Errorf("could not read the part %q: %w", name, err)
	}
	if len(b) > maxFormPart {
		return fmt.Errorf("the part %q is larger than %d bytes, the limit", name, maxFormPart)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("the part %q is not the JSON the GraphQL multipart request spec asks for: %v", name, err)
	}
	return nil
}

// spool copies one file part into a new file in the spool directory, and into sum unless it
// is nil.
func (m multipartUpload) spool(part io.Reader, sum hash.Hash) (*os.File, int64, error) {
	if err := os.MkdirAll(m.spoolDir, 0o700); err != nil {
		return nil, 0, err
	}
	f, err := os.CreateTemp(m.spoolDir, "upload-*")
	if err != nil {
		return nil, 0, err
	}
	var to io.Writer = f
	if sum != nil {
		to = io.MultiWriter(f, sum)
	}
	n, err := io.Copy(to, part)
	return f, n, err
}

// SpooledFile is the File of an Upload this transport spooled: a reader of the spooled copy
// that also names it, so that a resolver keeping the upload beyond its operation (an
// import's job) can hard-link the copy instead of copying it again. The copy is removed when
// the operation has answered; a link keeps its data.
type SpooledFile struct {
	*io.SectionReader
	path   string
	sha256 []byte // of its content, when the request came with an Idempotency-Key
}

// SpooledPath is where the spooled copy lies while the operation runs.
func (f SpooledFile) SpooledPath() string { return f.path }

func writeReadError(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		uploadError(w, http.StatusRequestEntityTooLarge, "upload too large: the limit is %d bytes (VERMERK_MAX_UPLOAD_BYTES)", tooLarge.Limit-2*maxFormPart)
		return
	}
	uploadError(w, http.StatusBadRequest, "could not read the upload: %v", err)
}

// takesUpload accepts only an operation that declares a variable of type Upload: every other
// operation is sent as JSON, and a multipart body gains it nothing but a way around limits.
func takesUpload(query, operationName string) error {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return errors.New("the operations part holds no valid GraphQL document: " + err.Error())
	}
	var op *ast.OperationDefinition
	for _, o := range doc.Operations {
		if o.Name == operationName || (operationName == "" && len(doc.Operations) == 1) {
			op = o
		}
	}
	if op != nil {
		for _, v := range op.VariableDefinitions {
			t := v.Type
			for t.Elem != nil {
				t = t.Elem
			}
			if t.NamedType == "Upload" {
				return nil
			}
		}
	}
	return errors.New("multipart requests are only for operations with an Upload variable (startImport, previewImport); send other operations as JSON")
}

// uploadSlots bounds the uploads read at once per token.
type uploadSlots struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newUploadSlots(max int) *uploadSlots {
	if max <= 0 {
		max = 2
	}
	return &uploadSlots{max: max, n: map[string]int{}}
}

func (s *uploadSlots) take(tokenID string) (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[tokenID] >= s.max {
		return nil, false
	}
	s.n[tokenID]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.n[tokenID]--; s.n[tokenID] <= 0 {
				delete(s.n, tokenID)
			}
		})
	}, true
}
