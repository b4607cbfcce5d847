// Package config holds the bridge's configuration: one struct per
// component with yaml tags, a Default constructor whose comments explain
// every number, loading from one YAML file with environment overrides, and
// Validate, which reports every problem at once.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package config
