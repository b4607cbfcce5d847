package writer

import (
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// HeaderHints is the one metadata entry carrying every table-option hint of
// a row insert, "k1=v1,k2=v2" (servers/src/hint_headers.rs). When it is
// present GreptimeDB ignores the deprecated per-key x-greptime-hint-* headers.
const HeaderHints = "x-greptime-hints"

// encodeHints validates hints and renders them as the x-greptime-hints value.
// GreptimeDB splits the value on ',' and then on the first '=', with no
// escaping, so a key or value holding either would be read as something
// else: such hints are refused instead of being silently mangled.
func encodeHints(tableName string, h table.Hints) (string, error) {
	if len(h) == 0 {
		return "", nil
	}
	for _, x := range h {
		if strings.TrimSpace(x.Key) == "" {
			return "", &InvalidInputError{Table: tableName, Reason: "hint with an empty key"}
		}
		if strings.ContainsAny(x.Key, ",=") {
			return "", &InvalidInputError{Table: tableName, Reason: "hint key " + quote(x.Key) + " contains ',' or '='"}
		}
		if strings.ContainsAny(x.Value, ",=") {
			return "", &InvalidInputError{Table: tableName, Reason: "value of hint " + quote(x.Key) + " contains ',' or '='"}
		}
		if !printableASCII(x.Key) || !printableASCII(x.Value) {
			// grpc-go refuses such metadata values at send time.
			return "", &InvalidInputError{Table: tableName, Reason: "hint " + quote(x.Key) + " holds a character outside printable ascii"}
		}
	}
	return h.Key(), nil
}

func quote(s string) string { return `"` + s + `"` }

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
