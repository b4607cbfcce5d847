// Package auth authenticates requests to the receivers with basic auth or
// bearer tokens and authorizes the databases each credential may write.
// Secrets are compared in constant time and never echoed, logged or used
// as metric labels; only a credential's configured name is.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package auth
