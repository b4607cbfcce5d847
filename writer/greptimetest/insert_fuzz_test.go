package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"
)

// FuzzRowInserts feeds arbitrary RowInsertRequests (decoded from bytes, as
// from the network) with arbitrary hints to the row-insert path twice, so
// the second call meets the tables the first created: it must answer or
// refuse, never panic.
func FuzzRowInserts(f *testing.F) {
	seed := func(reqs []*gpb.RowInsertRequest, hint string) {
		b, err := proto.Marshal(&gpb.RowInsertRequests{Inserts: reqs})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, hint)
	}
	seed([]*gpb.RowInsertRequest{req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1)))}, "")
	seed([]*gpb.RowInsertRequest{req("up", promSchema("job"), row(tv(1), fv(1), sv("x")))}, "physical_table=phy")
	seed([]*gpb.RowInsertRequest{req("j", cols(ts("ts"), field("doc", gpb.ColumnDataType_JSON)), row(tv(1), sv(`{"a":1}`)))}, "append_mode=true")
	seed([]*gpb.RowInsertRequest{req("v", cols(&gpb.ColumnSchema{ColumnName: "v", Datatype: gpb.ColumnDataType_VECTOR}, ts("ts")), row(null(), tv(1)))}, "ttl=1d")
	seed([]*gpb.RowInsertRequest{req("t", cols(ts("ts"), field("x", gpb.ColumnDataType_DECIMAL128)), row(tv(1), null()), row(tv(2)))}, "auto_create_table=false")
	f.Fuzz(func(t *testing.T, data []byte, hint string) {
		var reqs gpb.RowInsertRequests
		if proto.Unmarshal(data, &reqs) != nil {
			return
		}
		s := &Server{autoCreate: true, dbs: map[dbKey]*database{}, nextTableID: minUserTableID - 1}
		k := dbKey{defaultCatalog, defaultSchema}
		s.dbs[k] = &database{key: k, tables: map[string]*tableState{}}
		h := extractHints(map[string][]string{hintsKey: {hint}})
		for i := 0; i < 2; i++ {
			again := proto.Clone(&reqs).(*gpb.RowInsertRequests)
			_, _ = s.rowInserts(k, h, again)
		}
		for _, name := range s.Tables("public") {
			_ = s.Rows("public", name)
		}
	})
}
