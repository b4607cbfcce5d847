package greptimetest

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// writeBatch checks one record batch against its table the way the bulk
// path does and stores its rows with PathBulk. It returns the affected
// rows.
func (f *flightService) writeBatch(db dbKey, name string, rec arrow.RecordBatch) (int, error) {
	// An empty batch is answered with 0 before anything else
	// (operator/src/bulk_insert.rs Inserter::handle_bulk_insert).
	if rec.NumRows() == 0 {
		return 0, nil
	}
	ti, err := f.s.lookupTable(db, name)
	if err != nil {
		return 0, err
	}
	var phys *TableInfo
	if ti.PhysicalTable != "" {
		p, err := f.s.lookupTable(db, ti.PhysicalTable)
		if err != nil {
			return 0, err
		}
		phys = &p
	}
	plan, err := planBulk(ti, phys, f.s.flightRegion(db, name), rec)
	if err != nil {
		return 0, err
	}
	n := int(rec.NumRows())
	rows := make([][]table.Value, n)
	if f.s.opts.CountOnly {
		// Count-only keeps no values: the batch is checked, not converted.
		return f.s.appendRows(db, name, plan.names, rows, PathBulk)
	}
	flat := make([]table.Value, n*len(plan.names))
	for i := range rows {
		row := flat[i*len(plan.names) : (i+1)*len(plan.names) : (i+1)*len(plan.names)]
		for j, get := range plan.getters {
			row[j] = get(i)
		}
		rows[i] = row
	}
	return f.s.appendRows(db, name, plan.names, rows, PathBulk)
}

// flightRegion is the table's region id as error messages print it.
func (s *Server) flightRegion(k dbKey, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.table(k, name); t != nil {
		return t.regionID()
	}
	return ""
}

// bulkPlan names the table columns a batch writes and how to read them.
type bulkPlan struct {
	names   []string
	getters []valueGetter
}

// planBulk applies, in the server's order, the checks a batch meets on its
// way to the memtable:
//
//  1. metric-engine logical tables: every batch column must exist in the
//     physical table (metric-engine/src/engine/bulk_insert.rs
//     resolve_tag_columns_from_metadata, ColumnNotFound, §3.5);
//  2. the time index must be present
//     (mito2/src/worker/handle_bulk_insert.rs handle_bulk_insert_batch);
//  3. it must be an Arrow timestamp: the real server unwraps
//     timestamp_array_to_primitive there and panics its region worker
//     (§7.4); the test server answers Internal instead;
//  4. table columns missing from the batch are filled with their DEFAULT
//     or NULL, and a NOT NULL one without default is refused
//     (mito2/src/memtable/bulk/part.rs BulkPart::fill_missing_columns);
//     logical tables skip this, their requests carry an aligned schema
//     version;
//  5. the batch is rebuilt in the region's flat layout (tags in primary-key
//     order, fields, time index) with RecordBatch::try_new
//     (part.rs convert_bulk_part): nullability, then exact types; string
//     tags are cast, so any string layout passes (§7.2); batch columns the
//     table lacks are never picked, so they are dropped silently (§7.3).
func planBulk(ti TableInfo, phys *TableInfo, region string, rec arrow.RecordBatch) (bulkPlan, error) {
	sc := rec.Schema()
	if phys != nil {
		for _, fl := range sc.Fields() {
			if _, ok := phys.Column(fl.Name); !ok {
				return bulkPlan{}, newErr(StatusTableColumnNotFound, "Column %s not found in logical region %s", fl.Name, region)
			}
		}
	}
	tsIdx := sc.FieldIndices(ti.TimeIndex)
	if len(tsIdx) == 0 {
		return bulkPlan{}, newErr(StatusInvalidArguments, "Invalid request to region %s, reason: timestamp column `%s` not found", region, ti.TimeIndex)
	}
	if _, ok := sc.Field(tsIdx[0]).Type.(*arrow.TimestampType); !ok {
		return bulkPlan{}, &Error{Code: StatusInternal, Msg: "time index " + ti.TimeIndex + " is " + rustType(sc.Field(tsIdx[0]).Type) + ", not a timestamp: the real server panics its region worker"}
	}
	if ti.Options["physical_metric_table"] != "" {
		return bulkPlan{}, physicalBulk(sc)
	}
	// convert_bulk_part looks columns up in a name → index map built in
	// field order, so the last of duplicate names wins.
	index := make(map[string]int, sc.NumFields())
	for i, fl := range sc.Fields() {
		index[fl.Name] = i
	}
	if phys == nil {
		for _, c := range ti.Columns {
			// The storage fills the DEFAULT, or NULL, of every column not
			// written (create_default_vector).
			if _, ok := index[c.Name]; !ok && !c.Nullable && c.Default == "" {
				return bulkPlan{}, newErr(StatusInvalidArguments, "Invalid request to region %s, reason: column %s does not have default value", region, c.Name)
			}
		}
	}
	layout := flatLayout(ti)
	for _, c := range layout {
		i, ok := index[c.Name]
		nullable := c.Nullable && c.Semantic != table.Timestamp
		if ok && !nullable && rec.Column(i).NullN() > 0 {
			return bulkPlan{}, newErr(StatusUnexpected, "Failed to create RecordBatch from vectors: Invalid argument error: Column '%s' is declared as non-nullable but contains null values", c.Name)
		}
	}
	var plan bulkPlan
	for pos, c := range layout {
		i, ok := index[c.Name]
		if !ok {
			continue
		}
		arr := rec.Column(i)
		want := arrowTypeOf(c)
		var get valueGetter
		if c.Semantic == table.Tag && c.Type == table.String {
			want = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint32, ValueType: arrow.BinaryTypes.String}
			if isStringType(arr.DataType()) {
				get = getterFor(arr, c)
			}
		} else if arrow.TypeEqual(want, arr.DataType()) {
			get = getterFor(arr, c)
		}
		if get == nil {
			return bulkPlan{}, newErr(StatusUnexpected,
				"Failed to create RecordBatch from vectors: Invalid argument error: column types must match schema types, expected %s but found %s at column index %d",
				rustType(want), rustType(arr.DataType()), pos)
		}
		plan.names = append(plan.names, c.Name)
		plan.getters = append(plan.getters, get)
	}
	return plan, nil
}

// flatLayout is the order of a region's flat memtable schema: primary-key
// columns, field columns in table order, then the time index
// (mito2/src/sst.rs to_flat_sst_arrow_schema).
func flatLayout(ti TableInfo) []ColumnInfo {
	out := make([]ColumnInfo, 0, len(ti.Columns))
	for _, pk := range ti.PrimaryKey {
		if c, ok := ti.Column(pk); ok {
			out = append(out, c)
		}
	}
	for _, c := range ti.Columns {
		if c.Semantic == table.Field {
			out = append(out, c)
		}
	}
	if c, ok := ti.Column(ti.TimeIndex); ok {
		out = append(out, c)
	}
	return out
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
