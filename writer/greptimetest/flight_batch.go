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
	region := f.s.flightRegion(db, name)
	var plan bulkPlan
	if ti.PhysicalTable == "" {
		plan, err = planMito(ti, region, rec)
	} else {
		// A metric-engine logical table: checked against its physical table.
		phys, perr := f.s.lookupTable(db, ti.PhysicalTable)
		if perr != nil {
			return 0, perr
		}
		plan, err = planLogical(ti, phys, region, f.s.flightRegion(db, phys.Name), rec)
	}
	if err != nil {
		return 0, err
	}
	n := int(rec.NumRows())
	rows := make([][]table.Value, n)
	if f.s.opts.CountOnly {
		// Count-only keeps no values: the batch is checked, not converted.
		// It was decoded in full (LZ4/zstd bodies decompressed): GreptimeDB
		// decodes the batch before its checks (nullability needs the
		// validity bitmaps), so the load mode does too.
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

// planMito applies, in the server's order, the checks a batch meets on its
// way to a mito memtable:
//
//  1. the time index must be present and an Arrow timestamp (bulkCheckTimeIndex);
//  2. table columns missing from the batch are filled with their DEFAULT
//     or NULL, and a NOT NULL one without default is refused
//     (mito2/src/memtable/bulk/part.rs BulkPart::fill_missing_columns);
//  3. the primary key is encoded from the tags (bulkEncodeKeys);
//  4. the batch is rebuilt in the region's flat layout (tags in primary-key
//     order, fields, time index) with RecordBatch::try_new
//     (part.rs convert_bulk_part): nullability, then exact types; string
//     tags are cast, so any string layout passes (§7.2); batch columns the
//     table lacks are never picked, so they are dropped silently (§7.3).
func planMito(ti TableInfo, region string, rec arrow.RecordBatch) (bulkPlan, error) {
	sc := rec.Schema()
	if err := bulkCheckTimeIndex(sc, ti.TimeIndex, region); err != nil {
		return bulkPlan{}, err
	}
	if ti.Options["physical_metric_table"] != "" {
		return bulkPlan{}, physicalBulk(sc)
	}
	index := bulkColumnIndex(sc)
	for _, c := range ti.Columns {
		// The storage fills the DEFAULT, or NULL, of every column not
		// written (create_default_vector).
		if _, ok := index[c.Name]; !ok && !c.Nullable && c.Default == "" {
			return bulkPlan{}, newErr(StatusInvalidArguments, "Invalid request to region %s, reason: column %s does not have default value", region, c.Name)
		}
	}
	if err := bulkEncodeKeys(ti, index, rec); err != nil {
		return bulkPlan{}, err
	}
	layout := bulkFlatLayout(ti)
	getters, err := bulkRebuild(layout, index, rec)
	if err != nil {
		return bulkPlan{}, err
	}
	var plan bulkPlan
	for i, c := range layout {
		if getters[i] != nil {
			plan.names = append(plan.names, c.Name)
			plan.getters = append(plan.getters, getters[i])
		}
	}
	return plan, nil
}

// bulkCheckTimeIndex is the region worker's first look at a batch
// (mito2/src/worker/handle_bulk_insert.rs handle_bulk_insert_batch): the
// time index must be present, found by name (first match), and be an
// Arrow timestamp. The real server unwraps timestamp_array_to_primitive
// there and panics its region worker on anything else (§7.4); the test
// server answers Internal instead.
func bulkCheckTimeIndex(sc *arrow.Schema, ts, region string) error {
	idx := sc.FieldIndices(ts)
	if len(idx) == 0 {
		return newErr(StatusInvalidArguments, "Invalid request to region %s, reason: timestamp column `%s` not found", region, ts)
	}
	if t := sc.Field(idx[0]).Type; t.ID() != arrow.TIMESTAMP {
		return &Error{Code: StatusInternal, Msg: "time index " + ts + " is " + rustType(t) + ", not a timestamp: the real server panics its region worker"}
	}
	return nil
}

// bulkColumnIndex maps names to batch columns the way convert_bulk_part does:
// a map built in field order, so the last of duplicate names wins.
func bulkColumnIndex(sc *arrow.Schema) map[string]int {
	index := make(map[string]int, sc.NumFields())
	for i, fl := range sc.Fields() {
		index[fl.Name] = i
	}
	return index
}

// bulkRebuild checks the batch columns of layout as RecordBatch::try_new does
// when convert_bulk_part builds the region batch: first NULLs in
// non-nullable columns (the time index, NOT NULL fields), then exact types,
// reporting the position in layout. Columns absent from the batch were
// filled with correct values and are skipped. String TAG columns are cast
// to Dictionary(UInt32, Utf8), so any string layout passes. It returns one
// getter per layout column, nil for absent ones.
func bulkRebuild(layout []ColumnInfo, index map[string]int, rec arrow.RecordBatch) ([]valueGetter, error) {
	const prefix = "Failed to create RecordBatch from vectors: Invalid argument error: "
	for _, c := range layout {
		i, ok := index[c.Name]
		nullable := c.Nullable && c.Semantic != table.Timestamp
		if ok && !nullable && rec.Column(i).NullN() > 0 {
			return nil, newErr(StatusUnexpected, prefix+"Column '%s' is declared as non-nullable but contains null values", c.Name)
		}
	}
	getters := make([]valueGetter, len(layout))
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
			switch {
			case isStringType(arr.DataType()):
				get = arrowGetter(arr, c)
			case arr.NullN() == arr.Len():
				// arrow's cast of an all-NULL column to a string
				// dictionary succeeds whatever its type.
				get = func(int) table.Value { return table.Null() }
			}
		} else if arrow.TypeEqual(want, arr.DataType()) {
			get = arrowGetter(arr, c)
		}
		if get == nil {
			return nil, newErr(StatusUnexpected,
				prefix+"column types must match schema types, expected %s but found %s at column index %d",
				rustType(want), rustType(arr.DataType()), pos)
		}
		getters[pos] = get
	}
	return getters, nil
}

// bulkFlatLayout is the order of a region's flat memtable schema: primary-key
// columns, field columns in table order, then the time index
// (mito2/src/sst.rs to_flat_sst_arrow_schema).
func bulkFlatLayout(ti TableInfo) []ColumnInfo {
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
