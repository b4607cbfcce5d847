package otlp

import "fmt"

// maxJSONDepth bounds how deeply an OTLP/JSON body may nest objects and
// arrays. pdata's JSON decoder recurses without a limit, and Go cannot
// recover from the stack overflow a body nested millions deep causes (a
// 496 KiB gzip body of 8,000,000 nested arrayValues killed the process).
// The protobuf path stops at 100 nested messages; an AnyValue level takes
// about three JSON levels, so 300 admits everything the protobuf path
// admits.
const maxJSONDepth = 300

// checkJSONDepth scans body once, skipping strings, and refuses it when
// objects and arrays nest deeper than limit. It decodes nothing.
func checkJSONDepth(body []byte, limit int) error {
	depth, inString, escaped := 0, false, false
	for i, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > limit {
				return fmt.Errorf("JSON nests deeper than %d levels (at byte %d)", limit, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
