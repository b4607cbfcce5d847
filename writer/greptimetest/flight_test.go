package greptimetest

import (
	"encoding/base64"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestDoPutAckThenOneResponsePerBatch(t *testing.T) {
	mem := putCheckedAlloc(t)
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	p := openPut(t, putDial(t, s.Addr()), "x-greptime-db-name", "public")

	// The ack comes before the client sends anything (flight.rs do_put).
	ack := p.mustRecv()
	if ack.raw != `{"request_id":0,"affected_rows":0,"elapsed_secs":0.0}` {
		t.Fatalf("ack = %s", ack.raw)
	}
	sc := putCPUSchema()
	w := p.writer("cpu", sc, ipc.WithAllocator(mem))
	for id := int64(1); id <= 3; id++ {
		putWrite(t, w, mem, sc, id,
			[]any{"a", id * 1000, 1.5, "x"},
			[]any{"b", id * 1000, nil, nil})
	}
	for id := int64(1); id <= 3; id++ {
		r := p.mustRecv()
		if r.RequestID != id || r.AffectedRows != 2 || r.ElapsedSecs == nil {
			t.Fatalf("response %d = %s", id, r.raw)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if rest, err := p.drain(); err != nil || len(rest) != 0 {
		t.Fatalf("after close: %v, %v", rest, err)
	}
	if n := s.RowCount("public", "cpu"); n != 6 {
		t.Fatalf("rows = %d, want 6", n)
	}
	if pc := s.PathCounts("public", "cpu"); pc[PathBulk] != 6 || pc[PathRowInsert] != 0 {
		t.Fatalf("path counts = %v", pc)
	}
	rows := s.Rows("public", "cpu")
	if got := rows[1]; !got[0].Equal(table.StringValue("b")) || !got[1].Equal(table.TimestampMillisecondValue(1000)) || !got[2].IsNull() || !got[3].IsNull() {
		t.Fatalf("row 1 = %v", got)
	}
	if got := rows[0]; !got[2].Equal(table.Float64Value(1.5)) || !got[3].Equal(table.StringValue("x")) {
		t.Fatalf("row 0 = %v", got)
	}
}

func TestDoPutRequestIDFromAppMetadata(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	cases := []struct {
		meta string
		want int64
	}{
		{`{"request_id":7,"min_timestamp":1,"unknown":true}`, 7},
		{``, 0},
		{`not json`, 0},
		{`{"start_timestamp":5}`, 0}, // request_id is required by serde
		{`{"request_id":-3}`, -3},
	}
	mem := memory.NewGoAllocator()
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	for i, c := range cases {
		rec := putRecord(t, mem, sc, []any{"h", int64(i), 1.0, nil})
		if err := w.WriteWithAppMetadata(rec, []byte(c.meta)); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if r := p.mustRecv(); r.RequestID != c.want {
			t.Errorf("metadata %q: request_id %d, want %d", c.meta, r.RequestID, c.want)
		}
	}
}

func TestDoPutEmptyBatchAffectsNothing(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	putWrite(t, w, memory.NewGoAllocator(), sc, 4)
	if r := p.mustRecv(); r.RequestID != 4 || r.AffectedRows != 0 {
		t.Fatalf("response = %s", r.raw)
	}
}

func TestDoPutAuth(t *testing.T) {
	s := StartT(t, Options{Users: map[string]string{"alice": "s3cret"}})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	c := putDial(t, s.Addr())
	basic := func(u, pw string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+pw)) }

	t.Run("missing header", func(t *testing.T) {
		p := openPut(t, c)
		_, err := p.recv()
		putWantStatus(t, p, err, codes.Unauthenticated, int(StatusAuthHeaderNotFound), "Not found http or grpc authorization header")
	})
	t.Run("wrong password", func(t *testing.T) {
		p := openPut(t, c, "x-greptime-auth", basic("alice", "nope"))
		_, err := p.recv()
		// check_auth replaces every login failure with a bare status.
		putWantStatus(t, p, err, codes.Unauthenticated, 0, "auth failed")
	})
	for _, key := range []string{"x-greptime-auth", "authorization"} {
		t.Run("ok via "+key, func(t *testing.T) {
			p := openPut(t, c, key, basic("alice", "s3cret"))
			p.mustRecv()
			sc := putCPUSchema()
			w := p.writer("cpu", sc)
			putWrite(t, w, memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 2.0, nil})
			if r := p.mustRecv(); r.AffectedRows != 1 {
				t.Fatalf("response = %s", r.raw)
			}
		})
	}
}

func TestDoPutDatabaseFromMetadata(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "greptime-metrics", putCPUTable("cpu"))
	c := putDial(t, s.Addr())
	sc := putCPUSchema()

	// "greptime-metrics" splits on the first '-' into catalog and schema.
	p := openPut(t, c, "x-greptime-db-name", "greptime-metrics")
	p.mustRecv()
	putWrite(t, p.writer("cpu", sc), memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 2.0, nil})
	if r := p.mustRecv(); r.AffectedRows != 1 {
		t.Fatalf("response = %s", r.raw)
	}
	if n := s.RowCount("metrics", "cpu"); n != 1 {
		t.Fatalf("rows in metrics.cpu = %d", n)
	}

	// DoPut never checks that the database exists; the table lookup on the
	// first batch fails instead (context_auth.rs, instance/grpc.rs).
	p = openPut(t, c, "x-greptime-db-name", "nodb")
	p.mustRecv()
	putWrite(t, p.writer("cpu", sc), memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 2.0, nil})
	_, err := p.recv()
	putWantStatus(t, p, err, codes.NotFound, int(StatusTableNotFound), "Table not found: greptime.nodb.cpu")
}

func TestPutResultJSON(t *testing.T) {
	cases := []struct {
		r    putResult
		want string
	}{
		{putResult{ack: true}, `{"request_id":0,"affected_rows":0,"elapsed_secs":0.0}`},
		{putResult{id: 42, rows: 1000, elapsed: 0.25}, `{"request_id":42,"affected_rows":1000,"elapsed_secs":0.25}`},
		{putResult{id: -1, rows: 1, elapsed: 2}, `{"request_id":-1,"affected_rows":1,"elapsed_secs":2.0}`},
		{putResult{id: 1, elapsed: 0.000032}, `{"request_id":1,"affected_rows":0,"elapsed_secs":0.000032}`},
		{putResult{id: 1, elapsed: 1.5e-7}, `{"request_id":1,"affected_rows":0,"elapsed_secs":1.5e-7}`},
	}
	for _, c := range cases {
		if got := string(c.r.appMetadata()); got != c.want {
			t.Errorf("appMetadata = %s, want %s", got, c.want)
		}
	}
}
