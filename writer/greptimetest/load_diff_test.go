package greptimetest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// modes are the three servers a differential test feeds the same bytes:
// normal (stores rows), count-only (decodes in full, counts) and load
// (walks the bytes, counts).
type modes struct{ normal, countOnly, load *Server }

func newModes(opts Options) modes {
	n, c, l := opts, opts, opts
	c.CountOnly, l.Load = true, true
	return modes{newServer(n), newServer(c), newServer(l)}
}

// outcome is a call's answer as a client sees it.
func outcome(n uint32, err error) string {
	var ge *Error
	switch {
	case err == nil:
		return fmt.Sprintf("ok, %d rows", n)
	case errors.As(err, &ge):
		return fmt.Sprintf("greptime %d: %s", ge.Code, ge.Msg)
	}
	if st, ok := status.FromError(err); ok {
		return fmt.Sprintf("grpc %v: %s", st.Code(), st.Message())
	}
	return "decode: " + err.Error()
}

// step serves one request's wire bytes with hints on every mode and
// returns the outcomes, normal first.
func (m modes) step(data []byte, hint string) [3]string {
	h := extractHints(map[string][]string{hintsKey: {hint}})
	var out [3]string
	for i, s := range []*Server{m.normal, m.countOnly, m.load} {
		var n uint32
		var err error
		if s.opts.Load {
			lr := getLoadRequest()
			if err = lr.decode(data); err == nil {
				n, err = s.handleLoad(lr, h)
			}
			putLoadRequest(lr)
		} else {
			var req gpb.GreptimeRequest
			if err = proto.Unmarshal(data, &req); err == nil {
				n, err = s.handleRequest(&req, h)
			}
		}
		out[i] = outcome(n, err)
	}
	return out
}

// catalog prints every database's tables with their schemas and, when
// counts, their row counts per path.
func catalog(s *Server, counts bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for k, db := range s.dbs {
		for name, t := range db.tables {
			l := fmt.Sprintf("%s.%s %+v", k, name, t.info)
			if counts {
				l += fmt.Sprintf(" count=%d paths=%v", t.count, t.paths)
			}
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// check fails when the modes disagree on the catalog: schemas in all
// three, row counts between count-only and load (normal deduplicates).
func (m modes) check(t testing.TB) {
	t.Helper()
	if a, b := catalog(m.normal, false), catalog(m.load, false); a != b {
		t.Fatalf("catalogs differ:\nnormal:\n%s\nload:\n%s", a, b)
	}
	if a, b := catalog(m.countOnly, true), catalog(m.load, true); a != b {
		t.Fatalf("counts differ:\ncount-only:\n%s\nload:\n%s", a, b)
	}
}

// diffCase is one request of the differential corpus.
type diffCase struct {
	name string
	hint string
	req  *gpb.GreptimeRequest
}

func rowInsert(db string, reqs ...*gpb.RowInsertRequest) *gpb.GreptimeRequest {
	return &gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Dbname: db},
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: reqs}},
	}
}

