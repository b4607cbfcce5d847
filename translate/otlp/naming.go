package otlp

import (
	"strings"
)

// metricKind is GreptimeDB's MetricType (session/src/protocol_ctx.rs), which
// decides the type suffix and the semantic metric type.
type metricKind uint8

const (
	kindGauge metricKind = iota
	kindMonotonicSum
	kindNonMonotonicSum
	kindHistogram
	kindExpHistogram
	kindSummary
)

// unitWords maps UCUM main units to their Prometheus words
// (metrics/translator.rs UNIT_MAP). An immutable table.
var unitWords = map[string]string{
	"d": "days", "h": "hours", "min": "minutes", "s": "seconds",
	"ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
	"By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes",
	"TiBy": "tibibytes", "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes",
	"TBy": "terabytes",
	"m":   "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
	"Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent",
}

// perUnitWords maps the denominator of a "x/y" unit (translator.rs
// PER_UNIT_MAP).
var perUnitWords = map[string]string{
	"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// splitNonAlnum splits s on every character outside [a-zA-Z0-9] and drops
// empty tokens, as translator.rs metric_name_tokens does with its regex
// (a multi-byte character is one separator, so tokens stay ASCII).
func splitNonAlnum(s string) []string {
	var out []string
	start := -1
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func contains(ts []string, s string) bool {
	for _, t := range ts {
		if t == s {
			return true
		}
	}
	return false
}

// unitSuffix is translator.rs unit_suffix: trimmed, ignored when empty or
// holding braces, mapped when known, else kept verbatim.
func unitSuffix(u string, words map[string]string) string {
	u = strings.TrimSpace(u)
	if u == "" || strings.ContainsAny(u, "{}") {
		return ""
	}
	if w, ok := words[u]; ok {
		return w
	}
	return u
}

// unitSuffixes is translator.rs build_unit_suffixes: the main word and
// "per_<word>" for the denominator.
func unitSuffixes(unit string) (main, per string) {
	m, p, _ := strings.Cut(unit, "/")
	main = unitSuffix(m, unitWords)
	if w := unitSuffix(p, perUnitWords); w != "" {
		per = "per_" + w
	}
	return main, per
}

// cleanUnitName is translator.rs clean_unit_name.
func cleanUnitName(s string) string {
	return strings.Trim(strings.Join(splitNonAlnum(s), "_"), "_")
}

// MetricName translates an OTLP metric name as GreptimeDB's
// metrics/translator.rs translate_metric_name does for kind and strategy.
func metricName(name, unit string, kind metricKind, st Strategy) string {
	switch {
	case st.escape() && st.suffixes():
		return nameWithSuffixes(name, unit, kind)
	case st.escape():
		return prefixDigit(strings.Join(splitNonAlnum(name), "_"))
	case st.suffixes():
		return utf8NameWithSuffixes(name, unit, kind)
	}
	return name
}

// nameWithSuffixes is translator.rs normalize_metric_name_with_suffixes
// (after the Collector's normalize_name.go).
func nameWithSuffixes(name, unit string, kind metricKind) string {
	toks := splitNonAlnum(name)
	if unit != "" {
		main, per := unitSuffixes(unit)
		main = cleanUnitName(main)
		if p, ok := strings.CutPrefix(per, "per_"); ok {
			per = cleanUnitName(p)
		} else {
			per = ""
		}
		if main != "" && !contains(toks, main) {
			toks = append(toks, main)
		}
		if per != "" && !contains(toks, per) {
			toks = append(toks, "per", per)
		}
	}
	if kind == kindMonotonicSum {
		toks = removeToken(toks, "total")
		toks = append(toks, "total")
	}
	if unit == "1" && kind == kindGauge {
		toks = removeToken(toks, "ratio")
		toks = append(toks, "ratio")
	}
	return prefixDigit(strings.Join(toks, "_"))
}

func removeToken(ts []string, s string) []string {
	out := ts[:0]
	for _, t := range ts {
		if t != s {
			out = append(out, t)
		}
	}
	return out
}

func prefixDigit(s string) string {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		return "_" + s
	}
	return s
}

// utf8NameWithSuffixes is translator.rs build_utf8_metric_name: original
// characters, suffixes appended after trimming an existing copy.
func utf8NameWithSuffixes(name, unit string, kind metricKind) string {
	ratio := unit == "1" && kind == kindGauge
	if ratio {
		name = trimSuffixDelim(name, "ratio")
	}
	total := kind == kindMonotonicSum
	if total {
		name = trimSuffixDelim(name, "total")
	}
	main, per := unitSuffixes(unit)
	if per != "" {
		name = trimSuffixDelim(name, per)
	}
	if main != "" && !strings.HasSuffix(name, main) {
		name += "_" + main
	}
	if per != "" {
		name += "_" + per
	}
	if total {
		name += "_total"
	}
	if ratio {
		name += "_ratio"
	}
	return name
}

func trimSuffixDelim(name, suffix string) string {
	p, ok := strings.CutSuffix(name, suffix)
	if !ok {
		return name
	}
	p, ok = strings.CutSuffix(p, "_")
	if !ok || p == "" {
		return name
	}
	return p
}

// labelName translates an attribute key as translator.rs
// translate_label_name / normalize_label_name do: non-alphanumerics become
// '_', a leading digit gets "key_", a single leading '_' gets "key".
func labelName(key string, st Strategy) string {
	if !st.escape() || key == "" {
		return key
	}
	clean := true
	for i := 0; i < len(key); i++ {
		if !isAlnum(key[i]) {
			clean = false
			break
		}
	}
	n := key
	if !clean {
		var b strings.Builder
		b.Grow(len(key))
		for _, r := range key {
			// The regex replaces each non-matching character (not byte).
			if r < 0x80 && isAlnum(byte(r)) {
				b.WriteByte(byte(r))
			} else {
				b.WriteByte('_')
			}
		}
		n = b.String()
	}
	if n[0] >= '0' && n[0] <= '9' {
		return "key_" + n
	}
	if n[0] == '_' && !strings.HasPrefix(n, "__") {
		return "key" + n
	}
	return n
}

// legacyName is translator.rs legacy_normalize_otlp_name: lower-cased, with
// '.' and '-' replaced by '_'.
func legacyName(s string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToLower(s))
}
