// Package pipeline carries translated batches from the receivers to the
// writer: per-table coalescing, adaptive routing between row inserts and
// bulk streams, retries and the memory budget.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package pipeline
