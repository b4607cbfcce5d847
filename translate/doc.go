// Package translate holds what the protocol translators share: the output
// they fill (table-model batches grouped by database and table, with counts
// of what was carried and dropped) and the per-database choices GreptimeDB
// makes server-wide or by catalog state. The translators themselves live in
// translate/prom and translate/otlp; all are pure (no I/O, no globals).
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package translate
