package greptimetest

import (
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Default metric column names (common/query/src/prelude.rs with
// default_column_prefix "greptime").
const (
	greptimeTimestamp = "greptime_timestamp"
	greptimeValue     = "greptime_value"
)

// createPhysicalOnDemand is create_physical_table_on_demand
// (operator/src/insert.rs): a missing physical table is created with
// greptime_timestamp TIMESTAMP(3) time index and greptime_value DOUBLE,
// engine metric, option physical_metric_table, and no hint options; with
// auto-create disabled it is an error. Callers hold s.mu.
func (s *Server) createPhysicalOnDemand(k dbKey, physical, reason string) error {
	if s.table(k, physical) != nil {
		return nil
	}
	if reason != "" {
		return invalidInsert("Physical table `%s` does not exist, and %s", physical, reason)
	}
	if s.db(k) == nil {
		return schemaNotFound(k)
	}
	if !namePattern.MatchString(physical) {
		return newErr(StatusInvalidArguments, "Invalid table name: %s", physical)
	}
	s.addTable(k, physicalTableInfo(physical))
	return nil
}

func physicalTableInfo(name string) TableInfo {
	return TableInfo{
		Name:   name,
		Engine: "metric",
		Columns: []ColumnInfo{
			{Name: greptimeTimestamp, Type: table.TimestampMillisecond, Semantic: table.Timestamp},
			{Name: greptimeValue, Type: table.Float64, Semantic: table.Field, Nullable: true},
		},
		TimeIndex: greptimeTimestamp,
		Options:   map[string]string{"physical_metric_table": "true"},
		Comment:   createdOnInsertion,
	}
}

// checkLogical applies the metric engine's checks on a new logical table
// (metric-engine/src/engine/create.rs verify_region_create_request and
// create_logical_regions): tags must be STRING, there must be exactly one
// field and it must be FLOAT64, the time index must have the physical
// table's unit, and only tag columns may be new to the physical table.
// Callers hold s.mu.
func (s *Server) checkLogical(k dbKey, physical string, ti *TableInfo) error {
	if err := checkMetricColumns(ti); err != nil {
		return err
	}
	var ts ColumnInfo
	for _, c := range ti.Columns {
		if c.Semantic == table.Timestamp {
			ts = c
		}
	}
	p := s.table(k, physical)
	if p == nil {
		return nil
	}
	pts := p.info.Columns[p.idx[p.info.TimeIndex]]
	if ts.Type != pts.Type {
		return newErr(StatusInvalidArguments,
			"Unexpected request: Metric has differenttime unit (%s) than the physical region (%s)",
			timeUnitDebug(ts.Type), timeUnitDebug(pts.Type))
	}
	// Columns the physical table lacks are added to it, and only tags may
	// be: a new field fails while collecting them
	// (engine/create/extract_new_columns.rs), a new time index when the
	// physical region is altered (data_region.rs assemble_alter_request).
	// So a new logical table must use the physical table's time index and
	// field names.
	var newTS string
	for _, c := range ti.Columns {
		if _, ok := p.idx[c.Name]; ok {
			continue
		}
		switch c.Semantic {
		case table.Field:
			return addingFieldColumn(c.Name)
		case table.Timestamp:
			newTS = c.Name
		}
	}
	if newTS != "" {
		return addingFieldColumn(newTS)
	}
	return nil
}

// checkLogicalAlter refuses what a logical table cannot gain: its new
// columns are added to the physical region, which takes only STRING tags
// (metric-engine/src/data_region.rs assemble_alter_request:
// ColumnTypeMismatch for other tags, AddingFieldColumn for a field, which
// a request with several fields keeps). Callers hold s.mu.
func (s *Server) checkLogicalAlter(k dbKey, physical string, cols []ColumnInfo) error {
	p := s.table(k, physical)
	for _, c := range cols {
		if p != nil {
			if _, ok := p.idx[c.Name]; ok {
				continue
			}
		}
		switch {
		case c.Semantic == table.Tag && c.Type != table.String:
			return newErr(StatusInvalidArguments, "Column type mismatch. Expect %s, got %s",
				concreteTypeDebug(ColumnInfo{Type: table.String}), concreteTypeDebug(c))
		case c.Semantic != table.Tag:
			return addingFieldColumn(c.Name)
		}
	}
	return nil
}

// checkMetricColumns is the column part of verify_region_create_request
// (metric-engine/src/engine/create.rs), for physical and logical tables
// alike: tags must be STRING and there must be exactly one field, a
// FLOAT64.
func checkMetricColumns(ti *TableInfo) error {
	var fields []ColumnInfo
	for _, c := range ti.Columns {
		switch c.Semantic {
		case table.Tag:
			if c.Type != table.String {
				return newErr(StatusInvalidArguments, "Column type mismatch. Expect %s, got %s",
					concreteTypeDebug(ColumnInfo{Type: table.String}), concreteTypeDebug(c))
			}
		case table.Field:
			fields = append(fields, c)
		}
	}
	switch {
	case len(fields) == 0:
		return newErr(StatusInvalidArguments, "No field column found")
	case len(fields) > 1:
		return newErr(StatusInvalidArguments, "Multiple field column found: %s and %s", fields[0].Name, fields[1].Name)
	case fields[0].Type != table.Float64:
		return newErr(StatusInvalidArguments, "Column type mismatch. Expect %s, got %s",
			concreteTypeDebug(ColumnInfo{Type: table.Float64}), concreteTypeDebug(fields[0]))
	}
	return nil
}

// addingFieldColumn is the metric engine's AddingFieldColumn
// (metric-engine/src/error.rs), InvalidArguments.
func addingFieldColumn(name string) *Error {
	return newErr(StatusInvalidArguments, "Adding field column %s to physical table", name)
}

// widenPhysical adds a logical table's new tag columns to its physical
// table as nullable STRING tags: the physical table holds the union of its
// logical tables' tags (metric-engine/src/engine/create.rs
// add_columns_to_physical_data_region), which a bulk write to a logical
// table checks (§3.5). Callers hold s.mu.
func (s *Server) widenPhysical(k dbKey, physical string, cols []ColumnInfo) {
	p := s.table(k, physical)
	if p == nil {
		return
	}
	var add []ColumnInfo
	for _, c := range cols {
		if c.Semantic != table.Tag {
			continue
		}
		if _, ok := p.idx[c.Name]; ok {
			continue
		}
		add = append(add, ColumnInfo{Name: c.Name, Type: table.String, Semantic: table.Tag, Nullable: true})
	}
	if len(add) > 0 {
		s.addColumns(p, add)
	}
}

// timeUnitDebug is common_time TimeUnit's Debug form.
func timeUnitDebug(t table.DataType) string {
	switch t {
	case table.TimestampSecond:
		return "Second"
	case table.TimestampMillisecond:
		return "Millisecond"
	case table.TimestampMicrosecond:
		return "Microsecond"
	case table.TimestampNanosecond:
		return "Nanosecond"
	}
	return t.String()
}
