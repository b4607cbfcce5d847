package prom

// specialLabels collects the labels that select a series' metric, database
// and physical table instead of becoming tag columns (decode.rs and v2.rs):
// __schema__ always wins the database, otherwise the first of
// x_greptime_database / __database__; the last physical-table label wins.
type specialLabels struct {
	metric, db, phys          []byte
	hasMetric, hasDB, hasPhys bool
}

// take records name=value when it is one of the special labels and reports
// whether it was.
func (s *specialLabels) take(name, value []byte) bool {
	switch string(name) {
	case labelName:
		s.metric, s.hasMetric = value, true
	case labelSchema:
		s.db, s.hasDB = value, true
	case labelDatabase, labelDatabaseAlt:
		if !s.hasDB {
			s.db, s.hasDB = value, true
		}
	case labelPhysicalTable, labelPhysicalTableAlt:
		s.phys, s.hasPhys = value, true
	default:
		return false
	}
	return true
}
