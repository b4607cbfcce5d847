package greptimetest

import (
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// metricRegionErr is the metric engine's InvalidRequest
// (metric-engine/src/error.rs): "Invalid request for region <id>, reason:
// ...", InvalidArguments.
func metricRegionErr(t *tableState, format string, args ...any) *Error {
	return newErr(StatusInvalidArguments, "Invalid request for region %s, reason: %s", t.regionID(), fmt.Sprintf(format, args...))
}

// checkWriteLogical validates a write to a metric-engine logical table as
// the metric engine's put path does (metric-engine/src/engine/put.rs
// verify_rows): every request column must exist in the physical table
// (ColumnNotFound, 4002) with the same type and semantic type, the time
// index must be present, and fields must belong to the logical table.
// Tags the physical table has but this logical table lacks pass and are
// not stored here (GreptimeDB keeps them in the shared physical table,
// outside the logical table's schema). Value variants and NULLs are then
// checked as mito2 checks the rewritten rows, with the physical table's
// region id. Callers hold s.mu.
func (s *Server) checkWriteLogical(t *tableState, r *insertReq, w *pendingWrite) error {
	p := s.table(parseDB(t.info.Database), t.info.PhysicalTable)
	if p == nil {
		return tableNotFound(parseDB(t.info.Database), t.info.PhysicalTable)
	}
	schema := r.schema
	hasTS := false
	for _, cs := range schema {
		j, ok := p.idx[cs.GetColumnName()]
		if !ok {
			return newErr(StatusTableColumnNotFound, "Column %s not found in logical region %s", cs.GetColumnName(), t.regionID())
		}
		pc := p.info.Columns[j]
		in := columnFromProto(cs)
		if !sameConcreteType(in, pc) {
			return metricRegionErr(t, "column %s expect type %s, given: %s(%d)",
				cs.GetColumnName(), concreteTypeDebug(pc), protoTypeName(in.Type), int32(in.Type))
		}
		if in.Semantic != pc.Semantic {
			return metricRegionErr(t, "column %s expect semantic type %s, given: %s(%d)",
				cs.GetColumnName(), semanticDebug(pc.Semantic), in.Semantic.String(), int32(in.Semantic))
		}
		hasTS = hasTS || cs.GetColumnName() == p.info.TimeIndex
	}
	if !hasTS {
		return metricRegionErr(t, "missing required time index column %s", p.info.TimeIndex)
	}
	for _, cs := range schema {
		if cs.GetSemanticType() != gpb.SemanticType_FIELD {
			continue
		}
		if j, ok := t.idx[cs.GetColumnName()]; !ok || t.info.Columns[j].Semantic != table.Field {
			return metricRegionErr(t, "field column %s does not belong to logical region %s", cs.GetColumnName(), t.regionID())
		}
	}
	*w = pendingWrite{t: t, pos: make([]int, len(schema)), n: r.numRows(), rows: r.rows}
	for i, cs := range schema {
		w.pos[i] = -1
		if j, ok := t.idx[cs.GetColumnName()]; ok {
			w.pos[i] = j
		}
	}
	// Variants and NULLs in row order: the first bad value decides the error.
	col := 0
	for _, k := range r.kinds {
		cs := schema[col]
		ct := table.DataType(cs.GetDatatype())
		if k != kindNull && !valueTypeMatches(ct, table.DataType(k)) {
			return regionErr(p, "value has type %s, but column %s has type %s(%d)",
				rustTypeName(table.DataType(k)), cs.GetColumnName(), rustTypeName(ct), int32(ct))
		}
		if k == kindNull && w.pos[col] >= 0 && !t.info.Columns[w.pos[col]].Nullable {
			return regionErr(p, "column %s is not null but input has null", cs.GetColumnName())
		}
		if col++; col == len(schema) {
			col = 0
		}
	}
	return nil
}
