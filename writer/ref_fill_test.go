package writer

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// fill sets column j of every non-NULL row: the oneof wrappers of the whole
// column come from one slice, so the column costs one allocation.
func fill[W any](s *slab[W], c *table.Column, vals []gpb.Value, j, ncols int, set func(w *W, r int), put func(v *gpb.Value, w *W)) {
	ws := s.take(c.Len())
	for r := range ws {
		if c.IsNull(r) {
			continue
		}
		set(&ws[r], r)
		put(&vals[r*ncols+j], &ws[r])
	}
}

// fillColumn writes column c into position j of every row. The Value
// variant is the one validate_proto_value (mito2/src/request.rs) requires
// for the column's datatype; anything else is rejected by the server.
func fillColumn(a *rowArena, c *table.Column, vals []gpb.Value, j, ncols int) {
	ints, uints, floats, bools := c.Int64s(), c.Uint64s(), c.Float64s(), c.Bools()
	switch c.Type {
	case table.Boolean:
		fill(&a.bools, c, vals, j, ncols, func(w *gpb.Value_BoolValue, r int) { w.BoolValue = bools[r] },
			func(v *gpb.Value, w *gpb.Value_BoolValue) { v.ValueData = w })
	case table.Int8:
		fill(&a.i8, c, vals, j, ncols, func(w *gpb.Value_I8Value, r int) { w.I8Value = int32(ints[r]) },
			func(v *gpb.Value, w *gpb.Value_I8Value) { v.ValueData = w })
	case table.Int16:
		fill(&a.i16, c, vals, j, ncols, func(w *gpb.Value_I16Value, r int) { w.I16Value = int32(ints[r]) },
			func(v *gpb.Value, w *gpb.Value_I16Value) { v.ValueData = w })
	case table.Int32:
		fill(&a.i32, c, vals, j, ncols, func(w *gpb.Value_I32Value, r int) { w.I32Value = int32(ints[r]) },
			func(v *gpb.Value, w *gpb.Value_I32Value) { v.ValueData = w })
	case table.Int64:
		fill(&a.i64, c, vals, j, ncols, func(w *gpb.Value_I64Value, r int) { w.I64Value = ints[r] },
			func(v *gpb.Value, w *gpb.Value_I64Value) { v.ValueData = w })
	case table.Uint8:
		fill(&a.u8, c, vals, j, ncols, func(w *gpb.Value_U8Value, r int) { w.U8Value = uint32(uints[r]) },
			func(v *gpb.Value, w *gpb.Value_U8Value) { v.ValueData = w })
	case table.Uint16:
		fill(&a.u16, c, vals, j, ncols, func(w *gpb.Value_U16Value, r int) { w.U16Value = uint32(uints[r]) },
			func(v *gpb.Value, w *gpb.Value_U16Value) { v.ValueData = w })
	case table.Uint32:
		fill(&a.u32, c, vals, j, ncols, func(w *gpb.Value_U32Value, r int) { w.U32Value = uint32(uints[r]) },
			func(v *gpb.Value, w *gpb.Value_U32Value) { v.ValueData = w })
	case table.Uint64:
		fill(&a.u64, c, vals, j, ncols, func(w *gpb.Value_U64Value, r int) { w.U64Value = uints[r] },
			func(v *gpb.Value, w *gpb.Value_U64Value) { v.ValueData = w })
	case table.Float32:
		fill(&a.f32, c, vals, j, ncols, func(w *gpb.Value_F32Value, r int) { w.F32Value = float32(floats[r]) },
			func(v *gpb.Value, w *gpb.Value_F32Value) { v.ValueData = w })
	case table.Float64:
		fill(&a.f64, c, vals, j, ncols, func(w *gpb.Value_F64Value, r int) { w.F64Value = floats[r] },
			func(v *gpb.Value, w *gpb.Value_F64Value) { v.ValueData = w })
	case table.String, table.JSON:
		// JSON travels as its text in string_value: GreptimeDB parses it to
		// JSONB and refuses any other variant (req_convert/common.rs).
		fill(&a.strs, c, vals, j, ncols, func(w *gpb.Value_StringValue, r int) { w.StringValue, _ = c.String(r) },
			func(v *gpb.Value, w *gpb.Value_StringValue) { v.ValueData = w })
	case table.Binary, table.Vector:
		fill(&a.bins, c, vals, j, ncols, func(w *gpb.Value_BinaryValue, r int) { w.BinaryValue, _ = c.Binary(r) },
			func(v *gpb.Value, w *gpb.Value_BinaryValue) { v.ValueData = w })
	case table.Date:
		fill(&a.date, c, vals, j, ncols, func(w *gpb.Value_DateValue, r int) { w.DateValue = int32(ints[r]) },
			func(v *gpb.Value, w *gpb.Value_DateValue) { v.ValueData = w })
	case table.Datetime:
		fill(&a.dt, c, vals, j, ncols, func(w *gpb.Value_DatetimeValue, r int) { w.DatetimeValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_DatetimeValue) { v.ValueData = w })
	case table.TimestampSecond:
		fill(&a.tsS, c, vals, j, ncols, func(w *gpb.Value_TimestampSecondValue, r int) { w.TimestampSecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimestampSecondValue) { v.ValueData = w })
	case table.TimestampMillisecond:
		fill(&a.tsMs, c, vals, j, ncols, func(w *gpb.Value_TimestampMillisecondValue, r int) { w.TimestampMillisecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimestampMillisecondValue) { v.ValueData = w })
	case table.TimestampMicrosecond:
		fill(&a.tsUs, c, vals, j, ncols, func(w *gpb.Value_TimestampMicrosecondValue, r int) { w.TimestampMicrosecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimestampMicrosecondValue) { v.ValueData = w })
	case table.TimestampNanosecond:
		fill(&a.tsNs, c, vals, j, ncols, func(w *gpb.Value_TimestampNanosecondValue, r int) { w.TimestampNanosecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimestampNanosecondValue) { v.ValueData = w })
	case table.TimeSecond:
		fill(&a.tmS, c, vals, j, ncols, func(w *gpb.Value_TimeSecondValue, r int) { w.TimeSecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimeSecondValue) { v.ValueData = w })
	case table.TimeMillisecond:
		fill(&a.tmMs, c, vals, j, ncols, func(w *gpb.Value_TimeMillisecondValue, r int) { w.TimeMillisecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimeMillisecondValue) { v.ValueData = w })
	case table.TimeMicrosecond:
		fill(&a.tmUs, c, vals, j, ncols, func(w *gpb.Value_TimeMicrosecondValue, r int) { w.TimeMicrosecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimeMicrosecondValue) { v.ValueData = w })
	case table.TimeNanosecond:
		fill(&a.tmNs, c, vals, j, ncols, func(w *gpb.Value_TimeNanosecondValue, r int) { w.TimeNanosecondValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_TimeNanosecondValue) { v.ValueData = w })
	case table.IntervalYearMonth:
		fill(&a.ivYM, c, vals, j, ncols, func(w *gpb.Value_IntervalYearMonthValue, r int) { w.IntervalYearMonthValue = int32(ints[r]) },
			func(v *gpb.Value, w *gpb.Value_IntervalYearMonthValue) { v.ValueData = w })
	case table.IntervalDayTime:
		fill(&a.ivDT, c, vals, j, ncols, func(w *gpb.Value_IntervalDayTimeValue, r int) { w.IntervalDayTimeValue = ints[r] },
			func(v *gpb.Value, w *gpb.Value_IntervalDayTimeValue) { v.ValueData = w })
	case table.IntervalMonthDayNano:
		mdns := c.IntervalMDNs()
		payload := a.mdn.take(c.Len())
		fill(&a.ivMDN, c, vals, j, ncols, func(w *gpb.Value_IntervalMonthDayNanoValue, r int) {
			p := &payload[r]
			p.Months, p.Days, p.Nanoseconds = mdns[r].Months, mdns[r].Days, mdns[r].Nanoseconds
			w.IntervalMonthDayNanoValue = p
		}, func(v *gpb.Value, w *gpb.Value_IntervalMonthDayNanoValue) { v.ValueData = w })
	case table.Decimal128:
		// hi is the upper 64 bits, lo the lower 64 bits of the two's
		// complement mantissa (Rust ingester helpers/values.rs).
		decs := c.Decimals()
		payload := a.dec.take(c.Len())
		fill(&a.decW, c, vals, j, ncols, func(w *gpb.Value_Decimal128Value, r int) {
			p := &payload[r]
			p.Hi, p.Lo = decs[r].Hi, int64(decs[r].Lo)
			w.Decimal128Value = p
		}, func(v *gpb.Value, w *gpb.Value_Decimal128Value) { v.ValueData = w })
	}
}
