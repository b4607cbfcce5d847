package config

import "slices"

// ListenTLS serves the receivers' listeners (HTTP and gRPC) over TLS. The
// certificate, key and client CA files are read again when they change, so
// a rotated certificate is served to new connections without a restart.
type ListenTLS struct {
	// Enabled turns TLS on for both listeners.
	Enabled bool `yaml:"enabled"`
	// CertFile and KeyFile are the PEM server certificate (with any
	// intermediates after it) and its key.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ClientCAFile is a PEM bundle of the CAs client certificates are
	// verified against; required when ClientAuth verifies.
	ClientCAFile string `yaml:"client_ca_file"`
	// ClientAuth is none (no client certificate asked), request (verified
	// against client_ca_file when one is sent) or require (every client
	// must present one that verifies: mutual TLS).
	ClientAuth string `yaml:"client_auth"`
	// MinVersion is the lowest TLS version accepted: "1.2" or "1.3".
	MinVersion string `yaml:"min_version"`
}

// validate reports every problem of listen.tls through bad.
func (t *ListenTLS) validate(bad func(path, format string, args ...any)) {
	oneOf := func(path, v string, allowed ...string) {
		if !slices.Contains(allowed, v) {
			bad(path, "%q is not one of %v", v, allowed)
		}
	}
	oneOf("listen.tls.client_auth", t.ClientAuth, "none", "request", "require")
	oneOf("listen.tls.min_version", t.MinVersion, "1.2", "1.3")
	if !t.Enabled {
		return
	}
	if t.CertFile == "" || t.KeyFile == "" {
		bad("listen.tls", "cert_file and key_file are required when enabled")
	}
	if t.ClientAuth != "none" && t.ClientCAFile == "" {
		bad("listen.tls.client_ca_file", "required when client_auth is %s", t.ClientAuth)
	}
}
