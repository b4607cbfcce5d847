package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// shapeRow is one writeRow call and the cells it must leave.
type shapeRow struct {
	tags  []tag
	extra string // an le value, "" for none
	value float64
	has   bool
}

// checkShapeRows asserts that row i of b holds rows[i]'s tags, le and value
// in the columns of those names and NULL in every other tag column.
func checkShapeRows(t *testing.T, b *table.Batch, rows []shapeRow, from int) {
	t.Helper()
	for i, r := range rows {
		ri := from + i
		want := map[string]string{}
		for _, tg := range r.tags {
			want[tg.name] = tg.val
		}
		if r.extra != "" {
			want["le"] = r.extra
		}
		for _, col := range b.Columns() {
			switch col.Name {
			case colTimestamp:
				if v, ok := col.Timestamp(ri); !ok || v != int64(ri) {
					t.Errorf("row %d: %s = %d, %v; want %d", ri, col.Name, v, ok, ri)
				}
			case colValue:
				v, ok := col.Float64(ri)
				if ok != r.has || (ok && v != r.value) {
					t.Errorf("row %d: %s = %v, %v; want %v, %v", ri, col.Name, v, ok, r.value, r.has)
				}
			default:
				v, ok := col.String(ri)
				w, wok := want[col.Name]
				if ok != wok || v != w {
					t.Errorf("row %d: %s = %q, %v; want %q, %v", ri, col.Name, v, ok, w, wok)
				}
			}
		}
	}
}

func writeShapeRows(t *testing.T, c *Converter, m *metricCtx, b *table.Batch, rows []shapeRow) {
	t.Helper()
	for _, r := range rows {
		c.rowTags = append(c.rowTags[:0], r.tags...)
		extraName := ""
		if r.extra != "" {
			extraName = "le"
		}
		// Timestamps in milliseconds equal to the row's index.
		if err := c.writeRow(m, b, uint64(b.Rows())*1_000_000, extraName, r.extra, r.value, r.has); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriteRowShape writes rows whose tag names repeat, change order, gain
// a column and switch between tables, so rows go through both the cached
// shape and the checked path, and a batch reset under another column order.
func TestWriteRowShape(t *testing.T) {
	c := NewConverter()
	out := &translate.Output{}
	m := &metricCtx{db: translate.DefaultDatabaseOptions(), opts: &RequestOptions{}, out: out}
	b := out.Batch("public", "m_bucket")
	other := out.Batch("public", "m_count")
	rows := []shapeRow{
		{tags: []tag{{"a", "1"}, {"b", "2"}}, extra: "0.5", value: 1, has: true},
		{tags: []tag{{"a", "3"}, {"b", "4"}}, extra: "inf", value: 2, has: true},
		{tags: []tag{{"b", "5"}, {"a", "6"}}, extra: "inf", value: 3, has: true},
		{tags: []tag{{"a", "7"}, {"c", "8"}}, extra: "inf", value: 4, has: true},
		{tags: []tag{{"a", "9"}, {"c", "10"}}, extra: "inf", value: 5, has: true},
		{tags: []tag{{"a", "11"}, {"c", "12"}}, value: 6, has: true},
		{tags: []tag{{"a", "13"}, {"c", "14"}}},
		{tags: []tag{{"a", "15"}}, extra: "1", value: 7, has: true},
		{tags: []tag{{"a", "16"}, {"le", "own"}}, extra: "2", value: 8, has: true},
	}
	for i, r := range rows {
		writeShapeRows(t, c, m, b, rows[i:i+1])
		// Another table in between, as a histogram's _count.
		writeShapeRows(t, c, m, other, []shapeRow{{tags: r.tags, value: float64(i), has: true}})
		writeShapeRows(t, c, m, b, rows[i:i+1])
	}
	var twice []shapeRow
	for _, r := range rows {
		if r.tags[len(r.tags)-1].name == "le" {
			// A point attribute named le takes the bucket's value
			// (metrics.rs writes it as the same column).
			r.tags = append([]tag{}, r.tags...)
			r.tags[len(r.tags)-1].val = r.extra
			r.extra = ""
		}
		twice = append(twice, r, r)
	}
	checkShapeRows(t, b, twice, 0)

	// The batch reused for the same table with its columns in another
	// order and as many of them: the rows must land by name.
	b.Reset(false)
	b.Database, b.Table = "public", "m_bucket"
	for _, n := range []string{"le", "c", "b", "a"} {
		b.MustColumn(n, table.String, table.Tag)
	}
	b.MustColumn(colValue, table.Float64, table.Field)
	b.MustColumn(colTimestamp, table.TimestampMillisecond, table.Timestamp)
	again := twice[len(twice)-1:] // the shape the last row verified
	writeShapeRows(t, c, m, b, again)
	writeShapeRows(t, c, m, b, again)
	checkShapeRows(t, b, append(again, again...), 0)
}

// TestWriteRowSignature writes points whose attribute keys change while
// their count stays, so the key memo is rewritten under rows of the same
// length, within a metric and between two metrics of one table (a name
// repeated in the request) with another metric's points in between: a row
// must be laid out by its own names, never by a signature left by rows of
// other names, on the wire path and the pdata path alike.
func TestWriteRowSignature(t *testing.T) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "svc")
	sm := rm.ScopeMetrics().AppendEmpty()
	want := map[string][]shapeRow{}
	ts := map[string]int{}
	for _, mk := range []struct {
		name string
		keys [][]string
	}{
		{"g", [][]string{{"a", "b"}, {"a", "b"}, {"a", "c"}, {"a", "c"}, {"a", "b"}, {"c", "b"}, {"c", "b"}, {"a", "b"}, {"a", "b"}}},
		{"h", [][]string{{"a", "c"}, {"a", "c"}}},
		{"g", [][]string{{"a", "c"}, {"a", "c"}}},
	} {
		g := sm.Metrics().AppendEmpty()
		g.SetName(mk.name)
		dps := g.SetEmptyGauge().DataPoints()
		for _, ks := range mk.keys {
			i := ts[mk.name]
			ts[mk.name]++
			dp := dps.AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(int64(i) * 1_000_000))
			dp.SetDoubleValue(float64(i))
			r := shapeRow{tags: []tag{{"service_name", "svc"}, {"job", "svc"}}, value: float64(i), has: true}
			for j, k := range ks {
				v := itoa(i*10 + j)
				dp.Attributes().PutStr(k, v)
				r.tags = append(r.tags, tag{k, v})
			}
			want[mk.name] = append(want[mk.name], r)
		}
	}
	body, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, wire := range []bool{false, true} {
		c := NewConverter()
		out := &translate.Output{}
		if wire {
			if ok, err := c.MetricsProto(context.Background(), body, translate.DefaultDatabaseOptions(), &RequestOptions{}, out); err != nil || !ok {
				t.Fatalf("wire: %v, %v", ok, err)
			}
		} else if err := c.Metrics(context.Background(), md, translate.DefaultDatabaseOptions(), &RequestOptions{}, out); err != nil {
			t.Fatal(err)
		}
		if len(out.Batches) != len(want) {
			t.Fatalf("wire %v: %d batches, want %d", wire, len(out.Batches), len(want))
		}
		for _, b := range out.Batches {
			rows := want[b.Table]
			if b.Rows() != len(rows) {
				t.Fatalf("wire %v: table %s has %d rows, want %d", wire, b.Table, b.Rows(), len(rows))
			}
			checkShapeRows(t, b, rows, 0)
		}
	}
}
