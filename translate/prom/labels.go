package prom

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// The special labels GreptimeDB strips from the tags and turns into routing
// (servers/src/prom_store.rs constants; precedence in
// prom_remote_write/decode.rs PromTimeSeries::merge_field and v2.rs
// apply_remote_write_special_label): __schema__ always wins; of
// x_greptime_database and __database__ the first one met wins; of the two
// physical-table labels the last one met wins.
const (
	labelName             = "__name__"
	labelDatabase         = "x_greptime_database"
	labelDatabaseAlt      = "__database__"
	labelSchema           = "__schema__"
	labelPhysicalTable    = "x_greptime_physical_table"
	labelPhysicalTableAlt = "__physical_table__"
)

// maybeSpecial is a cheap filter before the special-label switch: every
// special label (and greptime_native_histogram, refused in v2) is at least
// 8 bytes long and starts with '_', 'x' or 'g'.
func maybeSpecial(name []byte) bool {
	return len(name) >= 8 && (name[0] == '_' || name[0] == 'x' || name[0] == 'g')
}

// validLabelRest marks the bytes allowed after the first byte of a label
// name: [a-zA-Z0-9_] (prom_remote_write/validation.rs IS_VALID_LABEL_REST).
var validLabelRest = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	return t
}()

// validLabelName reports whether name matches [a-zA-Z_][a-zA-Z0-9_]*, the
// rule GreptimeDB enforces since v1.0.0 (validation.rs validate_label_name).
func validLabelName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	c := name[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	for _, c := range name[1:] {
		if !validLabelRest[c] {
			return false
		}
	}
	return true
}

// sanitizeLabelName maps an invalid name onto the valid alphabet: each
// invalid byte becomes '_' and a leading digit is kept behind a '_' prefix.
// This is the bridge's opt-in (GreptimeDB has no sanitising mode).
func sanitizeLabelName(name []byte) string {
	out := make([]byte, 0, len(name)+1)
	if c := name[0]; c >= '0' && c <= '9' {
		out = append(out, '_')
	}
	for _, c := range name {
		if validLabelRest[c] {
			out = append(out, c)
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

func invalidLabelName(v Version, name []byte) error {
	// The message follows GreptimeDB's (row_builder.rs "Invalid label
	// name", v2.rs "remote write v2 invalid label name").
	return errs.NewPermanent(fmt.Errorf("remote write %s: invalid label name %q: must match [a-zA-Z_][a-zA-Z0-9_]*", v, name))
}

// String returns "1.0" or "2.0".
func (v Version) String() string {
	if v == V2 {
		return "2.0"
	}
	return "1.0"
}

// asciiOnly reports whether b holds no byte above 0x7f, eight bytes at a
// time: plain ASCII is valid UTF-8, and label sets almost always are.
func asciiOnly(b []byte) bool {
	var acc uint64
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, x := range b {
		acc |= uint64(x)
	}
	return acc&0x8080808080808080 == 0
}

// checkValue applies the UTF-8 mode to a label value: it returns the bytes to
// store (a lossy copy in scratch when needed) or a permanent error naming the
// label (validation.rs PromValidationMode::decode_string).
func checkValue(mode UTF8Mode, v Version, name, value []byte, scratch *[]byte) ([]byte, error) {
	if mode == UTF8Unchecked || utf8.Valid(value) {
		return value, nil
	}
	if mode == UTF8Strict {
		return nil, errs.NewPermanent(fmt.Errorf("remote write %s: label %q has a value that is not valid utf-8", v, name))
	}
	start := len(*scratch)
	for len(value) > 0 {
		r, n := utf8.DecodeRune(value)
		if r == utf8.RuneError && n <= 1 {
			*scratch = append(*scratch, "\uFFFD"...)
			value = value[invalidPrefix(value):]
			continue
		}
		*scratch = append(*scratch, value[:n]...)
		value = value[n:]
	}
	return (*scratch)[start:], nil
}

// invalidPrefix returns the length of the maximal prefix of an ill-formed
// UTF-8 sequence at the start of b, which Rust's String::from_utf8_lossy
// (and the Unicode "substitution of maximal subparts" practice) replaces
// with one U+FFFD: a lead byte and the continuation bytes that could still
// have completed it.
func invalidPrefix(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k > 0 {
			lo, hi = 0x80, 0xBF
		}
		if x < lo || x > hi {
			break
		}
		n++
	}
	return n
}

// Names used in value errors for the routing labels.
var (
	bName     = []byte(labelName)
	bDatabase = []byte(labelDatabase)
	bPhysical = []byte(labelPhysicalTable)
)

// errRepeated refuses a series naming one label twice: the remote-write
// specification forbids it ("label names ... no duplicates", both
// versions), and remote write 2.0 is refused the same way. GreptimeDB v1
// keeps the last value instead; a 400 tells the sender its data is wrong
// rather than silently dropping a value.
func errRepeated(v Version, name []byte) error {
	return errs.NewPermanent(fmt.Errorf("remote write %s: label name %q is repeated in one series", v, name))
}

// repeatedName returns the first label name the current series' (non
// routing) labels repeat, or nil. Senders sort label names, and strictly
// increasing names cannot repeat, so only unsorted sets pay for the search:
// a scan for a handful of labels, a set beyond dupScanMax.
func (c *Converter) repeatedName() []byte {
	ls := c.labels
	sorted := true
	for i := 1; i < len(ls) && sorted; i++ {
		sorted = bytes.Compare(ls[i-1].name, ls[i].name) < 0
	}
	if sorted {
		return nil
	}
	if len(ls) <= dupScanMax {
		for i := 1; i < len(ls); i++ {
			for j := 0; j < i; j++ {
				if bytes.Equal(ls[i].name, ls[j].name) {
					return ls[i].name
				}
			}
		}
		return nil
	}
	if c.seen == nil {
		c.seen = make(map[string]struct{})
	}
	defer clear(c.seen)
	for _, l := range ls {
		if _, ok := c.seen[string(l.name)]; ok {
			return l.name
		}
		c.seen[string(l.name)] = struct{}{}
	}
	return nil
}

// checkLabels validates the current series' label names and values without
// writing anything.
func (c *Converter) checkLabels() error {
	if name := c.repeatedName(); name != nil {
		return errRepeated(c.ver, name)
	}
	for _, l := range c.labels {
		if !validLabelName(l.name) && (c.opts.LabelNames != LabelNamesSanitize || len(l.name) == 0) {
			return invalidLabelName(c.ver, l.name)
		}
		if _, err := checkValue(c.opts.UTF8, c.ver, l.name, l.value, &c.scratch); err != nil {
			return err
		}
	}
	return nil
}

// tableNamePattern is GreptimeDB's NAME_PATTERN
// (common/base/src/regex_pattern.rs), which a table name must match when
// GreptimeDB creates the table.
const tableNamePattern = `[a-zA-Z_:-][a-zA-Z0-9_:\-\.@#]*`

var validTableRest = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = validLabelRest[c] || c == ':' || c == '-' || c == '.' || c == '@' || c == '#'
	}
	return t
}()

// validTableName reports whether name matches tableNamePattern.
func validTableName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	c := name[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c == '-') {
		return false
	}
	for _, c := range name[1:] {
		if !validTableRest[c] {
			return false
		}
	}
	return true
}
