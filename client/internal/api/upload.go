package api

import "io"

// Upload is a file sent as a GraphQL multipart request (the Upload scalar).
type Upload struct {
	FileName string
	Body     io.Reader
}

// MarshalJSON writes null: the multipart spec sends the file as its own part and maps it
// onto the variable.
func (Upload) MarshalJSON() ([]byte, error) { return []byte("null"), nil }
