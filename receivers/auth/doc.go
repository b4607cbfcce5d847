// Package auth authenticates requests to the receivers with basic auth or
// bearer tokens, comparing in constant time and never echoing credentials.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package auth
