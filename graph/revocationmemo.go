package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vermerk/vermerk/graph/model"
)

// revocationMemo executes each revocation once per instance and subscription document, not
// once per subscriber: thousands of integrators subscribe with the same document, and
// executing and encoding the same event for each of them was a quarter of an instance's CPU
// during fan-out. Every subscription still runs its own operation: its token and role are
// checked (socketRecheck, @hasRole), its own stream from the Bus replays after its cursor and
// delivers in order; only the resulting JSON of an event is shared, and only for documents
// that select the event's own scalar fields (no resolver, so nothing depends on the viewer
// or on when it runs) and whose execution had no error.
type revocationMemo struct {
	mu   sync.Mutex
	data map[memoKey][]byte
	keys []memoKey // in insertion order, for eviction
	next int
}

// memoEntries bounds the memo: 4,096 (event, document) results of about 100 bytes each.
const memoEntries = 4096

type memoKey struct {
	cursor   string
	document string // query, operation name and variables
}

func newRevocationMemo() *revocationMemo {
	return &revocationMemo{data: make(map[memoKey][]byte, memoEntries), keys: make([]memoKey, memoEntries)}
}

func (m *revocationMemo) get(k memoKey) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.data[k]
	return b, ok
}

func (m *revocationMemo) put(k memoKey, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.data[k]; ok {
		return
	}
	delete(m.data, m.keys[m.next])
	m.keys[m.next] = k
	m.next = (m.next + 1) % len(m.keys)
	m.data[k] = b
}

// memoFields are the fields of RevocationEvent read straight from the event.
var memoFields = map[string]bool{"__typename": true, "cursor": true, "kind": true, "at": true,
	"contactId": true, "channel": true, "requestId": true, "mergedId": true}

// document is the memo's key for oc, if oc is a revocations subscription whose result
// depends on the event alone.
func memoDocument(oc *graphql.OperationContext) (string, bool) {
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return "", false
	}
	root := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})
	if len(root) != 1 || root[0].Name != "revocations" {
		return "", false
	}
	for _, f := range graphql.CollectFields(oc, root[0].Selections, []string{"RevocationEvent"}) {
		if !memoFields[f.Name] || len(f.Selections) > 0 {
			return "", false
		}
	}
	vars, err := json.Marshal(oc.Variables) // map keys sorted: equal variables, equal bytes
	if err != nil {
		return "", false
	}
	return oc.RawQuery + "\x00" + oc.OperationName + "\x00" + string(vars), true
}

// revocationTap sits between the Bus's stream of a subscription (events) and gqlgen's
// execution of it (execute): an event whose result is in the memo is answered from it, any
// other is handed to gqlgen to execute.
type revocationTap struct {
	events  <-chan *model.RevocationEvent
	execute chan *model.RevocationEvent
}

type revocationTapKey struct{}

// tapRevocations is called by the revocations resolver with the Bus's stream: under the memo it
// returns the channel gqlgen executes from, otherwise the stream itself.
func tapRevocations(ctx context.Context, events <-chan *model.RevocationEvent) <-chan *model.RevocationEvent {
	tap, _ := ctx.Value(revocationTapKey{}).(*revocationTap)
	if tap == nil || tap.events != nil {
		return events
	}
	tap.events = events
	tap.execute = make(chan *model.RevocationEvent, 1)
	return tap.execute
}

func (*revocationMemo) ExtensionName() string                   { return "RevocationMemo" }
func (*revocationMemo) Validate(graphql.ExecutableSchema) error { return nil }

func (m *revocationMemo) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	doc, ok := memoDocument(graphql.GetOperationContext(ctx))
	if !ok {
		return next(ctx)
	}
	tap := &revocationTap{}
	h := next(context.WithValue(ctx, revocationTapKey{}, tap)) // runs the directives and the resolver
	if tap.events == nil {
		return h // refused, or failed before streaming: h answers with the error
	}
	return func(ctx context.Context) *graphql.Response {
		if ctx.Err() != nil {
			return nil
		}
		var e *model.RevocationEvent
		var ok bool
		select {
		case e, ok = <-tap.events:
		case <-ctx.Done():
			return nil
		}
		if !ok {
			close(tap.execute)
			return h(ctx) // gqlgen ends the stream, with the error the Bus left, if any
		}
		k := memoKey{cursor: e.Cursor, document: doc}
		if data, ok := m.get(k); ok {
			return &graphql.Response{Data: data}
		}
		tap.execute <- e
		resp := h(ctx)
		if resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.Data != nil {
			// gqlgen reuses the buffer behind Data for the subscription's next event
			data := bytes.Clone(resp.Data)
			m.put(k, data)
			resp.Data = data
		}
		return resp
	}
}
