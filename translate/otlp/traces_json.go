package otlp

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// appendEvents renders span events as GreptimeDB's SpanEvent jsonb objects
// (span.rs): keys attributes, name, time; time in chrono's
// "%Y-%m-%d %H:%M:%S%.f%z" in UTC, the server's default time zone.
func appendEvents(b []byte, evs ptrace.SpanEventSlice) []byte {
	b = append(b, '[')
	for i := 0; i < evs.Len(); i++ {
		e := evs.At(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"attributes":`...)
		b = appendJSONBMap(b, e.Attributes())
		b = append(b, `,"name":`...)
		b = appendJSONString(b, e.Name())
		b = append(b, `,"time":"`...)
		b = appendChronoTime(b, int64(e.Timestamp()))
		b = append(b, `"}`...)
	}
	return append(b, ']')
}

// appendLinks renders span links as span.rs SpanLink jsonb objects.
func appendLinks(b []byte, ls ptrace.SpanLinkSlice) []byte {
	b = append(b, '[')
	for i := 0; i < ls.Len(); i++ {
		l := ls.At(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"attributes":`...)
		b = appendJSONBMap(b, l.Attributes())
		tid, sid := l.TraceID(), l.SpanID()
		b = append(b, `,"span_id":"`...)
		b = appendHex(b, spanIDBytes(sid))
		b = append(b, `","trace_id":"`...)
		b = appendHex(b, traceIDBytes(tid))
		b = append(b, `","trace_state":`...)
		b = appendJSONString(b, l.TraceState().AsRaw())
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendChronoTime formats ns since the epoch as chrono's
// "%Y-%m-%d %H:%M:%S%.f%z" in UTC: %.f prints no fraction for whole
// seconds, else 3, 6 or 9 digits, the fewest that are exact.
func appendChronoTime(b []byte, ns int64) []byte {
	t := time.Unix(0, ns).UTC()
	b = t.AppendFormat(b, "2006-01-02 15:04:05")
	frac := t.Nanosecond()
	switch {
	case frac == 0:
	case frac%1_000_000 == 0:
		b = appendPadded(append(b, '.'), frac/1_000_000, 3)
	case frac%1_000 == 0:
		b = appendPadded(append(b, '.'), frac/1_000, 6)
	default:
		b = appendPadded(append(b, '.'), frac, 9)
	}
	return append(b, "+0000"...)
}

func appendPadded(b []byte, v, width int) []byte {
	var tmp [9]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}
