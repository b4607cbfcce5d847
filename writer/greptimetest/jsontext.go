package greptimetest

import "github.com/tidwall/gjson"

// validJSON reports whether b is JSON text, as the server checks a JSON
// column's string values before storing them (GreptimeDB parses them with
// jsonb::parse_value in operator/src/req_convert/common.rs
// encode_string_to_jsonb_binary; FIDELITY.md). It accepts exactly what
// encoding/json.Valid accepts, the test server's model of that parser
// (FuzzValidJSONAgrees), and is about 4.4 times faster: 304 against
// 1,347 ns on a 14-key object of log attributes. The check was half the
// load mode's CPU under OTLP-logs-shaped load (perf, issue #12).
func validJSON(b []byte) bool { return gjson.ValidBytes(b) }
