package api

import (
	"context"
	"time"
)

// The data-subject requests screen's calls (see requests.graphql).

// Requests lists the open requests by deadline, earliest first.
func (c *Client) OpenRequests(ctx context.Context, first int, after string) ([]RequestFields, error) {
	open := RequestStatusOpen
	r, err := Requests(ctx, c.gql, &open, nil, optInt(first), optString(after))
	if err != nil {
		return nil, c.classify("requests", err)
	}
	return r.Requests, nil
}

// FileRequest registers a request; a zero receivedAt means now.
func (c *Client) FileRequest(ctx context.Context, kind RequestKind, contactID, channel, note string, receivedAt time.Time) (RequestFields, error) {
	in := RequestInput{Kind: kind, ContactId: optString(contactID), Channel: channel, Note: optString(note)}
	if !receivedAt.IsZero() {
		in.ReceivedAt = &receivedAt
	}
	r, err := FileRequest(ctx, c.gql, in)
	if err != nil {
		return RequestFields{}, c.classify("fileRequest", err)
	}
	return r.FileRequest, nil
}

// PersonRecords lists the records of the request's person, the named one first (none when
// the request names no contact, or it is gone).
func (c *Client) PersonRecords(ctx context.Context, requestID string) ([]PersonRecordFields, error) {
	r, err := RequestPersonRecords(ctx, c.gql, requestID)
	if err != nil {
		return nil, c.classify("request", err)
	}
	if r.Request == nil {
		return nil, &Error{Op: "request", Code: "NOT_FOUND", Message: "request " + requestID + " does not exist"}
	}
	return r.Request.PersonRecords, nil
}

// CompleteRequest closes a request with its outcome; the answer carries the export of an
// ACCESS or PORTABILITY request. keep names records that are someone else, checked the
// records a RECTIFICATION request was corrected or checked on.
func (c *Client) CompleteRequest(ctx context.Context, id, outcome string, keep, checked []string) (CompletedRequest, error) {
	r, err := CompleteRequest(ctx, c.gql, id, outcome, keep, checked)
	if err != nil {
		return CompletedRequest{}, c.classify("completeRequest", err)
	}
	return r.CompleteRequest, nil
}

// ExtendRequest moves the deadline of an open request to the end of the day until (ADMIN);
// toldAt is when the person was told of it (nil: now; the server refuses a time after the
// request's month).
func (c *Client) ExtendRequest(ctx context.Context, id string, until time.Time, reason string, toldAt *time.Time) (RequestFields, error) {
	r, err := ExtendRequest(ctx, c.gql, id, until, reason, toldAt)
	if err != nil {
		return RequestFields{}, c.classify("extendRequest", err)
	}
	return r.ExtendRequest, nil
}

// RejectRequest closes an open request as REJECTED with the reason (ADMIN).
func (c *Client) RejectRequest(ctx context.Context, id, reason string) (RequestFields, error) {
	r, err := RejectRequest(ctx, c.gql, id, reason)
	if err != nil {
		return RequestFields{}, c.classify("rejectRequest", err)
	}
	return r.RejectRequest, nil
}

// ProcessingRecord is the Art. 30 record as Markdown.
func (c *Client) ProcessingRecord(ctx context.Context) (string, error) {
	r, err := ProcessingRecord(ctx, c.gql)
	if err != nil {
		return "", c.classify("processingRecord", err)
	}
	return r.ProcessingRecord, nil
}
