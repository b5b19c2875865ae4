package store

import (
	"slices"
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
