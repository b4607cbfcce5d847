// Package tlstest generates certificate authorities and certificates for
// tests of TLS listeners and clients (ECDSA P-256, valid for an hour),
// written as PEM files into a test's temporary directory.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package tlstest
