package config

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
	ClientAuth TLSClientAuth `yaml:"client_auth"`
	// MinVersion is the lowest TLS version accepted: "1.2" or "1.3".
	MinVersion TLSVersion `yaml:"min_version"`
}

// validate reports every problem of listen.tls through bad.
func (t *ListenTLS) validate(bad func(path, format string, args ...any)) {
	checkEnum(bad, "listen.tls.client_auth", t.ClientAuth)
	checkEnum(bad, "listen.tls.min_version", t.MinVersion)
	if !t.Enabled {
		// Files without enabled would be ignored: say so rather than serve
		// plaintext to someone who meant TLS.
		if t.CertFile != "" || t.KeyFile != "" || t.ClientCAFile != "" || t.ClientAuth != TLSClientAuthNone {
			bad("listen.tls.enabled", "must be true when cert_file, key_file, client_ca_file or client_auth are set")
		}
		return
	}
	if t.CertFile == "" || t.KeyFile == "" {
		bad("listen.tls", "cert_file and key_file are required when enabled")
	}
	if t.ClientAuth != TLSClientAuthNone && t.ClientCAFile == "" {
		bad("listen.tls.client_ca_file", "required when client_auth is %s", t.ClientAuth)
	}
}

// TLSClientAuth is whether a listener asks for client certificates.
type TLSClientAuth string

// The client certificate policies.
const (
	TLSClientAuthNone    TLSClientAuth = "none"
	TLSClientAuthRequest TLSClientAuth = "request"
	TLSClientAuthRequire TLSClientAuth = "require"
)

// TLSVersion is a TLS protocol version.
type TLSVersion string

// The TLS versions a listener may require at least.
const (
	TLSVersion12 TLSVersion = "1.2"
	TLSVersion13 TLSVersion = "1.3"
)

// Values lists the allowed values.
func (TLSClientAuth) Values() []string {
	return strs(TLSClientAuthNone, TLSClientAuthRequest, TLSClientAuthRequire)
}

// Values lists the allowed values.
func (TLSVersion) Values() []string { return strs(TLSVersion12, TLSVersion13) }

// UnmarshalText reads a value; see the note at the top of enum.go.
func (e *TLSClientAuth) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of enum.go.
func (e *TLSVersion) UnmarshalText(b []byte) error { return setEnum(e, b) }
