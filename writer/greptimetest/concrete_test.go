package greptimetest

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestSameConcreteTypeMatchesDebugForm checks the allocation-free
// comparison against the Debug strings it stands for, on every pair of
// types (plus unknown ones) and on decimal and vector parameters.
func TestSameConcreteTypeMatchesDebugForm(t *testing.T) {
	var cs []ColumnInfo
	for dt := table.DataType(0); dt < 45; dt++ {
		cs = append(cs, ColumnInfo{Type: dt})
	}
	cs = append(cs, ColumnInfo{Type: table.Decimal128, Precision: 10, Scale: 2}, ColumnInfo{Type: table.Decimal128, Precision: 10, Scale: 3},
		ColumnInfo{Type: table.Vector, VectorDim: 3}, ColumnInfo{Type: table.Vector, VectorDim: 4}, ColumnInfo{Type: 99})
	for _, a := range cs {
		for _, b := range cs {
			want := concreteTypeDebug(a) == concreteTypeDebug(b)
			if got := sameConcreteType(a, b); got != want {
				t.Errorf("sameConcreteType(%s, %s) = %v, want %v", concreteTypeDebug(a), concreteTypeDebug(b), got, want)
			}
		}
	}
}
