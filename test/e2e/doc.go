// Package e2e holds end-to-end tests: they build the real bridge binary,
// start it in -dev mode (the GreptimeDB-compatible test server embedded
// behind it) and drive it with real senders that .ci/install puts in
// place: Debian's prometheus, telemetrygen, vmagent and an OpenTelemetry
// Collector built with ocb, plus client_golang's remote-write 2.0 client.
// Results are read back through the bridge's /debug/tables endpoint.
//
// A test whose peer program is missing fails when CI=true and is skipped
// with a message naming the install step otherwise.
package e2e
