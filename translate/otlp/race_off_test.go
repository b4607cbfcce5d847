//go:build !race

package otlp

// growAllocFactor is how many bytes a column's growth allocates per byte
// of room (see race_on_test.go).
const growAllocFactor = 1
