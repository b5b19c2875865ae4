package fanout

import "testing"

// A message is taken without decoding only when it is the fully checked one with other digits
// as its cursor; anything else goes to the full decoding.
func TestNextShapeAcceptsOnlyTheCheckedMessageWithAnotherCursor(t *testing.T) {
	first := `{"id":"1","type":"next","payload":{"data":{"revocations":{"cursor":"41"}}}}`
	var n nextShape
	n.learn([]byte(first), "41")
	tests := []struct {
		msg  string
		want int64
		ok   bool
	}{
		{`{"id":"1","type":"next","payload":{"data":{"revocations":{"cursor":"42"}}}}`, 42, true},
		{`{"id":"1","type":"next","payload":{"data":{"revocations":{"cursor":"1234567"}}}}`, 1234567, true},
		{`{"id":"1","type":"next","payload":{"data":{"revocations":{"cursor":""}}}}`, 0, false},
		{`{"id":"1","type":"next","payload":{"data":{"revocations":{"cursor":"4x"}}}}`, 0, false},
		{`{"id":"2","type":"next","payload":{"data":{"revocations":{"cursor":"42"}}}}`, 0, false},
		{`{"id":"1","type":"next","payload":{"data":{"revocations":{"cursor":"42"}}},"errors":[]}`, 0, false},
		{`{"id":"1","type":"error","payload":[{"message":"no"}]}`, 0, false},
		{`{"type":"ping"}`, 0, false},
	}
	for _, tt := range tests {
		got, ok := n.match([]byte(tt.msg))
		if got != tt.want || ok != tt.ok {
			t.Errorf("match(%s) = %d, %v; want %d, %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
	var none nextShape
	none.learn([]byte(`{"cursor":"7","other":{"cursor":"7"}}`), "7")
	if _, ok := none.match([]byte(`{"cursor":"8","other":{"cursor":"7"}}`)); ok {
		t.Error("a cursor that occurs twice must not give a shape")
	}
}
