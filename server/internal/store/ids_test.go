package store

import (
	"slices"
	"strings"
	"testing"
)

func TestGenericPlanKeys(t *testing.T) {
	for _, c := range []struct {
		keys []int
		want []int
	}{
		{nil, nil},
		{[]int{7}, slices.Repeat([]int{7}, 16)},
		{[]int{1, 2, 3}, append([]int{1, 2, 3}, slices.Repeat([]int{1}, 13)...)},
		{slices.Repeat([]int{5}, 20), slices.Repeat([]int{5}, 20)},
	} {
		if got := GenericPlanKeys(c.keys); !slices.Equal(got, c.want) {
			t.Errorf("GenericPlanKeys(%v) = %v, want %v", c.keys, got, c.want)
		}
	}
}

func TestUUIDArray(t *testing.T) {
	const a, b = "58e3369d-8209-4805-bd14-766f5943b13b", "0C21B8F4-AAAA-4BBB-8CCC-0123456789AB"
	if got, err := UUIDArray([]string{a, b}); err != nil || got != "{"+a+","+b+"}" {
		t.Errorf("UUIDArray(%s, %s) = %q, %v", a, b, got, err)
	}
	for _, bad := range []string{"", "58e3369d-8209-4805-bd14-766f5943b13", "58e3369d-8209-4805-bd14-766f5943b13b,",
		"58e3369d-8209-4805-bd14-766f5943b13g", "58e3369d+8209-4805-bd14-766f5943b13b", `58e3369d-8209-4805-bd14-766f5943b1"}`,
		strings.Repeat("a", 36)} {
		if got, err := UUIDArray([]string{a, bad}); err == nil {
			t.Errorf("UUIDArray(%q) = %q, want an error", bad, got)
		}
		if err := CheckID("id", bad); err == nil {
			t.Errorf("CheckID(%q) accepted it", bad)
		}
	}
	if err := CheckID("id", b); err != nil {
		t.Errorf("CheckID(%q) = %v", b, err)
	}
}
