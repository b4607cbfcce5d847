// Package greptimetest is an in-process GreptimeDB-compatible gRPC server
// for tests: GreptimeDatabase (row inserts and DDL through SQL), HealthCheck
// and Arrow Flight DoPut on one grpc.Server on 127.0.0.1, with its behaviour
// copied from GreptimeDB's source (FIDELITY.md lists each behaviour and the
// source it follows). It stores what it receives so tests read back tables,
// schemas and rows, and it can inject faults.
//
// Three modes answer alike and differ in what they keep and cost:
//
//   - normal (the zero Options) stores every row, deduplicated as
//     GreptimeDB does, for tests that read rows back;
//   - CountOnly keeps schemas and row counts and drops the values;
//   - Load (the -load flag of cmd/greptimetest) is CountOnly made cheap
//     enough to stand in for GreptimeDB in a load test on the same machine
//     as the program under test: a codec scoped to the server's own
//     grpc.Server hands row inserts' wire bytes to a walker that reads the
//     header, table names and column schemas and, of each row, only its
//     value count and each value's variant (and the text of JSON cells,
//     which GreptimeDB parses), then runs the same create, add-column and
//     validation code as the other modes. Requests it does not cover
//     (SQL, VECTOR columns, nested values) are decoded in full. Its answers (affected rows, errors, tables created) are
//     tested to be the normal mode's on the row-insert matrix and on fuzzed
//     bytes; FIDELITY.md gives its cost per row.
//
// It is part of the writer library's public API for other Go programs
// (writer/...), kept compatible across releases; what changes is noted in
// the README.
package greptimetest
