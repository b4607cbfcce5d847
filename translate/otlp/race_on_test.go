//go:build race

package otlp

// growAllocFactor is how many bytes a column's growth allocates per byte
// of room: under the race detector slices.Grow's append(s, make(...)...)
// allocates its temporary (TestHistogramBucketValuesReserved: 6.9 MB
// where the normal build allocates 3.7 MB).
const growAllocFactor = 1.75