// diffCorpus follows the row-insert test matrix (validate_test.go,
// metric_test.go, types_test.go, hints): creates, add-column, every
// schema and value check, the metric engine, hints, and the requests the
// load mode hands to the full decode.
func diffCorpus() []diffCase {
	one := func(table string, schema []*gpb.ColumnSchema, vals ...*gpb.Value) *gpb.GreptimeRequest {
		return rowInsert("public", req(table, schema, row(vals...)))
	}
	cs := []diffCase{
		{"create", "", one("cpu", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"dedup rows", "", rowInsert("public", req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1)), row(sv("a"), tv(1), fv(2)), row(sv("b"), tv(1), null())))},
		{"value type", "", one("cpu", cpuSchema(), sv("a"), tv(2), iv(1))},
		{"column type", "", one("cpu", cols(tag("host", gpb.ColumnDataType_STRING), ts("ts"), field("usage", gpb.ColumnDataType_INT64)), sv("a"), tv(2), iv(1))},
		{"semantic type", "", one("cpu", cols(field("host", gpb.ColumnDataType_STRING), ts("ts"), field("usage", gpb.ColumnDataType_FLOAT64)), sv("a"), tv(2), fv(1))},
		{"null time index", "", one("cpu", cpuSchema(), sv("a"), null(), fv(1))},
		{"duplicate column", "", one("cpu", cols(tag("host", gpb.ColumnDataType_STRING), ts("ts"), tag("host", gpb.ColumnDataType_STRING)), sv("a"), tv(1), sv("b"))},
		{"missing nullable", "", one("cpu", cols(tag("host", gpb.ColumnDataType_STRING), ts("ts")), sv("b"), tv(3))},
		{"missing time index", "", one("cpu", cols(tag("host", gpb.ColumnDataType_STRING), field("usage", gpb.ColumnDataType_FLOAT64)), sv("b"), fv(1))},
		{"empty", "", rowInsert("public", req("empty", cpuSchema()))},
		{"column count", "", rowInsert("public", req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1)), row(sv("a"), tv(1))))},
		{"add columns", "", one("cpu", append(cpuSchema(), tag("dc", gpb.ColumnDataType_STRING), field("temp", gpb.ColumnDataType_INT32)),
			sv("a"), tv(1), fv(2), sv("eu"), &gpb.Value{ValueData: &gpb.Value_I32Value{I32Value: 7}})},
		{"add datetime", "", one("cpu", append(cpuSchema(), field("d", gpb.ColumnDataType_DATETIME)), sv("a"), tv(1), fv(1), &gpb.Value{ValueData: &gpb.Value_DatetimeValue{DatetimeValue: 1}})},
		{"second time index", "", one("cpu", cols(tag("host", gpb.ColumnDataType_STRING), ts("time"), field("usage", gpb.ColumnDataType_FLOAT64)), sv("a"), tv(1), fv(1))},
		{"no auto-create", "auto_create_table=false", one("t2", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"unknown columns", "auto_create_table=false", one("cpu", append(cpuSchema(), field("new", gpb.ColumnDataType_INT64)), sv("a"), tv(2), fv(1), iv(1))},
		{"bad hint", "auto_create_table=maybe", one("cpu", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"read preference", "read_preference=follower", one("cpu", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"options", "ttl=7d,append_mode=true", one("logs", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"bad options", "ttl=7 parsecs", one("logs2", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"missing timestamp", "", one("t", cols(tag("h", gpb.ColumnDataType_STRING)), sv("a"))},
		{"two timestamps", "", one("t", cols(ts("a"), ts("b")), tv(1), tv(2))},
		{"list column", "", one("t", cols(ts("a"), field("l", gpb.ColumnDataType_LIST)), tv(1), null())},
		{"unknown type", "", one("t", cols(ts("a"), field("u", gpb.ColumnDataType(99))), tv(1), null())},
		{"fulltext", "", one("t", cols(ts("a"), &gpb.ColumnSchema{
			ColumnName: "n", Datatype: gpb.ColumnDataType_STRING, SemanticType: gpb.SemanticType_FIELD,
			Options: &gpb.ColumnOptions{Options: map[string]string{"fulltext": "{}"}},
		}), tv(1), sv("x"))},
		{"decimal", "", one("d", cols(ts("a"), &gpb.ColumnSchema{
			ColumnName: "x", Datatype: gpb.ColumnDataType_DECIMAL128, SemanticType: gpb.SemanticType_FIELD,
			DatatypeExtension: &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_DecimalType{DecimalType: &gpb.DecimalTypeExtension{Precision: 10, Scale: 2}}},
		}),
			tv(1), &gpb.Value{ValueData: &gpb.Value_Decimal128Value{Decimal128Value: &gpb.Decimal128{Hi: 1, Lo: 2}}})},
		{"invalid table name", "", one("9lives", cpuSchema(), sv("a"), tv(1), fv(1))},
		{"missing database", "", rowInsert("nope", req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1))))},
		{"same table twice", "", rowInsert("public", req("t3", cpuSchema(), row(sv("a"), tv(1), fv(1))),
			req("t3", append(cpuSchema(), field("extra", gpb.ColumnDataType_INT64)), row(sv("b"), tv(1), fv(1), iv(1))))},
		{"json", "", one("j", cols(ts("ts"), field("doc", gpb.ColumnDataType_JSON)), tv(1), sv("{not json"))},
		{"json ok", "", rowInsert("public", req("j", jsonSchema(), row(tv(1), sv(`{"a":1}`), sv("[]")), row(tv(2), null(), sv(`"s"`))))},
		{"json not string", "", rowInsert("public", req("j", jsonSchema(), row(tv(3), sv("{}"), sv("{}")), row(tv(4), iv(1), sv("{}"))))},
		// prepare_rows goes column by column: the second column's bad
		// text in row 1 loses to the first column's in row 2.
		{"json column order", "", rowInsert("public", req("j", jsonSchema(), row(tv(5), sv("{}"), sv("{")), row(tv(6), sv("nul"), sv("{}"))))},
		{"json second insert", "", rowInsert("public", req("j", jsonSchema(), row(tv(7), sv("1"), sv("2"))),
			req("j2", jsonSchema(), row(tv(1), sv("1"), sv("{]"))))},
		{"json with extension", "", one("j", cols(ts("ts"), &gpb.ColumnSchema{
			ColumnName: "a", Datatype: gpb.ColumnDataType_JSON, SemanticType: gpb.SemanticType_FIELD,
			DatatypeExtension: &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_JsonType{JsonType: gpb.JsonTypeExtension_JSON_BINARY}},
		}),
			tv(8), sv(`{"k":[1,2,{"x":null}]}`))},
		{"json short row", "", rowInsert("public", req("j", jsonSchema(), row(tv(9)), row(tv(10), sv("{"), sv("{}"))))},
		{"json metric", "physical_table=phy", one("jm", cols(ts("ts"), field("v", gpb.ColumnDataType_FLOAT64), tag("doc", gpb.ColumnDataType_JSON)), tv(1), fv(1), sv("{"))},
		{"json binary value", "", one("j", jsonSchema(), tv(11), &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte("{}")}}, sv("{}"))},
		{"metric create", "physical_table=phy", rowInsert("public", req("up", promSchema("job"), row(tv(1), fv(1), sv("node"))),
			req("load", promSchema("host"), row(tv(1), fv(0.5), sv("h1"))))},
		{"metric rename", "physical_table=phy", one("up", cols(ts("t"), field("v", gpb.ColumnDataType_FLOAT64), tag("job", gpb.ColumnDataType_STRING), tag("zone", gpb.ColumnDataType_STRING)),
			tv(2), fv(3), sv("node"), sv("z1"))},
		{"metric value type", "physical_table=phy", one("up", promSchema("job"), tv(2), iv(3), sv("node"))},
		{"metric null time", "physical_table=phy", one("up", promSchema("job"), null(), fv(3), sv("node"))},
		{"metric physical write", "", one("phy", promSchema("job"), tv(2), fv(3), sv("node"))},
		{"sql", "", &gpb.GreptimeRequest{
			Header:  &gpb.RequestHeader{Dbname: "public"},
			Request: &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: "CREATE TABLE s (ts TIMESTAMP TIME INDEX, v DOUBLE)"}}},
		}},
		{"empty request", "", &gpb.GreptimeRequest{Header: &gpb.RequestHeader{Dbname: "public"}}},
		{"auth header", "", &gpb.GreptimeRequest{
			Header: &gpb.RequestHeader{
				Catalog: "GREPTIME", Schema: "Public",
				Authorization: &gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Basic{Basic: &gpb.Basic{Username: "u", Password: "p"}}},
			},
			Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{req("cpu", cpuSchema(), row(sv("c"), tv(5), fv(1)))}}},
		}},
		{"prom shaped", "", promRequest(3, 4)},
	}
	for _, dt := range table.AllDataTypes {
		v, _ := sampleValue(dt)
		cs = append(cs, diffCase{"type " + dt.String(), "", one("ty_"+strings.ToLower(dt.String()), cols(ts("ts"), field("v", gpb.ColumnDataType(dt))), tv(1), v)},
			diffCase{"value " + dt.String() + " in float64", "", one("cpu", cpuSchema(), sv("a"), tv(9), v)})
	}
	return cs
}

