package store

// Neighbours is the query SamePerson asks each step, for tests of its plan.
const Neighbours = neighbours
