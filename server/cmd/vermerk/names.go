package main

import (
	"maps"
	"slices"
)

func sortedNames() []string { return slices.Sorted(maps.Keys(commands)) }
