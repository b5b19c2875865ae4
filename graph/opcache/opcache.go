// Package opcache keeps what a server works out from a parsed operation once per operation
// instead of once per request. gqlgen keeps each parsed document in its query cache and hands
// every request of the same text the same *ast.OperationDefinition, so the operation's
// pointer is the key; a document parsed again after leaving that cache gets an entry of its
// own, and the old one goes when the cache is next cleared.
package opcache

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// Cache holds a value for each of up to max operations; when full it starts afresh.
type Cache[V any] struct {
	mu   sync.RWMutex
	max  int
	vals map[*ast.OperationDefinition]V
}

// New returns a cache of at most max operations.
func New[V any](max int) *Cache[V] {
	return &Cache[V]{max: max, vals: map[*ast.OperationDefinition]V{}}
}

// Get returns op's value. The first time, work works it out, and the value is stored when work
// says keep (it may depend on the request's variables otherwise). work runs outside the lock:
// two requests may both work a value out, and the first one stored is what both get.
func (c *Cache[V]) Get(op *ast.OperationDefinition, work func(*ast.OperationDefinition) (v V, keep bool)) V {
	c.mu.RLock()
	v, ok := c.vals[op]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v, keep := work(op)
	if !keep {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.vals[op]; ok {
		return w
	}
	if len(c.vals) >= c.max {
		clear(c.vals)
	}
	c.vals[op] = v
	return v
}

// HasVariableOf reports whether a variable of op is of one of the named types, lists looked
// through (`[Int!]` counts as Int): such a variable can change what the operation does from
// one request to the next (@skip/@include take a Boolean, page sizes are Ints).
func HasVariableOf(op *ast.OperationDefinition, names ...string) bool {
	for _, v := range op.VariableDefinitions {
		t := v.Type
		for t != nil && t.Elem != nil {
			t = t.Elem
		}
		if t == nil {
			return true // no type: assume the worst
		}
		for _, n := range names {
			if t.NamedType == n {
				return true
			}
		}
	}
	return false
}
