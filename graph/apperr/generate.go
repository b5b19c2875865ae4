package apperr

// The client's catalogue test reads the list of reason codes from this file's output.
//go:generate go run ./internal/reasonlist -in reasons.go -out ../../client/internal/i18n/reasons_gen_test.go
