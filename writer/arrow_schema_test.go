package writer

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestArrowTypeOfEveryType(t *testing.T) {
	for _, typ := range table.AllDataTypes {
		dt, err := arrowTypeOf("t", table.ColumnSchema{Name: "c", Type: typ})
		want, ok := bulkArrowTypes[typ]
		if !ok {
			var ie *InvalidInputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), unsupportedBulkType) || ie.Column != "c" {
				t.Errorf("%s: got %v, %v; want the unsupported-type error naming column c", typ, dt, err)
			}
			continue
		}
		if err != nil || dt.String() != want {
			t.Errorf("%s: got %v, %v; want %s", typ, dt, err, want)
		}
		if ts, isTS := dt.(*arrow.TimestampType); isTS && ts.TimeZone != "" {
			t.Errorf("%s: timestamp carries time zone %q", typ, ts.TimeZone)
		}
	}
}

func TestBulkArrowSchemaFieldsAndRefusals(t *testing.T) {
	s, err := bulkArrowSchema("t", table.NewSchema("t").Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).
		JSON("doc").Decimal("d", 10, 2).Columns)
	if err != nil {
		t.Fatal(err)
	}
	host, ts, doc, d := s.Field(0), s.Field(1), s.Field(2), s.Field(3)
	if !host.Nullable || ts.Nullable || !doc.Nullable {
		t.Errorf("nullability: host %v ts %v doc %v; only the time index is non-nullable", host.Nullable, ts.Nullable, doc.Nullable)
	}
	if v, _ := host.Metadata.GetValue(arrowMetaSemanticType); v != "tag" {
		t.Errorf("host semantic metadata %q", v)
	}
	if v, _ := ts.Metadata.GetValue(arrowMetaSemanticType); v != "timestamp" {
		t.Errorf("ts semantic metadata %q", v)
	}
	if v, _ := doc.Metadata.GetValue(arrowMetaType); v != "Json" {
		t.Errorf("doc type metadata %q", v)
	}
	if d.Type.String() != "decimal(10, 2)" {
		t.Errorf("decimal type %s", d.Type)
	}

	refused := map[string][]table.ColumnSchema{
		"interval":         table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("iv", table.IntervalMonthDayNano).Columns,
		"vector":           table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Vector("v", 3).Columns,
		"no time index":    table.NewSchema("t").Field("v", table.Float64).Columns,
		"two time indexes": table.NewSchema("t").Timestamp("a", table.TimestampSecond).Timestamp("b", table.TimestampSecond).Columns,
		"datetime index":   table.NewSchema("t").Timestamp("ts", table.Datetime).Columns,
		"int index":        table.NewSchema("t").Timestamp("ts", table.Int64).Columns,
		"duplicate":        table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("ts", table.Int64).Columns,
		"bad decimal":      table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Decimal("d", 40, 2).Columns,
		"empty":            nil,
	}
	for name, cols := range refused {
		t.Run(name, func(t *testing.T) {
			if _, err := bulkArrowSchema("t", cols); !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("got %v, want invalid input", err)
			}
		})
	}
}

func TestCheckTimeIndexRefusesZonedTimestamp(t *testing.T) {
	cols := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Columns
	zoned := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_ms}}, nil) // UTC
	err := checkTimeIndex("t", cols, zoned)
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "without time zone") {
		t.Fatalf("zoned time index: got %v", err)
	}
	notTS := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if err := checkTimeIndex("t", cols, notTS); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("int64 time index: got %v", err)
	}
}
