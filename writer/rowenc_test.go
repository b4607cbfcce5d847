package writer

import (
	"bytes"
	"fmt"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// refRequest builds, the old way, the request the encoder must produce:
// greptime-proto messages from the reference builder (ref_rows_test.go).
func refRequest(t testing.TB, h *gpb.RequestHeader, batches []*table.Batch) *gpb.GreptimeRequest {
	t.Helper()
	ins := &gpb.RowInsertRequests{}
	for i, b := range batches {
		r, err := convertBatch(b, &rowArena{})
		if err != nil {
			t.Fatalf("reference builder refused a batch the encoder took: %v", err)
		}
		// Consecutive batches of one layout are one insert: the
		// previous one's schema and both batches' rows.
		if i > 0 && batches[i-1].SameLayout(b) {
			prev := ins.Inserts[len(ins.Inserts)-1]
			prev.Rows.Rows = append(prev.Rows.Rows, r.Rows.Rows...)
			continue
		}
		ins.Inserts = append(ins.Inserts, r)
	}
	return &gpb.GreptimeRequest{Header: h, Request: &gpb.GreptimeRequest_RowInserts{RowInserts: ins}}
}

// checkEncoding encodes batches (valid ones) and checks the bytes are
// protobuf-go's deterministic marshalling of the reference request, and
// that they decode to a message equal to it. Byte equality holds because
// the encoder writes fields in ascending number and map entries sorted by
// key, as deterministic marshalling does; the decoded check is kept so a
// failure says whether the content or only the layout differs.
func checkEncoding(t testing.TB, e *rowEncoder, h *gpb.RequestHeader, batches []*table.Batch) {
	t.Helper()
	want := refRequest(t, h, batches)
	wantRaw, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.encode(h, batches)
	if err != nil {
		t.Fatal(err)
	}
	defer req.release()
	got := req.buf.ReadOnlyData()
	// Write's path: the runs come from validation (same), not from the
	// encoder's own comparison; the bytes must not differ.
	same := make([]bool, len(batches))
	for i, b := range batches {
		var prev *table.Batch
		if i > 0 {
			prev = batches[i-1]
		}
		if same[i], err = validateBatchAfter(b, prev); err != nil {
			t.Fatal(err)
		}
	}
	viaRuns, err := e.encodeRuns(h, batches, same, false)
	if err != nil {
		t.Fatal(err)
	}
	defer viaRuns.release()
	if !bytes.Equal(viaRuns.buf.ReadOnlyData(), got) {
		t.Fatal("encoding with the runs validation found differs from encoding that compares layouts itself")
	}
	// Write's path for a call of one request: validated while encoded.
	viaCheck, err := e.encodeRuns(h, batches, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer viaCheck.release()
	if !bytes.Equal(viaCheck.buf.ReadOnlyData(), got) {
		t.Fatal("encoding that validates as it goes differs from encoding validated batches")
	}
	var back gpb.GreptimeRequest
	if err := proto.Unmarshal(got, &back); err != nil {
		t.Fatalf("encoded request does not decode: %v", err)
	}
	if !proto.Equal(&back, want) {
		t.Fatalf("decoded request differs from the reference:\n got %v\nwant %v", &back, want)
	}
	if !bytes.Equal(got, wantRaw) {
		t.Fatalf("bytes differ from deterministic marshalling (%d vs %d bytes)", len(got), len(wantRaw))
	}
}

// TestEncoderMatchesReferenceForEveryType covers the type matrix: every
// data type as a field and a tag, a value and a NULL, with the type
// extensions and column options, under each header shape.
func TestEncoderMatchesReferenceForEveryType(t *testing.T) {
	headers := map[string]*gpb.RequestHeader{
		"empty": {},
		"db":    {Dbname: "public"},
		"full": {Dbname: "metrics", Timezone: "Asia/Shanghai", Authorization: &gpb.AuthHeader{
			AuthScheme: &gpb.AuthHeader_Basic{Basic: &gpb.Basic{Username: "u", Password: "p4ss"}},
		}},
		"token":   {Catalog: "greptime", Schema: "s", Authorization: &gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Token{Token: &gpb.Token{Token: "t"}}}},
		"tracing": {Dbname: "d", TracingContext: map[string]string{"traceparent": "00-1-2-01", "a": "", "": "x"}},
	}
	e := &rowEncoder{}
	for typ, c := range everyTypeValue() {
		for _, sem := range []table.SemanticType{table.Field, table.Tag} {
			s := table.NewSchema("t_"+typ.String()).Timestamp("ts", table.TimestampNanosecond)
			s.Columns = append(s.Columns, table.ColumnSchema{Name: "c", Type: typ, Semantic: sem})
			switch typ {
			case table.Decimal128:
				s.Columns[1].Precision, s.Columns[1].Scale = 20, 3
			case table.Vector:
				s.Columns[1].VectorDim = 2
			}
			s.Field("note", table.String).WithOptions(map[string]string{"fulltext": `{"enable":true}`, "b": "", "a": "1"})
			b := s.NewBatch("")
			for _, row := range [][]table.Value{
				{table.TimestampNanosecondValue(-1), c.in, table.StringValue("")},
				{table.TimestampNanosecondValue(1 << 62), table.Null(), table.Null()},
			} {
				if err := b.AddRow(row...); err != nil {
					t.Fatal(err)
				}
			}
			for name, h := range headers {
				t.Run(fmt.Sprintf("%s/%s/%s", typ, sem, name), func(t *testing.T) {
					checkEncoding(t, e, h, []*table.Batch{b})
				})
			}
		}
	}
}

// TestEncoderMatchesReferenceForManyTables is the Prometheus shape and
// sizes that cross varint boundaries: 100 tables, a long string (a Value
// longer than 127 bytes) and a table with a thousand rows.
func TestEncoderMatchesReferenceForManyTables(t *testing.T) {
	e := &rowEncoder{}
	h := &gpb.RequestHeader{Dbname: "public"}
	checkEncoding(t, e, h, promFlush(100, 20))
	long := table.NewSchema("long").Timestamp("ts", table.TimestampMillisecond).Field("s", table.String).
		Decimal("d", 0, 0).Decimal("d4", 0, 4).NewBatch("")
	for i, n := range []int{0, 127, 128, 300, 20000} {
		v := string(bytes.Repeat([]byte("é"), n/2)) + "x"
		if err := long.AddRow(table.TimestampMillisecondValue(int64(i)), table.StringValue(v),
			table.Decimal128Of(table.Decimal128Value{Hi: int64(-i), Lo: uint64(1) << 63}), table.Null()); err != nil {
			t.Fatal(err)
		}
	}
	checkEncoding(t, e, h, []*table.Batch{long, benchBatch(1000), benchBatch(1)})
}

// TestEncoderReuseLeavesNoState encodes a large request and then a small
// one with the same encoder: the second must not see the first's scratch.
func TestEncoderReuseLeavesNoState(t *testing.T) {
	var pool encoderPool
	h := &gpb.RequestHeader{Dbname: "public"}
	for _, bs := range [][]*table.Batch{promFlush(50, 40), {benchBatch(3)}, promFlush(1, 1)} {
		e := pool.get()
		checkEncoding(t, e, h, bs)
		pool.put(e)
	}
}

// TestEncoderMergesRunsOfOneLayout: consecutive batches of one table and
// layout become one RowInsertRequest holding every batch's rows; a batch
// of another layout between them starts an insert of its own.
func TestEncoderMergesRunsOfOneLayout(t *testing.T) {
	e := &rowEncoder{}
	h := &gpb.RequestHeader{Dbname: "public"}
	a, b := promFlush(1, 3)[0], promFlush(1, 2)[0]
	wide := promFlush(1, 1)[0]
	wide.MustColumn("extra", table.String, table.Tag) // NULL in its one row
	for _, tc := range []struct {
		name    string
		batches []*table.Batch
		inserts []int // rows per insert
	}{
		{"run", []*table.Batch{a, b, a}, []int{8}},
		{"broken run", []*table.Batch{a, wide, b}, []int{3, 1, 2}},
		{"other table", []*table.Batch{a, promFlush(2, 4)[1], b}, []int{3, 4, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEncoding(t, e, h, tc.batches)
			req, err := e.encode(h, tc.batches)
			if err != nil {
				t.Fatal(err)
			}
			defer req.release()
			var back gpb.GreptimeRequest
			if err := proto.Unmarshal(req.buf.ReadOnlyData(), &back); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, ins := range back.GetRowInserts().GetInserts() {
				got = append(got, len(ins.GetRows().GetRows()))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.inserts) {
				t.Errorf("rows per insert %v, want %v", got, tc.inserts)
			}
		})
	}
}

// TestEncoderPoolKeepsLargeBodies: an encoder whose body grew past
// maxPooledBody comes back from the pool with that body (the next large
// flush must not grow one from nothing), but no more than
// maxLargeEncoders of them, and none past maxLargeBody.
func TestEncoderPoolKeepsLargeBodies(t *testing.T) {
	var pool encoderPool
	withBody := func(n int) *rowEncoder { return &rowEncoder{body: make([]byte, 0, n)} }
	for range maxLargeEncoders + 1 {
		pool.put(withBody(maxPooledBody + 1))
	}
	pool.put(withBody(maxLargeBody + 1))
	pool.put(withBody(maxPooledBody))
	if got, want := len(pool.idle), maxLargeEncoders+1; got != want {
		t.Fatalf("%d idle encoders, want %d", got, want)
	}
	large := 0
	for range len(pool.idle) {
		if c := cap(pool.get().body); c > maxPooledBody {
			if c > maxLargeBody {
				t.Errorf("kept a body of %d bytes, past maxLargeBody", c)
			}
			large++
		}
	}
	if large != maxLargeEncoders {
		t.Errorf("%d large bodies kept, want %d", large, maxLargeEncoders)
	}
}
