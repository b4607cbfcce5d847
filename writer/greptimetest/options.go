package greptimetest

import (
	"strconv"
	"strings"
)

// validateTableOptions checks the options of a table being created as
// GreptimeDB parses them: TableOptions::try_from_iter
// (table/src/requests.rs, called by create_table_info in
// operator/src/statement/ddl.rs) parses write_buffer_size, ttl and
// skip_wal ("Failed to parse table option, key: k, value: v"); for mito
// tables the region options must deserialise (append_mode a bool,
// merge_mode last_row or last_non_null: JsonOptions "Invalid options: …")
// and RegionOptions::validate (mito2/src/region/options.rs) allows only
// merge_mode last_row in append mode. Other option values are not checked.
func validateTableOptions(opts map[string]string, mito bool) error {
	bad := func(k, v string) error {
		return newErr(StatusInvalidArguments, "Failed to parse table option, key: %s, value: %s", k, v)
	}
	if v, ok := opts["write_buffer_size"]; ok && !validReadableSize(v) {
		return bad("write_buffer_size", v)
	}
	if v, ok := opts["ttl"]; ok && !validTTL(v) {
		return bad("ttl", v)
	}
	if v, ok := opts["skip_wal"]; ok && v != "true" && v != "false" {
		return bad("skip_wal", v)
	}
	if !mito {
		return nil
	}
	// RegionOptions::try_from_options deserialises the map (serde_with
	// DisplayFromStr for append_mode, NoneAsEmptyString + strum for
	// merge_mode); serde_json appends a position that depends on map
	// order, which is left out here.
	if v, ok := opts["append_mode"]; ok && v != "true" && v != "false" {
		return newErr(StatusInvalidArguments, "Invalid options: provided string was not `true` or `false`")
	}
	if v, ok := opts["merge_mode"]; ok && v != "" && v != "last_row" && v != "last_non_null" {
		return newErr(StatusInvalidArguments, "Invalid options: Matching variant not found")
	}
	if opts["append_mode"] == "true" {
		if m, ok := opts["merge_mode"]; ok && m != "" && m != "last_row" {
			return newErr(StatusInvalidArguments, "Invalid region options, only last_row merge_mode is allowed when append_mode is enabled")
		}
	}
	return nil
}

// validReadableSize is ReadableSize::from_str (common/base/src/readable_size.rs):
// a float followed by one of B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB,
// P/PB/PiB or nothing.
func validReadableSize(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	n := 0
	for n < len(s) && (s[n] >= '0' && s[n] <= '9' || strings.IndexByte(".eE-+", s[n]) >= 0) {
		n++
	}
	switch strings.TrimSpace(s[n:]) {
	case "K", "KB", "KiB", "M", "MB", "MiB", "G", "GB", "GiB", "T", "TB", "TiB", "P", "PB", "PiB", "B", "":
	default:
		return false
	}
	_, err := strconv.ParseFloat(s[:n], 64)
	return err == nil
}

// validTTL is TimeToLive::from_humantime_or_str (common/time/src/ttl.rs):
// "instant", "forever" or empty (case-insensitive), else a humantime
// duration.
func validTTL(s string) bool {
	switch strings.ToLower(s) {
	case "instant", "forever", "":
		return true
	}
	return validHumantime(s)
}

// humantimeUnits are the units humantime::parse_duration accepts
// (tailhook/humantime src/duration.rs parse_unit), case-sensitive.
var humantimeUnits = map[string]bool{
	"nanos": true, "nsec": true, "ns": true, "usec": true, "us": true,
	"millis": true, "msec": true, "ms": true,
	"seconds": true, "second": true, "secs": true, "sec": true, "s": true,
	"minutes": true, "minute": true, "min": true, "mins": true, "m": true,
	"hours": true, "hour": true, "hr": true, "hrs": true, "h": true,
	"days": true, "day": true, "d": true, "weeks": true, "week": true, "w": true,
	"months": true, "month": true, "M": true, "years": true, "year": true, "y": true,
}

// validHumantime follows humantime's Parser::parse: one or more
// "<digits><unit>" items; whitespace may appear around items and between
// digits; a unit ends at whitespace or the next digit. Overflow is not
// checked.
func validHumantime(s string) bool {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i == len(s) || !isDigit(s[i]) {
		return false
	}
	for {
		for i < len(s) && (isDigit(s[i]) || isSpace(s[i])) {
			i++
		}
		if i < len(s) && !isLetter(s[i]) {
			return false
		}
		start := i
		for i < len(s) && isLetter(s[i]) {
			i++
		}
		if !humantimeUnits[s[start:i]] {
			return false
		}
		if i < len(s) && isDigit(s[i]) {
			continue
		}
		if i < len(s) && !isSpace(s[i]) {
			return false
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return true
		}
		if !isDigit(s[i]) {
			return false
		}
	}
}
