package prom

// specialLabels collects the labels that select a series' metric, database
// and physical table instead of becoming tag columns (decode.rs and v2.rs):
// __schema__ always wins the database, otherwise the first of
// x_greptime_database / __database__; the last physical-table label wins.
type specialLabels struct {
	metric, db, phys          []byte
	hasMetric, hasDB, hasPhys bool
	// seen has a bit per special name met; repeated is the first special
	// name met twice (refused in remote write 1.0, see errRepeated).
	seen     uint8
	repeated []byte
}

// take records name=value when it is one of the special labels and reports
// whether it was.
func (s *specialLabels) take(name, value []byte) bool {
	var bit uint8
	switch string(name) {
	case labelName:
		bit = 1
		s.metric, s.hasMetric = value, true
	case labelSchema:
		bit = 2
		s.db, s.hasDB = value, true
	case labelDatabase:
		bit = 4
		if !s.hasDB {
			s.db, s.hasDB = value, true
		}
	case labelDatabaseAlt:
		bit = 8
		if !s.hasDB {
			s.db, s.hasDB = value, true
		}
	case labelPhysicalTable:
		bit = 16
		s.phys, s.hasPhys = value, true
	case labelPhysicalTableAlt:
		bit = 32
		s.phys, s.hasPhys = value, true
	default:
		return false
	}
	if s.seen&bit != 0 && s.repeated == nil {
		s.repeated = name
	}
	s.seen |= bit
	return true
}
