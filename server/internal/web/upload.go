package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
)

// spoolBody writes a multipart body of unknown length (chunked, as streaming clients send
// it) to a temporary file and serves the request from there with a known ContentLength.
// gqlgen's multipart transport reads a body it believes small into memory, and a chunked body
// looks small: without this, one streamed upload of 200 MB would take 200 MB of memory.
func spoolBody(req *http.Request) (io.Closer, error) {
	f, err := os.CreateTemp("", "vermerk-upload-*")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name()) // unlinked at once: the open file goes away when closed
	n, err := io.Copy(f, req.Body)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	req.Body = f
	req.ContentLength = n
	return f, nil
}

func writeUploadError(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	status, msg := http.StatusBadRequest, "could not read the upload: "+err.Error()
	if errors.As(err, &tooLarge) {
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("upload too large: the limit is %d bytes (VERMERK_MAX_UPLOAD_BYTES)", tooLarge.Limit)
	}
	graph.WriteHTTPError(w, status, &apperr.Error{Code: apperr.BadUserInput, Message: msg})
}
