package events

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeResumeRequired is extensions.code of the error that ends a stream the server had to
// drop (the subscriber fell behind, or the server is shutting down): subscribe again, with
// revocations passing extensions.resumeAfter as `after`.
const CodeResumeRequired = "RESUME_REQUIRED"

// endStream ends a stream whose subscriber the Bus closed (why: overflow or shutdown). On
// shutdown it says nothing: the server closes every socket at the same moment, and gqlgen
// reads a subscription's errors when its context ends, without a lock — writing one then
// would race with that read. The client reconnects and resumes from its last cursor.
func endStream(ctx context.Context, why error, field, what string, ext map[string]any) {
	if errors.Is(why, errStopped) {
		return
	}
	endWithError(ctx, field, resumeMessage(why, what), ext)
}

// endWithError makes gqlgen's WebSocket transport finish the subscription with an "error"
// message instead of "complete" once the stream's channel is closed. It must be called before
// the channel is closed, from the subscription's context.
func endWithError(ctx context.Context, field, message string, ext map[string]any) {
	if ctx.Err() != nil {
		return // the client is gone; nobody to tell
	}
	if ext == nil {
		ext = map[string]any{}
	}
	ext["code"] = CodeResumeRequired
	err := &gqlerror.Error{Message: message, Path: ast.Path{ast.PathName(field)}, Extensions: ext}
	// AddSubscriptionError dereferences state only gqlgen's WebSocket transport puts in ctx;
	// a stream consumed any other way just ends.
	defer func() { _ = recover() }()
	transport.AddSubscriptionError(ctx, err)
}