// jsonSchema is a table with two JSON fields, as the bridge's log tables
// carry attributes.
func jsonSchema() []*gpb.ColumnSchema {
	return cols(ts("ts"), field("a", gpb.ColumnDataType_JSON), field("b", gpb.ColumnDataType_JSON))
}

// TestLoadModeMatchesNormal feeds the corpus, in order, to the three
// modes, with and without auth, and compares every answer and the
// resulting catalogs.
func TestLoadModeMatchesNormal(t *testing.T) {
	for _, opts := range []Options{{}, {Users: map[string]string{"u": "p"}}} {
		m := newModes(opts)
		for _, c := range diffCorpus() {
			data, err := proto.Marshal(c.req)
			if err != nil {
				t.Fatal(err)
			}
			got := m.step(data, c.hint)
			if got[0] != got[2] || got[1] != got[2] {
				t.Errorf("%s (auth %v): normal %q, count-only %q, load %q", c.name, opts.Users != nil, got[0], got[1], got[2])
			}
		}
		m.check(t)
	}
}

// TestLoadWalkMatchesDecode checks the walker's view of every corpus
// request against the decoded request's.
func TestLoadWalkMatchesDecode(t *testing.T) {
	for _, c := range diffCorpus() {
		data, err := proto.Marshal(c.req)
		if err != nil {
			t.Fatal(err)
		}
		compareWalk(t, data)
	}
}

