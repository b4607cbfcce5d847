package config

// Secret is a credential. It prints as "[redacted]" in logs, errors and
// marshalled configuration, so credentials never leak through formatting.
type Secret string

// String returns "[redacted]" for a non-empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts too, for %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalYAML redacts the secret when a configuration is printed.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Reveal returns the credential itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }
