package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// transport sends plain operations through genqlient's client and operations with an Upload
// variable as a GraphQL multipart request (operations, map, then one part per file).
type transport struct {
	endpoint string
	plain    graphql.Client // requests bounded by RequestTimeout
	long     graphql.Client // the longOperations
	uploads  *http.Client
}

func (t *transport) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	files := findUploads(req.Variables)
	if len(files) == 0 {
		c := t.plain
		if longOperations[req.OpName] {
			c = t.long
		}
		data := resp.Data // the typed result; a "data": null answer sets resp.Data to nil
		return sendAgainWhileUnavailable(ctx, func() error {
			resp.Data, resp.Errors, resp.Extensions = data, nil, nil
			return c.MakeRequest(ctx, req, resp)
		})
	}
	operations, err := json.Marshal(req)
	if err != nil {
		return err
	}
	fileMap := map[string][]string{}
	for i, f := range files {
		fileMap[fmt.Sprint(i)] = []string{"variables." + f.variable}
	}
	mapJSON, err := json.Marshal(fileMap)
	if err != nil {
		return err
	}

	// The body is streamed, so a large CSV is never held in memory.
	body, w := io.Pipe()
	mw := multipart.NewWriter(w)
	go func() {
		err := writeParts(mw, operations, mapJSON, files)
		if err == nil {
			err = mw.Close()
		}
		w.CloseWithError(err)
	}()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, body)
	if err != nil {
		return err
	}
	httpReq.Header.Set("Content-Type", mw.FormDataContentType())
	httpResp, err := t.uploads.Do(httpReq)
	if err != nil {
		body.CloseWithError(err)
		return err
	}
	defer httpResp.Body.Close()
	if httpResp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(httpResp.Body, 1<<20))
		var gqlResp graphql.Response
		if json.Unmarshal(raw, &gqlResp) != nil || len(gqlResp.Errors) == 0 {
			// As genqlient does for its requests, so classify reads both alike.
			gqlResp.Errors = gqlerror.List{{Message: strings.TrimSpace(string(raw))}}
		}
		return &graphql.HTTPError{Response: gqlResp, StatusCode: httpResp.StatusCode}
	}
	if err := json.NewDecoder(httpResp.Body).Decode(resp); err != nil {
		return err
	}
	if len(resp.Errors) > 0 {
		return resp.Errors
	}
	return nil
}

// unavailableWaits are the pauses before sending a request again that the server refused
// whole with UNAVAILABLE or HTTP 503: it wrote nothing, and another instance (or this one, a
// moment later) will take it. An instance left behind by a rotation of the secret key answers
// so for up to 30 s before it stops; the user then sees nothing of it.
var unavailableWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// sendAgainWhileUnavailable calls send, and again after each of unavailableWaits while the
// answer is "unavailable", and returns the last answer. Every mutation of this client has one
// root field, so such an answer means nothing of the operation was written. Uploads are not
// sent again (their body is a stream, read once).
func sendAgainWhileUnavailable(ctx context.Context, send func() error) error {
	err := send()
	for _, wait := range unavailableWaits {
		if !isUnavailable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		err = send()
	}
	return err
}

// isUnavailable: the server refused the request whole and asked for it again, as classify
// reads its answer (UNAVAILABLE, or HTTP 503).
func isUnavailable(err error) bool {
	return err != nil && errors.Is(classify("", err), ErrUnavailable)
}

func writeParts(mw *multipart.Writer, operations, fileMap []byte, files []fileVar) error {
	if err := mw.WriteField("operations", string(operations)); err != nil {
		return err
	}
	if err := mw.WriteField("map", string(fileMap)); err != nil {
		return err
	}
	for i, f := range files {
		part, err := mw.CreateFormFile(fmt.Sprint(i), f.upload.FileName)
		if err != nil {
			return err
		}
		if f.upload.Body != nil {
			if _, err := io.Copy(part, f.upload.Body); err != nil {
				return err
			}
		}
	}
	return nil
}

type fileVar struct {
	variable string
	upload   Upload
}

// findUploads returns the top-level Upload variables of a generated variables struct.
func findUploads(vars any) []fileVar {
	v := reflect.ValueOf(vars)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out []fileVar
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		u, ok := v.Field(i).Interface().(Upload)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, fileVar{variable: name, upload: u})
	}
	return out
}
