package greptimetest

import (
	"strconv"
	"strings"
)

// normalizeTTL is how GreptimeDB stores a table's ttl: parsed by
// TimeToLive::from_humantime_or_str and printed back by its Display
// (common/time/src/ttl.rs; table/src/requests.rs keeps ttl.to_string() in
// the table's options): "forever" for "", "forever" or a zero duration,
// "instant", else humantime's format_duration ("7d" → "7days",
// "24h" → "1day", "90m" → "1h 30m"). The value must already be valid.
func normalizeTTL(s string) string {
	switch strings.ToLower(s) {
	case "instant":
		return "instant"
	case "forever", "":
		return "forever"
	}
	secs, nanos, ok := parseHumantime(s)
	if !ok {
		return s
	}
	if secs == 0 && nanos == 0 {
		return "forever"
	}
	return formatHumantime(secs, nanos)
}

// humantimeUnitNanos are humantime's unit lengths (src/duration.rs
// parse_unit): a month is 30.44 days and a year 365.25 days.
var humantimeUnitNanos = map[string]uint64{
	"nanos": 1, "nsec": 1, "ns": 1, "usec": 1e3, "us": 1e3,
	"millis": 1e6, "msec": 1e6, "ms": 1e6,
	"seconds": 1e9, "second": 1e9, "secs": 1e9, "sec": 1e9, "s": 1e9,
	"minutes": 60e9, "minute": 60e9, "min": 60e9, "mins": 60e9, "m": 60e9,
	"hours": 3600e9, "hour": 3600e9, "hr": 3600e9, "hrs": 3600e9, "h": 3600e9,
	"days": 86400e9, "day": 86400e9, "d": 86400e9,
	"weeks": 604800e9, "week": 604800e9, "w": 604800e9,
	"months": 2630016e9, "month": 2630016e9, "M": 2630016e9,
	"years": 31557600e9, "year": 31557600e9, "y": 31557600e9,
}

// parseHumantime sums "<digits><unit>" items (whitespace allowed between
// them, as validHumantime checks) into seconds and nanoseconds.
func parseHumantime(s string) (secs, nanos uint64, ok bool) {
	var total uint64 // nanoseconds; ttl values fit comfortably
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == ' ') {
			i++
		}
		n, err := strconv.ParseUint(strings.ReplaceAll(s[start:i], " ", ""), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		ustart := i
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			i++
		}
		unit, known := humantimeUnitNanos[s[ustart:i]]
		if !known {
			return 0, 0, false
		}
		total += n * unit
	}
	return total / 1e9, total % 1e9, true
}

// formatHumantime is humantime's FormattedDuration Display: years,
// months and days (pluralised), then h, m, s, ms, us, ns, each only when
// non-zero and separated by spaces.
func formatHumantime(secs, nanos uint64) string {
	years, rem := secs/31557600, secs%31557600
	months, rem := rem/2630016, rem%2630016
	days, rem := rem/86400, rem%86400
	items := []struct {
		n      uint64
		unit   string
		plural bool
	}{
		{years, "year", true},
		{months, "month", true},
		{days, "day", true},
		{rem / 3600, "h", false},
		{rem % 3600 / 60, "m", false},
		{rem % 60, "s", false},
		{nanos / 1e6, "ms", false},
		{nanos / 1e3 % 1e3, "us", false},
		{nanos % 1e3, "ns", false},
	}
	var out []string
	for _, it := range items {
		if it.n == 0 {
			continue
		}
		w := strconv.FormatUint(it.n, 10) + it.unit
		if it.plural && it.n > 1 {
			w += "s"
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return "0s"
	}
	return strings.Join(out, " ")
}

// normalizeTableOptions stores option values as GreptimeDB keeps them;
// only ttl is rewritten (table/src/requests.rs TableOptions::try_from_iter
// parses it, From<&TableOptions> prints it back).
func normalizeTableOptions(opts map[string]string) {
	if v, ok := opts["ttl"]; ok {
		opts["ttl"] = normalizeTTL(v)
	}
}
