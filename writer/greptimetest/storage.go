package greptimetest

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Path is the ingestion path that wrote a row.
type Path int

// The ingestion paths.
const (
	PathRowInsert Path = iota + 1 // GreptimeDatabase Handle / HandleRequests
	PathBulk                      // Arrow Flight DoPut
)

// String returns "row-insert" or "bulk".
func (p Path) String() string {
	switch p {
	case PathRowInsert:
		return "row-insert"
	case PathBulk:
		return "bulk"
	}
	return "Path(" + strconv.Itoa(int(p)) + ")"
}

// appendRows stores rows given by column name into a table, for the DoPut
// path. columns name each value's column; every name must be a column of
// the table (callers drop or refuse others first: mito drops extra bulk
// columns, §7.3, the metric engine refuses them, §3.5). Table columns not
// named are filled with their default or NULL; a missing NOT NULL column
// without a default is refused as mito2 does ("missing column c",
// mito2/src/request.rs check_missing_column).
// It returns the number of rows written.
func (s *Server) appendRows(k dbKey, name string, columns []string, rows [][]table.Value, path Path) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(k, name)
	if t == nil {
		return 0, tableNotFound(k, name)
	}
	pos := make([]int, len(columns))
	given := make([]bool, len(t.info.Columns))
	for i, c := range columns {
		j, ok := t.idx[c]
		if !ok {
			return 0, newErr(StatusTableColumnNotFound, "column %s not found in table %s", c, name)
		}
		pos[i] = j
		given[j] = true
	}
	for j, c := range t.info.Columns {
		if !given[j] && !c.Nullable && c.Default == "" {
			return 0, regionErr(t, "missing column %s", c.Name)
		}
	}
	for _, r := range rows {
		for i, v := range r {
			if v.IsNull() && !t.info.Columns[pos[i]].Nullable {
				return 0, regionErr(t, "column %s is not null but input has null", t.info.Columns[pos[i]].Name)
			}
		}
	}
	if s.opts.CountOnly {
		// Nothing is kept, so no full rows are built: building them cost
		// most of a count-only DoPut's CPU (an allocation per row).
		t.paths[path] += len(rows)
		t.count += len(rows)
		return len(rows), nil
	}
	now := time.Now()
	for _, r := range rows {
		full := make([]table.Value, len(t.info.Columns))
		for i, v := range r {
			full[pos[i]] = v
		}
		fillDefaults(t.info.Columns, given, full, now)
		s.store(t, full, path)
	}
	return len(rows), nil
}

// store keeps one full row (in table column order). Callers hold s.mu.
//
// Rows with equal primary key and time index replace each other unless the
// table is in append mode (mito2 dedup: merge_mode last_row by default,
// last_non_null keeps earlier non-null fields; mito2/src/read/dedup.rs). A
// replaced row keeps its position so Rows reads back in insertion order.
func (s *Server) store(t *tableState, row []table.Value, path Path) {
	t.paths[path]++
	if s.opts.CountOnly {
		t.count++
		return
	}
	if t.appendMode() {
		t.rows = append(t.rows, row)
		t.count = len(t.rows)
		return
	}
	s.keyBuf = t.appendDedupKey(s.keyBuf[:0], row)
	if i, ok := t.keys[string(s.keyBuf)]; ok {
		if strings.EqualFold(t.info.Options["merge_mode"], "last_non_null") {
			old := t.rows[i]
			for j, v := range row {
				if v.IsNull() && j < len(old) {
					row[j] = old[j]
				}
			}
		}
		t.rows[i] = row
		return
	}
	t.keys[string(s.keyBuf)] = len(t.rows)
	t.rows = append(t.rows, row)
	t.count = len(t.rows)
}

// appendDedupKey appends the encoding of the row's primary key and time
// index to b.
func (t *tableState) appendDedupKey(b []byte, row []table.Value) []byte {
	for _, pk := range t.info.PrimaryKey {
		b = appendValueKey(b, row, t.idx[pk])
	}
	return appendValueKey(b, row, t.idx[t.info.TimeIndex])
}

func appendValueKey(b []byte, row []table.Value, i int) []byte {
	if i >= len(row) || row[i].IsNull() {
		return append(b, 'N', 0)
	}
	v := row[i]
	if x, ok := v.AsInt64(); ok {
		b = append(b, 'i')
		b = strconv.AppendInt(b, x, 10)
	} else if x, ok := v.AsUint64(); ok {
		b = append(b, 'u')
		b = strconv.AppendUint(b, x, 10)
	} else if x, ok := v.AsFloat64(); ok {
		b = append(b, 'f')
		b = strconv.AppendUint(b, math.Float64bits(x), 16)
	} else if x, ok := v.AsBool(); ok {
		b = append(b, 'b')
		b = strconv.AppendBool(b, x)
	} else if x, ok := v.AsString(); ok {
		b = append(b, 's')
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		b = append(b, x...)
	} else if x, ok := v.AsDecimal128(); ok {
		b = append(b, 'd')
		b = strconv.AppendInt(b, x.Hi, 16)
		b = strconv.AppendUint(b, x.Lo, 16)
	} else if x, ok := v.AsIntervalMDN(); ok {
		b = append(b, 'm')
		b = strconv.AppendInt(b, int64(x.Months), 10)
		b = strconv.AppendInt(b, int64(x.Days), 10)
		b = strconv.AppendInt(b, x.Nanoseconds, 10)
	}
	return append(b, 0)
}

// Rows returns a table's rows in column order, in insertion order after
// dedup. Rows written before a column was added read NULL for it. It is
// nil in count-only mode.
func (s *Server) Rows(db, name string) [][]table.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(parseDB(db), name)
	if t == nil {
		return nil
	}
	out := make([][]table.Value, len(t.rows))
	for i, r := range t.rows {
		full := make([]table.Value, len(t.info.Columns))
		copy(full, r)
		out[i] = full
	}
	return out
}

// RowCount returns the number of rows a table holds (after dedup; in
// count-only mode, the number of rows written).
func (s *Server) RowCount(db, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.table(parseDB(db), name); t != nil {
		return t.count
	}
	return 0
}

// PathCounts returns how many rows each path wrote to a table, counting
// every written row, including rows that replaced earlier ones.
func (s *Server) PathCounts(db, name string) map[Path]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[Path]int{}
	if t := s.table(parseDB(db), name); t != nil {
		for p, n := range t.paths {
			out[p] = n
		}
	}
	return out
}
