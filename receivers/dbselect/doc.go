// Package dbselect chooses the database a request writes to, in
// GreptimeDB's order: the x-greptime-db-name header, then the db query
// parameter (servers/src/http/authorize.rs extract_catalog_and_schema reads
// the header first, then ?db=), then a configured tenant header mapped to
// databases, then the configured default. The name is passed to GreptimeDB
// verbatim; GreptimeDB splits "catalog-schema" names on the first '-'.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package dbselect
