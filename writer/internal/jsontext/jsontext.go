// Package jsontext checks JSON text for the writer and its test server:
// the writer refuses a JSON column value GreptimeDB would refuse before
// sending it, and the test server checks the values it receives.
package jsontext

// Valid reports whether b is JSON text, as GreptimeDB checks a JSON
// column's string values before storing them (it parses them with
// jsonb::parse_value in operator/src/req_convert/common.rs
// encode_string_to_jsonb_binary; writer/greptimetest/FIDELITY.md). It
// accepts exactly what encoding/json.Valid accepts, the writer's and the
// test server's model of that parser:
// RFC 8259 text, strings not checked for UTF-8, at most maxJSONDepth
// nested arrays and objects (TestValidAgrees, FuzzValidAgrees).
//
// It is written here rather than taken from a library: json.Valid was half
// the load mode's CPU under OTLP-logs-shaped load (perf, issue #12), the
// fast validators found (tidwall/gjson: 304 against json.Valid's 1,347 ns
// on a 14-key object of log attributes) are outside the imports the
// writer's packages allow (STYLE.md), recurse without a depth limit (so a
// deep enough text overflows the stack) and accept deeper nesting than
// encoding/json; arrow-go's goccy/go-json is slower than json.Valid
// (3,593 ns). This one: BenchmarkValid.
func Valid(b []byte) bool {
	// kinds has a bit per open container: set for an object.
	var kinds [maxJSONDepth/8 + 1]byte
	depth := 0
	i := skipJSONSpace(b, 0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == maxJSONDepth {
				return false
			}
			obj := c == '{'
			if obj {
				kinds[depth>>3] |= 1 << (depth & 7)
			} else {
				kinds[depth>>3] &^= 1 << (depth & 7)
			}
			depth++
			i = skipJSONSpace(b, i+1)
			if i < len(b) && (obj && b[i] == '}' || !obj && b[i] == ']') {
				depth--
				i++
				break
			}
			if obj {
				if i = jsonKey(b, i); i < 0 {
					return false
				}
			}
			continue
		case c == '"':
			i = jsonString(b, i)
		case c == '-' || c >= '0' && c <= '9':
			i = jsonNumber(b, i)
		case c == 't':
			i = jsonLiteral(b, i, "true")
		case c == 'f':
			i = jsonLiteral(b, i, "false")
		case c == 'n':
			i = jsonLiteral(b, i, "null")
		default:
			return false
		}
		if i < 0 {
			return false
		}
		// After a value: close containers until a comma starts the next
		// value, or the text ends.
		for {
			i = skipJSONSpace(b, i)
			if depth == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			obj := kinds[(depth-1)>>3]&(1<<((depth-1)&7)) != 0
			c := b[i]
			if c == ',' {
				i = skipJSONSpace(b, i+1)
				if obj {
					if i = jsonKey(b, i); i < 0 {
						return false
					}
				}
				break
			}
			if obj && c == '}' || !obj && c == ']' {
				depth--
				i++
				continue
			}
			return false
		}
	}
}

// maxJSONDepth is encoding/json's nesting limit (scanner.go
// maxNestingDepth): a text nesting deeper is not valid.
const maxJSONDepth = 10000

// skipJSONSpace returns the index of the first byte from i on that is not
// JSON white space.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonKey reads an object member's name and its colon at i, returning the
// index of its value (white space skipped), or -1.
func jsonKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = jsonString(b, i); i < 0 {
		return -1
	}
	i = skipJSONSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipJSONSpace(b, i+1)
}

// jsonString reads the string starting with the quote at i, returning the
// index after its closing quote, or -1. Control characters must be
// escaped; other bytes are taken as they are (encoding/json does not
// check UTF-8 here either).
func jsonString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1
				}
				for _, h := range b[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// jsonNumber reads the number at i (-? int frac? exp?), returning the
// index after it, or -1.
func jsonNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = jsonDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if j := jsonDigits(b, i+1); j > i+1 {
			i = j
		} else {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if j := jsonDigits(b, i); j > i {
			i = j
		} else {
			return -1
		}
	}
	return i
}

// jsonDigits returns the index after the decimal digits from i on.
func jsonDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// jsonLiteral reads lit at i, returning the index after it, or -1.
func jsonLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
