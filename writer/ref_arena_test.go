package writer

import (
	"sync"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// slab hands out sub-slices of one buffer. When the buffer is too small it
// starts a new, larger one and leaves the old one to the slices already
// handed out, so nothing handed out ever moves.
type slab[T any] struct {
	buf []T
	off int
}

func (s *slab[T]) take(n int) []T {
	if s.off+n > len(s.buf) {
		s.buf = make([]T, max(2*len(s.buf), n, 64))
		s.off = 0
	}
	out := s.buf[s.off : s.off+n : s.off+n]
	s.off += n
	return out
}

// reset zeroes what was handed out, dropping references into callers'
// batches, and makes the buffer available again.
func (s *slab[T]) reset() {
	clear(s.buf[:s.off])
	s.off = 0
}

// rowArena is the memory of converted row insert requests: the Values,
// rows and oneof wrappers of every batch converted since the last release.
// Reusing it makes the conversion of a steady stream of batches allocate
// almost nothing. The messages built from an arena must not be used after
// it is released; Write and the stream inserter release it only after
// grpc-go has marshalled the request.
type rowArena struct {
	vals    slab[gpb.Value]
	ptrs    slab[*gpb.Value]
	rows    slab[gpb.Row]
	rowPtrs slab[*gpb.Row]
	schema  slab[gpb.ColumnSchema]
	colPtrs slab[*gpb.ColumnSchema]

	bools   slab[gpb.Value_BoolValue]
	i8      slab[gpb.Value_I8Value]
	i16     slab[gpb.Value_I16Value]
	i32     slab[gpb.Value_I32Value]
	i64     slab[gpb.Value_I64Value]
	u8      slab[gpb.Value_U8Value]
	u16     slab[gpb.Value_U16Value]
	u32     slab[gpb.Value_U32Value]
	u64     slab[gpb.Value_U64Value]
	f32     slab[gpb.Value_F32Value]
	f64     slab[gpb.Value_F64Value]
	strs    slab[gpb.Value_StringValue]
	bins    slab[gpb.Value_BinaryValue]
	date    slab[gpb.Value_DateValue]
	dt      slab[gpb.Value_DatetimeValue]
	tsS     slab[gpb.Value_TimestampSecondValue]
	tsMs    slab[gpb.Value_TimestampMillisecondValue]
	tsUs    slab[gpb.Value_TimestampMicrosecondValue]
	tsNs    slab[gpb.Value_TimestampNanosecondValue]
	tmS     slab[gpb.Value_TimeSecondValue]
	tmMs    slab[gpb.Value_TimeMillisecondValue]
	tmUs    slab[gpb.Value_TimeMicrosecondValue]
	tmNs    slab[gpb.Value_TimeNanosecondValue]
	ivYM    slab[gpb.Value_IntervalYearMonthValue]
	ivDT    slab[gpb.Value_IntervalDayTimeValue]
	ivMDN   slab[gpb.Value_IntervalMonthDayNanoValue]
	mdn     slab[gpb.IntervalMonthDayNano]
	decW    slab[gpb.Value_Decimal128Value]
	dec     slab[gpb.Decimal128]
	inserts slab[gpb.RowInsertRequest]
	rowsMsg slab[gpb.Rows]
}

func (a *rowArena) reset() {
	a.vals.reset()
	a.ptrs.reset()
	a.rows.reset()
	a.rowPtrs.reset()
	a.schema.reset()
	a.colPtrs.reset()
	a.bools.reset()
	a.i8.reset()
	a.i16.reset()
	a.i32.reset()
	a.i64.reset()
	a.u8.reset()
	a.u16.reset()
	a.u32.reset()
	a.u64.reset()
	a.f32.reset()
	a.f64.reset()
	a.strs.reset()
	a.bins.reset()
	a.date.reset()
	a.dt.reset()
	a.tsS.reset()
	a.tsMs.reset()
	a.tsUs.reset()
	a.tsNs.reset()
	a.tmS.reset()
	a.tmMs.reset()
	a.tmUs.reset()
	a.tmNs.reset()
	a.ivYM.reset()
	a.ivDT.reset()
	a.ivMDN.reset()
	a.mdn.reset()
	a.decW.reset()
	a.dec.reset()
	a.inserts.reset()
	a.rowsMsg.reset()
}

// arenaPool recycles arenas between calls of one client.
type arenaPool struct{ p sync.Pool }

func (p *arenaPool) get() *rowArena {
	if a, ok := p.p.Get().(*rowArena); ok {
		return a
	}
	return &rowArena{}
}

// maxPooledValues bounds what an idle pooled arena may hold: 1Mi values
// is about 100 MiB with rows and wrappers. An arena grown past it by an
// unusually large batch is left to the garbage collector.
const maxPooledValues = 1 << 20

func (p *arenaPool) put(a *rowArena) {
	if len(a.vals.buf) > maxPooledValues {
		return
	}
	a.reset()
	p.p.Put(a)
}
