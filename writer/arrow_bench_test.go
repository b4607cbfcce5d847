package writer

import (
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// wideBatch is the benchmark table: 20 columns, 5 string tags, the time
// index and 14 fields mixing float64, int64, string and bool.
func wideBatch(tb testing.TB, rows int) *table.Batch {
	tb.Helper()
	s := table.NewSchema("bench")
	for i := 0; i < 5; i++ {
		s.Tag(fmt.Sprintf("tag%d", i), table.String)
	}
	s.Timestamp("ts", table.TimestampMillisecond)
	fieldTypes := []table.DataType{table.Float64, table.Int64, table.String, table.Boolean}
	for i := 0; i < 14; i++ {
		s.Field(fmt.Sprintf("f%d", i), fieldTypes[i%len(fieldTypes)])
	}
	b := s.NewBatch("")
	for r := 0; r < rows; r++ {
		for i := 0; i < 5; i++ {
			b.Col(i).AppendString(fmt.Sprintf("value-%d-%d", i, r%100))
		}
		b.Col(5).AppendInt64(1_700_000_000_000 + int64(r))
		for i := 0; i < 14; i++ {
			c := b.Col(6 + i)
			switch c.Type {
			case table.Float64:
				c.AppendFloat64(float64(r) * 0.5)
			case table.Int64:
				c.AppendInt64(int64(r * i))
			case table.String:
				c.AppendString("some field text")
			case table.Boolean:
				c.AppendBool(r%2 == 0)
			}
		}
		if err := b.EndRow(); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

func BenchmarkArrowConversion(b *testing.B) {
	for _, rows := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			batch := wideBatch(b, rows)
			ac, err := newArrowConverter("bench", batchColumns(batch), memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec, err := ac.convert(batch)
				if err != nil {
					b.Fatal(err)
				}
				rec.Release()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkBulkEncode is the client's whole per-batch cost on the bulk path
// without a server: conversion plus IPC encoding with each body codec.
func BenchmarkBulkEncode(b *testing.B) {
	for _, comp := range []BulkCompression{BulkNoCompression, BulkLZ4, BulkZstd} {
		for _, rows := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("codec=%s/rows=%d", comp, rows), func(b *testing.B) {
				batch := wideBatch(b, rows)
				ac, err := newArrowConverter("bench", batchColumns(batch), memory.DefaultAllocator)
				if err != nil {
					b.Fatal(err)
				}
				o := bulkOptions{compression: comp, mem: memory.DefaultAllocator}
				w := ipc.NewWriter(io.Discard, append(o.ipcOptions(), ipc.WithSchema(ac.Schema()))...)
				defer w.Close()
				b.ReportAllocs()
				for b.Loop() {
					rec, err := ac.convert(batch)
					if err != nil {
						b.Fatal(err)
					}
					if err := w.Write(rec); err != nil {
						b.Fatal(err)
					}
					rec.Release()
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
