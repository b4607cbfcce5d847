// Package servertls serves the receivers' listeners over TLS and reloads
// the certificate, key and client CA files when they change, so a rotated
// certificate (cert-manager, a Kubernetes secret update) reaches new
// connections without a restart. Files are checked on each handshake by
// size and modification time: a handful of stat calls, against a
// handshake's milliseconds of public-key work, and no file-watching
// dependency. Connections already open keep the certificate they began with.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package servertls