// compareWalk fails when the walker and proto.Unmarshal disagree on b:
// one fails and not the other, different messages, or different inserts.
func compareWalk(t *testing.T, b []byte) {
	t.Helper()
	var ref gpb.GreptimeRequest
	refErr := proto.Unmarshal(b, &ref)
	lr := getLoadRequest()
	defer putLoadRequest(lr)
	err := lr.decode(b)
	if fmt.Sprint(err) != fmt.Sprint(refErr) {
		t.Fatalf("walk error %v, proto.Unmarshal error %v", err, refErr)
	}
	if err != nil || lr.full != nil {
		return
	}
	if !proto.Equal(lr.header, ref.GetHeader()) && (lr.header != nil || ref.GetHeader() != nil) {
		t.Fatalf("header %v, want %v", lr.header, ref.GetHeader())
	}
	want := ref.GetRowInserts().GetInserts()
	if len(lr.inserts) != len(want) {
		t.Fatalf("%d inserts, want %d", len(lr.inserts), len(want))
	}
	for i, w := range want {
		got, exp := lr.inserts[i], insertFromProto(w)
		if got.table != exp.table || len(got.schema) != len(exp.schema) ||
			!slices.Equal(got.lens, exp.lens) || !slices.Equal(got.kinds, exp.kinds) {
			t.Fatalf("insert %d: walk %q %v %v, decode %q %v %v", i, got.table, got.lens, got.kinds, exp.table, exp.lens, exp.kinds)
		}
		for j := range exp.schema {
			// Unknown fields are not compared: the checks do not read them.
			g, e := got.schema[j], exp.schema[j]
			if g.GetColumnName() != e.GetColumnName() || g.GetDatatype() != e.GetDatatype() || g.GetSemanticType() != e.GetSemanticType() ||
				!proto.Equal(g.GetDatatypeExtension(), e.GetDatatypeExtension()) || !proto.Equal(g.GetOptions(), e.GetOptions()) {
				t.Fatalf("insert %d column %d: walk %v, decode %v", i, j, got.schema[j], exp.schema[j])
			}
		}
	}
}
