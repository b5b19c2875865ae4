package graph

// WithoutValue is withoutValue, for the external tests.
var WithoutValue = withoutValue
