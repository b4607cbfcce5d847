package greptimetest

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// planLogical applies, in the server's order, the checks a batch for a
// metric-engine logical table meets (metric-engine/src/engine/bulk_insert.rs
// bulk_insert_logical_region, then the physical table's data region):
//
//  1. every batch column must exist in the physical table, else
//     ColumnNotFound naming the logical region
//     (resolve_tag_columns_from_metadata, §3.5);
//  2. the logical table's tag columns must be strings
//     (batch_modifier.rs build_tag_arrays);
//  3. the tags are encoded into __primary_key and the other columns go to
//     the data region with an aligned schema version, so nothing is filled:
//     the time index is checked there (bulkCheckTimeIndex), then
//     convert_bulk_part picks every field of the physical table (a missing
//     one is mito's ColumnNotFound) and the time index, and rebuilds them
//     with exact types. Columns of other logical tables are not written.
func planLogical(ti, phys TableInfo, region, dataRegion string, rec arrow.RecordBatch) (bulkPlan, error) {
	sc := rec.Schema()
	for _, fl := range sc.Fields() {
		if _, ok := phys.Column(fl.Name); !ok {
			return bulkPlan{}, newErr(StatusTableColumnNotFound, "Column %s not found in logical region %s", fl.Name, region)
		}
	}
	var plan bulkPlan
	for i, fl := range sc.Fields() {
		c, ok := ti.Column(fl.Name)
		if !ok || c.Semantic != table.Tag {
			continue
		}
		if !isStringType(fl.Type) {
			return bulkPlan{}, newErr(StatusInvalidArguments, "Unexpected request: Tag column '%s' must be a string, given: %s", fl.Name, rustType(fl.Type))
		}
		plan.names = append(plan.names, c.Name)
		plan.getters = append(plan.getters, arrowGetter(rec.Column(i), c))
	}
	if err := bulkCheckTimeIndex(sc, phys.TimeIndex, dataRegion); err != nil {
		return bulkPlan{}, err
	}
	index := bulkColumnIndex(sc)
	var layout []ColumnInfo
	for _, c := range phys.Columns {
		if c.Semantic == table.Field {
			if _, ok := index[c.Name]; !ok {
				return bulkPlan{}, newErr(StatusInvalidArguments, "Column not found, column: %s", c.Name)
			}
			layout = append(layout, c)
		}
	}
	if c, ok := phys.Column(phys.TimeIndex); ok {
		layout = append(layout, c)
	}
	getters, err := bulkRebuild(layout, index, rec)
	if err != nil {
		return bulkPlan{}, err
	}
	for i, c := range layout {
		if _, ok := ti.Column(c.Name); ok && getters[i] != nil {
			plan.names = append(plan.names, c.Name)
			plan.getters = append(plan.getters, getters[i])
		}
	}
	return plan, nil
}

// physicalBulk answers a bulk write into a metric engine's physical table.
// The metric engine passes it to the data region as already in physical
// format (metric-engine/src/engine/bulk_insert.rs
// bulk_insert_physical_region), where convert_bulk_part looks for the
// encoded __primary_key column that only the engine's own batcher
// produces; without it the write fails. With it, the test server cannot
// decode the sparse key and answers Unimplemented.
func physicalBulk(sc *arrow.Schema) error {
	if !sc.HasField("__primary_key") {
		return newErr(StatusInvalidArguments, "Column not found, column: __primary_key")
	}
	return newErr(StatusUnsupported, "greptimetest: bulk writes of encoded rows into a physical metric table are not implemented")
}
