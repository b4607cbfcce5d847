package writer

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestTableTypesPinnedToGreptimeProto: the table model's data and semantic
// types are greptime-proto's enums by number (the writer casts one into
// the other); each number must carry the same name there.
func TestTableTypesPinnedToGreptimeProto(t *testing.T) {
	for _, dt := range table.AllDataTypes {
		want, ok := gpb.ColumnDataType_value[dt.String()]
		if !ok {
			t.Errorf("%s: no ColumnDataType of that name in greptime-proto", dt)
			continue
		}
		if int32(dt) != want {
			t.Errorf("%s is %d here and %d in greptime-proto", dt, int32(dt), want)
		}
	}
	for _, c := range []struct {
		sem  table.SemanticType
		name string
	}{{table.Tag, "TAG"}, {table.Field, "FIELD"}, {table.Timestamp, "TIMESTAMP"}} {
		if got := gpb.SemanticType_value[c.name]; int32(c.sem) != got {
			t.Errorf("%s is %d here and %d in greptime-proto", c.name, int32(c.sem), got)
		}
	}
}
